import { InvalidInput } from '../errors';

/** A document with a stable id; `version` (external versioning) makes replays harmless. */
export interface IndexedDocument<T = Record<string, unknown>> {
  readonly id: string;
  readonly body: T;
  /** When set, a write with a version <= the stored one is ignored (not an error). */
  readonly version?: number;
}

/**
 * A point on the earth in degrees, as documents hold a `geo_point` field: an object with exactly
 * `lat` (-90..90) and `lon` (-180..180); an array of them is a multi-valued field. (OpenSearch also
 * takes strings, geohashes and `[lon, lat]` arrays; the port does not, so the embedded index
 * refuses them.)
 */
export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

export type SearchFilter =
  | { readonly term: { readonly field: string; readonly value: string | number | boolean } }
  /** Any of these values (OpenSearch `terms`); an empty list matches nothing. */
  | { readonly terms: { readonly field: string; readonly values: readonly (string | number | boolean)[] } }
  | { readonly range: { readonly field: string; readonly gte?: number | string; readonly lt?: number | string } }
  /**
   * Documents with a point of the `geo_point` field at most `km` kilometres (great-circle, the
   * haversine on a sphere of the earth's mean radius, as OpenSearch's `arc`) from (lat, lon).
   */
  | {
      readonly geoDistance: { readonly field: string; readonly lat: number; readonly lon: number; readonly km: number };
    };

/**
 * One sort key: a field's value (a text field sorts by its exact value), or the distance in
 * kilometres from a point to the nearest point of a `geo_point` field.
 */
export type SearchSort =
  | { readonly field: string; readonly order: 'asc' | 'desc' }
  | {
      readonly geoDistance: { readonly field: string; readonly lat: number; readonly lon: number };
      readonly order: 'asc' | 'desc';
    };

/**
 * A hit's value for one sort key, as the index reports it: a number for numeric, date (epoch
 * milliseconds), boolean (1/0) and distance (km) keys, a string for keyword and text keys. Hand
 * them back unchanged as `searchAfter`. A document without a value for a key has an
 * adapter-specific stand-in (null in the embedded index): page with `searchAfter` over keys every
 * document has, and end the sort with a unique key (an id field) so no two hits tie.
 */
export type SortValue = string | number | null;

export interface SearchQuery {
  /**
   * Full-text match over these fields (any word matches, prefix of the last word too). With
   * `fuzzy`, words also match with typos: as OpenSearch's `fuzziness: AUTO`, a word of 1-2
   * characters must match exactly, 3-5 within one edit, longer within two (an edit is a letter
   * inserted, deleted, replaced, or two neighbours swapped); the last word still matches as a
   * prefix too. Without `sort`, hits come by relevance: an exact word beats a prefix, a prefix
   * beats a typo, and more matched words beat fewer (the embedded index scores exactly that;
   * OpenSearch by BM25 with those clauses boosted in that order).
   */
  readonly text?: { readonly query: string; readonly fields: readonly string[]; readonly fuzzy?: boolean };
  readonly filters?: readonly SearchFilter[];
  readonly sort?: readonly SearchSort[];
  readonly size?: number;
  /** Offset paging (at most 10,000 deep); must be 0 or absent with `searchAfter`. */
  readonly from?: number;
  /**
   * Keyset paging (OpenSearch `search_after`): only hits sorting strictly after these sort values
   * (the `sort` of the previous page's last hit; one value per sort key). Needs `sort`. `total`
   * still counts every match.
   */
  readonly searchAfter?: readonly SortValue[];
  /**
   * Only these top-level properties of each hit's body (OpenSearch `_source` filtering): a page
   * of summaries need not carry whole documents over the wire. Absent: the whole body.
   */
  readonly source?: readonly string[];
}

export interface SearchHit<T> {
  readonly id: string;
  readonly body: T;
  /** The hit's sort values, one per sort key, when the query sorts (for `searchAfter`). */
  readonly sort?: readonly SortValue[];
}

export interface SearchHits<T> {
  readonly total: number;
  readonly hits: readonly SearchHit<T>[];
}

export interface BulkOutcome {
  /** Ids written (or ignored as an older version). */
  readonly written: readonly string[];
  /**
   * Ids that failed (after retries of throttling), with the reason. `retryable` is true when the
   * failure is transient (still throttled, or a 5xx for that item): the caller should retry the
   * batch later rather than dead-letter the document.
   */
  readonly failed: readonly { readonly id: string; readonly reason: string; readonly retryable?: boolean }[];
}

/** Index field types the ports understand; the adapter maps them to its own mapping. */
export type FieldType = 'keyword' | 'text' | 'long' | 'double' | 'date' | 'boolean' | 'geo_point';

export interface IndexDefinition {
  readonly name: string;
  /**
   * `name` is an alias, so the index can be rebuilt into a new one and swapped in atomically
   * (`createIndex`, `swapAlias`). `ensureIndex` then creates the concrete index
   * `<name>-initial` with the alias `name` when the alias does not exist yet; when it does, it
   * updates the mapping of every index behind it. A plain index called `name` (left by a deploy
   * from before the definition said `alias`) keeps working as it is: ensureIndex updates its
   * mapping, and the first rebuild replaces it with an alias in its atomic swap.
   */
  readonly alias?: true;
  readonly fields: Readonly<Record<string, FieldType>>;
  /**
   * Objects whose subfields are not known in advance (e.g. an event's free-form `properties`):
   * every subfield under these paths is indexed by the type of the first value seen for it —
   * strings and booleans as `keyword` (strings longer than 256 characters are kept but not
   * indexed), numbers as `double` (a later value that is not a number is kept but not indexed).
   * Nothing else outside `fields` is indexed (the mapping stays `dynamic: false`).
   */
  readonly dynamicObjects?: readonly string[];
}

export type AggregationInterval = 'minute' | 'hour' | 'day';

export interface AggregationRequest {
  /** All must hold (as in SearchQuery). */
  readonly filters?: readonly SearchFilter[];
  /** The date field that places a document in a time bucket. */
  readonly timeField: string;
  /** Fixed UTC intervals: buckets start on whole minutes, hours or days (UTC midnight). */
  readonly interval: AggregationInterval;
  /**
   * Only documents with `from <= timeField < to` count (ISO-8601 instants). Every interval that
   * overlaps the range is answered, empty ones with count 0; the first and last bucket may be
   * partial when the bounds are not on interval boundaries.
   */
  readonly range: { readonly from: string; readonly to: string };
  /**
   * Splits each time bucket by the values of this field: the `size` most frequent (default 10),
   * ties by ascending value; documents without a value are in no group.
   */
  readonly groupBy?: { readonly field: string; readonly size?: number };
  /** Also sum this numeric field (per bucket and per group); documents without it add 0. */
  readonly sum?: string;
}

export interface AggregationGroup {
  /** The field's value: a string for keyword fields, a number for numeric ones. */
  readonly key: string | number;
  readonly count: number;
  readonly sum?: number;
}

export interface AggregationBucket {
  /** Start of the interval, ISO-8601 UTC with milliseconds (`2024-05-01T10:00:00.000Z`). */
  readonly start: string;
  readonly count: number;
  readonly sum?: number;
  /** With groupBy: the top groups, most frequent first. */
  readonly groups?: readonly AggregationGroup[];
  /** With groupBy: documents in this bucket whose value is outside the top groups. */
  readonly otherCount?: number;
}

export interface AggregationResult {
  /** Every interval overlapping the range, in ascending order. */
  readonly buckets: readonly AggregationBucket[];
}

/**
 * An aggregation the index cannot answer as asked (e.g. a sum over a field that is not numeric).
 * The caller's request is wrong, not the index: an invalid-input domain error naming the
 * request's part (`sum`, `interval`, ...), which callers may rename for their own clients.
 */
export class AggregationRequestError extends InvalidInput {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, [{ path: field, message }]);
    this.name = 'AggregationRequestError';
  }
}

/** Most time buckets one aggregation may answer (OpenSearch caps all buckets at 65,535). */
export const maxAggregationBuckets = 2_000;
/** Most groups per time bucket. */
export const maxAggregationGroups = 25;

/** The concrete index `ensureIndex` creates behind an alias (see IndexDefinition.alias). */
export function initialIndexName(alias: string): string {
  return `${alias}-initial`;
}

/** What `swapAlias` changes, in one atomic step. */
export interface AliasSwap {
  /** Concrete indices the alias is to point at. */
  readonly add?: readonly string[];
  /**
   * Concrete indices the alias is to stop pointing at (each must be behind it). Naming the alias
   * itself means the plain index of that name (from a deploy before the alias): it is deleted in
   * the same step, since an alias cannot share its name with an index.
   */
  readonly remove?: readonly string[];
}

/**
 * The search projection port: OpenSearch in AWS and with services, in memory when embedded.
 * Every method that takes an index name also takes an alias: reads go to every index behind it,
 * writes need an alias with exactly one index behind it.
 */
export interface SearchIndex {
  ensureIndex(definition: IndexDefinition): Promise<void>;
  /**
   * Creates the concrete index `name` with the definition's fields (its `name` and `alias` are not
   * used), and with `aliases` pointing at it from the start (atomically: no moment in which the
   * alias is missing). Fails if an index or alias of that name exists.
   */
  createIndex(name: string, definition: IndexDefinition, aliases?: readonly string[]): Promise<void>;
  /**
   * The concrete indices behind `name`: an alias's targets (sorted), `[name]` for a concrete
   * index, `[]` when nothing has that name.
   */
  aliasTargets(name: string): Promise<string[]>;
  /** Moves an alias in one atomic step (OpenSearch `_aliases`); an alias left with no index is gone. */
  swapAlias(alias: string, swap: AliasSwap): Promise<void>;
  /** Deletes a concrete index and its documents; a missing one is no error, an alias name is refused. */
  deleteIndex(name: string): Promise<void>;
  bulkUpsert<T extends Record<string, unknown>>(index: string, documents: readonly IndexedDocument<T>[]): Promise<BulkOutcome>;
  get<T>(index: string, id: string): Promise<T | undefined>;
  delete(index: string, id: string): Promise<void>;
  search<T>(index: string, query: SearchQuery): Promise<SearchHits<T>>;
  /**
   * Counts (and sums) per time interval, optionally per group. A missing index answers empty
   * buckets (an app that has sent nothing yet has no index). Throws AggregationRequestError for
   * a request the index cannot answer as asked.
   */
  aggregate(index: string, request: AggregationRequest): Promise<AggregationResult>;
  /**
   * Deletes every document matching all filters in the indices matching `indexPattern` (a name,
   * `*` wildcards allowed); missing indices are no error. Answers how many were deleted.
   * For retention jobs: expensive on large indices, so run it on a schedule, not per request.
   */
  deleteWhere(indexPattern: string, filters: readonly SearchFilter[]): Promise<number>;
  /** Makes recent writes visible to search (tests and read-your-writes paths). */
  refresh(index: string): Promise<void>;
  close(): Promise<void>;
}
