/**
 * Answering a search: from the search index, or — when the index is unavailable (down, starting,
 * throttled: the port's `Unavailable`) — from the store of record, MySQL, with plainer text
 * matching. The answer says which store answered. Both use the same order and cursors, so a
 * client can page on while one of them takes over. Distances are where the stores may differ in
 * the last digits (the index keeps points to about a centimetre): resuming a distance order in
 * the other store never answers the cursor's own happening again (it is left out by id), and
 * two happenings could only swap or repeat across such a switch if their distances from the
 * point differed by less than about a millimetre.
 */
import { DomainError } from '../../platform/errors';
import type { SearchFilter, SearchIndex, SearchSort, SortValue } from '../../platform/search/search-index';
import { positionOf } from './matching';
import { HAPPENINGS_INDEX, type HappeningDocument, happeningOfDocument } from './projection';
import type { HappeningQuery } from './query';
import type { FoundHappening, HappeningPage, HappeningRepository } from './repository';

export type AnsweringStore = 'search' | 'database';

export interface SearchAnswer {
  readonly page: HappeningPage;
  readonly source: AnsweringStore;
  /** Why the database answered (the index's unavailability), when it did. */
  readonly fallbackReason?: string;
}

export async function findHappenings(
  index: () => Promise<SearchIndex>,
  repository: () => Promise<HappeningRepository>,
  query: HappeningQuery,
): Promise<SearchAnswer> {
  try {
    return { page: await searchIndex(await index(), query), source: 'search' };
  } catch (error) {
    if (!(error instanceof DomainError && error.kind === 'unavailable')) throw error;
    return { page: await (await repository()).find(query), source: 'database', fallbackReason: error.message };
  }
}

/** The query as the search port takes it: filters, the sort, and the cursor as `searchAfter`. */
export function indexQueryOf(query: HappeningQuery) {
  const filters: SearchFilter[] = [{ term: { field: 'deleted', value: false } }];
  if (query.topics && query.topics.length > 0) filters.push({ terms: { field: 'topics', values: [...query.topics] } });
  // endsAt > from, as endsAt >= from + 1 ms: times are whole milliseconds.
  if (query.fromMs !== undefined) filters.push({ range: { field: 'endsAt', gte: query.fromMs + 1 } });
  if (query.toMs !== undefined) filters.push({ range: { field: 'startsAt', lt: query.toMs } });
  if (query.near && query.radiusKm !== undefined) {
    filters.push({ geoDistance: { field: 'location', lat: query.near.lat, lon: query.near.lon, km: query.radiusKm } });
  }
  const byTime: SearchSort[] = [
    { field: 'startsAt', order: 'asc' },
    { field: 'id', order: 'asc' },
  ];
  const sort: SearchSort[] = query.near
    ? [{ geoDistance: { field: 'location', lat: query.near.lat, lon: query.near.lon }, order: 'asc' }, ...byTime]
    : byTime;
  const after = query.after;
  const searchAfter: SortValue[] | undefined = !after
    ? undefined
    : after.kind === 'distance'
      ? [after.distanceKm, after.startsAtMs, after.id]
      : [after.startsAtMs, after.id];
  return {
    filters,
    sort,
    // One more to know whether a page follows; one more again in case the cursor's own happening
    // comes back (a distance measured by the other store may be a hair larger): left out below.
    size: query.limit + (after ? 2 : 1),
    ...(query.text ? { text: { query: query.text, fields: ['title', 'description'] } } : {}),
    ...(searchAfter ? { searchAfter } : {}),
  };
}

async function searchIndex(index: SearchIndex, query: HappeningQuery): Promise<HappeningPage> {
  const result = await index.search<HappeningDocument>(HAPPENINGS_INDEX, indexQueryOf(query));
  const afterId = query.after?.id;
  const found = result.hits
    .filter((hit) => hit.id !== afterId)
    .map((hit) => {
      const happening = happeningOfDocument(hit.body);
      const distanceKm = query.near ? Number(hit.sort?.[0]) : undefined;
      const item: FoundHappening = distanceKm === undefined ? { happening } : { happening, distanceKm };
      return item;
    });
  const items = found.slice(0, query.limit);
  const last = items[items.length - 1];
  return found.length > query.limit && last ? { items, next: positionOf(last) } : { items };
}
