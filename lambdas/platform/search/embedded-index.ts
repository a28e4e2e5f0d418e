import { defaultPageSize, invalidDocumentReason, invalidIndexNameReason, maxResultWindow } from './document-rules';
import {
  analyzeText,
  type Comparable,
  comparable,
  compareComparables,
  fieldValues,
  inferFieldType,
  valueRejection,
} from './embedded-values';
import type {
  BulkOutcome,
  FieldType,
  IndexDefinition,
  IndexedDocument,
  SearchFilter,
  SearchHits,
  SearchIndex,
  SearchQuery,
} from './search-index';

interface StoredDocument {
  readonly body: Record<string, unknown>;
  readonly version: number;
}

interface EmbeddedIndexState {
  /** Declared fields; undefined for an index created implicitly by a write (dynamic, as in OpenSearch). */
  fields?: Record<string, FieldType>;
  /** Map order is write order, which stands in for OpenSearch's unspecified order when nothing sorts. */
  readonly documents: Map<string, StoredDocument>;
}

/**
 * The search port in memory, for `npm start` with nothing installed and for unit tests. It keeps
 * OpenSearch's observable semantics (the contract suite runs against both): external versions,
 * the mapper's per-document type errors, declared fields only being searchable (the real mapping
 * is `dynamic: false`), standard-analyzer word matching with a prefix on the last word, term and
 * range filters with type coercion, sort with missing values last, paging and exact totals.
 * Unlike OpenSearch, writes are visible to search at once (refresh is a no-op) and relevance is
 * a count of matched words rather than BM25.
 */
export class EmbeddedSearchIndex implements SearchIndex {
  private readonly indices = new Map<string, EmbeddedIndexState>();

  async ensureIndex(definition: IndexDefinition): Promise<void> {
    const invalid = invalidIndexNameReason(definition.name);
    if (invalid) throw new Error(invalid);
    const existing = this.indices.get(definition.name);
    if (!existing) {
      this.indices.set(definition.name, { fields: { ...definition.fields }, documents: new Map() });
      return;
    }
    // Like a mapping update: new fields are added, a declared field cannot change its type.
    const fields = { ...(existing.fields ?? {}) };
    for (const [field, type] of Object.entries(definition.fields)) {
      const current = fields[field];
      if (current !== undefined && current !== type) {
        throw new Error(`illegal_argument_exception: mapper [${field}] cannot be changed from type [${current}] to [${type}]`);
      }
      fields[field] = type;
    }
    existing.fields = fields;
  }

  async bulkUpsert<T extends Record<string, unknown>>(
    index: string,
    documents: readonly IndexedDocument<T>[],
  ): Promise<BulkOutcome> {
    const invalidIndex = invalidIndexNameReason(index);
    if (invalidIndex) throw new Error(invalidIndex);
    let state = this.indices.get(index);
    if (!state) {
      // OpenSearch creates a missing index on first write (action.auto_create_index).
      state = { documents: new Map() };
      this.indices.set(index, state);
    }
    const written: string[] = [];
    const failed: { id: string; reason: string; retryable?: boolean }[] = [];
    for (const document of documents) {
      const reason = invalidDocumentReason(document) ?? this.mappingRejection(state, document.body);
      if (reason) {
        failed.push({ id: String(document.id), reason, retryable: false });
        continue;
      }
      const stored = state.documents.get(document.id);
      if (document.version !== undefined) {
        // External versioning: only a strictly newer version replaces the document.
        if (stored === undefined || document.version > stored.version) {
          state.documents.set(document.id, { body: jsonCopy(document.body), version: document.version });
        }
      } else {
        // Internal versioning: every write wins and bumps the version.
        state.documents.set(document.id, { body: jsonCopy(document.body), version: (stored?.version ?? 0) + 1 });
      }
      written.push(document.id);
    }
    return { written, failed };
  }

  async get<T>(index: string, id: string): Promise<T | undefined> {
    const stored = this.indices.get(index)?.documents.get(id);
    return stored === undefined ? undefined : (jsonCopy(stored.body) as T);
  }

  async delete(index: string, id: string): Promise<void> {
    this.indices.get(index)?.documents.delete(id);
  }

  async search<T>(index: string, query: SearchQuery): Promise<SearchHits<T>> {
    const state = this.indices.get(index);
    if (!state) throw new Error(`index_not_found_exception: no such index [${index}]`);
    const size = query.size ?? defaultPageSize;
    const from = query.from ?? 0;
    if (from + size > maxResultWindow) {
      throw new Error(
        `illegal_argument_exception: Result window is too large, from + size must be less than or equal to [${maxResultWindow}]`,
      );
    }
    for (const { field } of query.sort ?? []) {
      if (state.fields && !(field in state.fields)) {
        throw new Error(`search_phase_execution_exception: No mapping found for [${field}] in order to sort on`);
      }
    }

    const matches: { id: string; body: Record<string, unknown>; score: number }[] = [];
    for (const [id, stored] of state.documents) {
      if (!(query.filters ?? []).every((filter) => this.matchesFilter(state, stored.body, filter))) continue;
      let score = 1;
      if (query.text) {
        score = this.textScore(state, stored.body, query.text.query, query.text.fields);
        if (score === 0) continue;
      }
      matches.push({ id, body: stored.body, score });
    }

    if (query.sort && query.sort.length > 0) {
      const sort = query.sort;
      const keys = new Map(
        matches.map((match) => [match.id, sort.map((s) => this.sortKey(state, match.body, s.field, s.order))]),
      );
      matches.sort((a, b) => {
        const left = keys.get(a.id)!;
        const right = keys.get(b.id)!;
        for (let i = 0; i < sort.length; i++) {
          const order = compareWithMissingLast(left[i], right[i], sort[i].order);
          if (order !== 0) return order;
        }
        return 0;
      });
    } else if (query.text) {
      matches.sort((a, b) => b.score - a.score);
    }

    return {
      total: matches.length,
      hits: matches.slice(from, from + size).map((match) => ({ id: match.id, body: jsonCopy(match.body) as T })),
    };
  }

  async refresh(_index: string): Promise<void> {
    // Writes are visible immediately in memory.
  }

  async close(): Promise<void> {}

  /** The first declared field whose value the mapper would refuse, as OpenSearch reports it. */
  private mappingRejection(state: EmbeddedIndexState, body: Record<string, unknown>): string | undefined {
    if (!state.fields) return undefined;
    for (const [field, type] of Object.entries(state.fields)) {
      for (const value of fieldValues(body, field)) {
        const rejection = valueRejection(field, type, value);
        if (rejection) return rejection;
      }
    }
    return undefined;
  }

  /** A declared field's type; for an implicitly created index, the type inferred from the value. */
  private fieldType(state: EmbeddedIndexState, field: string, sample: unknown): FieldType | undefined {
    if (state.fields) return state.fields[field];
    return inferFieldType(sample);
  }

  private comparableValues(state: EmbeddedIndexState, body: Record<string, unknown>, field: string): Comparable[] {
    const values: Comparable[] = [];
    for (const value of fieldValues(body, field)) {
      const type = this.fieldType(state, field, value);
      if (!type) return [];
      const reduced = comparable(type, value);
      if (reduced !== undefined) values.push(reduced);
    }
    return values;
  }

  private matchesFilter(state: EmbeddedIndexState, body: Record<string, unknown>, filter: SearchFilter): boolean {
    if ('term' in filter) {
      const { field, value } = filter.term;
      const values = fieldValues(body, field);
      return values.some((stored) => {
        const type = this.fieldType(state, field, stored);
        if (!type) return false;
        const left = comparable(type, stored);
        const right = comparable(type, value);
        return left !== undefined && right !== undefined && compareComparables(left, right) === 0;
      });
    }
    const { field, gte, lt } = filter.range;
    return fieldValues(body, field).some((stored) => {
      const type = this.fieldType(state, field, stored);
      if (!type) return false;
      const value = comparable(type, stored);
      if (value === undefined) return false;
      if (gte !== undefined) {
        const bound = comparable(type, gte);
        if (bound === undefined || compareComparables(value, bound) < 0) return false;
      }
      if (lt !== undefined) {
        const bound = comparable(type, lt);
        if (bound === undefined || compareComparables(value, bound) >= 0) return false;
      }
      return true;
    });
  }

  /**
   * multi_match of type bool_prefix: each query word is an optional clause, the last one matching
   * as a prefix; the score here is the number of (word, field) clauses that matched.
   */
  private textScore(state: EmbeddedIndexState, body: Record<string, unknown>, text: string, fields: readonly string[]): number {
    const words = analyzeText(text);
    if (words.length === 0) return 0;
    const last = words.length - 1;
    let score = 0;
    for (const field of fields) {
      if (state.fields && !(field in state.fields)) continue; // not mapped, so not searchable
      const tokens = new Set(
        fieldValues(body, field)
          .filter((value) => typeof value !== 'object')
          .flatMap((value) => analyzeText(String(value))),
      );
      words.forEach((word, position) => {
        if (position < last ? tokens.has(word) : [...tokens].some((token) => token.startsWith(word))) score += 1;
      });
    }
    return score;
  }

  /** Multi-valued fields sort by their smallest value ascending and largest descending, as OpenSearch does. */
  private sortKey(
    state: EmbeddedIndexState,
    body: Record<string, unknown>,
    field: string,
    order: 'asc' | 'desc',
  ): Comparable | undefined {
    const values = this.comparableValues(state, body, field);
    if (values.length === 0) return undefined;
    return values.reduce((best, value) => {
      const c = compareComparables(value, best);
      return (order === 'asc' ? c < 0 : c > 0) ? value : best;
    });
  }
}

function compareWithMissingLast(a: Comparable | undefined, b: Comparable | undefined, order: 'asc' | 'desc'): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const c = compareComparables(a, b);
  return order === 'asc' ? c : -c;
}

/** Stored and returned bodies go through JSON, as they do on the wire to OpenSearch. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
