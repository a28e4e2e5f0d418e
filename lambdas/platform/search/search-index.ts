/** A document with a stable id; `version` (external versioning) makes replays harmless. */
export interface IndexedDocument<T = Record<string, unknown>> {
  readonly id: string;
  readonly body: T;
  /** When set, a write with a version <= the stored one is ignored (not an error). */
  readonly version?: number;
}

export type SearchFilter =
  | { readonly term: { readonly field: string; readonly value: string | number | boolean } }
  | { readonly range: { readonly field: string; readonly gte?: number | string; readonly lt?: number | string } };

export interface SearchQuery {
  /** Full-text match over these fields (any word matches, prefix of the last word too). */
  readonly text?: { readonly query: string; readonly fields: readonly string[] };
  readonly filters?: readonly SearchFilter[];
  readonly sort?: readonly { readonly field: string; readonly order: 'asc' | 'desc' }[];
  readonly size?: number;
  readonly from?: number;
}

export interface SearchHits<T> {
  readonly total: number;
  readonly hits: readonly { readonly id: string; readonly body: T }[];
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
export type FieldType = 'keyword' | 'text' | 'long' | 'double' | 'date' | 'boolean';

export interface IndexDefinition {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldType>>;
}

/** The search projection port: OpenSearch in AWS and with services, in memory when embedded. */
export interface SearchIndex {
  ensureIndex(definition: IndexDefinition): Promise<void>;
  bulkUpsert<T extends Record<string, unknown>>(index: string, documents: readonly IndexedDocument<T>[]): Promise<BulkOutcome>;
  get<T>(index: string, id: string): Promise<T | undefined>;
  delete(index: string, id: string): Promise<void>;
  search<T>(index: string, query: SearchQuery): Promise<SearchHits<T>>;
  /** Makes recent writes visible to search (tests and read-your-writes paths). */
  refresh(index: string): Promise<void>;
  close(): Promise<void>;
}
