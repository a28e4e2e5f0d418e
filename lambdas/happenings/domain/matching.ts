/**
 * How the store of record answers a search without a search index (the in-memory store, and the
 * same rules the MySQL adapter states in SQL): the filters of query.ts, distances by the
 * haversine, text as case- and accent-insensitive substrings (any word).
 */
import { arcDistanceKm } from '../../platform/search/geo';
import type { Happening } from './happening';
import { type CursorPosition, comparePositions, type HappeningQuery, textWords } from './query';
import type { FoundHappening, HappeningPage } from './repository';

/** Lower case without accents: how the fallback compares text (like MySQL's utf8mb4_unicode_ci, roughly). */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function matches(happening: Happening, query: HappeningQuery): FoundHappening | undefined {
  if (query.topics && query.topics.length > 0 && !happening.topics.some((topic) => query.topics?.includes(topic)))
    return undefined;
  const startsAtMs = Date.parse(happening.startsAt);
  const endsAtMs = Date.parse(happening.endsAt);
  if (query.fromMs !== undefined && !(endsAtMs > query.fromMs)) return undefined;
  if (query.toMs !== undefined && !(startsAtMs < query.toMs)) return undefined;
  if (query.text !== undefined) {
    const haystack = [foldText(happening.title), foldText(happening.description)];
    const words = textWords(query.text).map(foldText);
    if (!words.some((word) => haystack.some((text) => text.includes(word)))) return undefined;
  }
  if (!query.near) return { happening };
  const distanceKm = arcDistanceKm(query.near.lat, query.near.lon, happening.place.lat, happening.place.lon);
  if (query.radiusKm !== undefined && distanceKm > query.radiusKm) return undefined;
  return { happening, distanceKm };
}

/** Where an item sorts: what a cursor after it holds. */
export function positionOf(item: FoundHappening): CursorPosition {
  const startsAtMs = Date.parse(item.happening.startsAt);
  return item.distanceKm === undefined
    ? { kind: 'time', startsAtMs, id: item.happening.id }
    : { kind: 'distance', distanceKm: item.distanceKm, startsAtMs, id: item.happening.id };
}

/** One page of a query over happenings held in memory. */
export function pageOf(happenings: Iterable<Happening>, query: HappeningQuery): HappeningPage {
  const found: { item: FoundHappening; position: CursorPosition }[] = [];
  for (const happening of happenings) {
    const item = matches(happening, query);
    if (!item) continue;
    const position = positionOf(item);
    if (query.after && (comparePositions(position, query.after) <= 0 || item.happening.id === query.after.id)) continue;
    found.push({ item, position });
  }
  found.sort((a, b) => comparePositions(a.position, b.position));
  const page = found.slice(0, query.limit);
  const last = page[page.length - 1];
  return found.length > query.limit && last
    ? { items: page.map((f) => f.item), next: last.position }
    : { items: page.map((f) => f.item) };
}
