import { type AggregationPlan, emptyBuckets, planAggregation } from './aggregation-plan';
import {
  defaultPageSize,
  invalidDocumentReason,
  invalidIndexNameReason,
  keywordIgnoreAbove,
  maxResultWindow,
} from './document-rules';
import { analyzeText, type Comparable, comparable, compareComparables, fieldValues, inferFieldType } from './embedded-values';
import { arcDistanceKm, parseGeoPoint } from './geo';
import {
  type AggregationBucket,
  type AggregationGroup,
  type AggregationRequest,
  AggregationRequestError,
  type AggregationResult,
  type AliasSwap,
  type BulkOutcome,
  type FieldType,
  type GeoPoint,
  type IndexDefinition,
  type IndexedDocument,
  initialIndexName,
  type SearchFilter,
  type SearchHits,
  type SearchIndex,
  type SearchQuery,
  type SearchSort,
  type SortValue,
} from './search-index';
import { parseNumber, valueRejection } from './value-rules';

interface StoredDocument {
  readonly body: Record<string, unknown>;
  readonly version: number;
}

/** What the dynamic templates made of a subfield of a dynamic object (see IndexDefinition.dynamicObjects). */
type DynamicField = 'keyword' | 'double' | 'object';

interface EmbeddedIndexState {
  /** Declared fields; undefined for an index created implicitly by a write (dynamic, as in OpenSearch). */
  fields?: Record<string, FieldType>;
  /** Paths whose subfields are mapped by their first value. */
  dynamicObjects: string[];
  /** Subfields of dynamic objects seen so far, by full dotted path. */
  readonly dynamicFields: Map<string, DynamicField>;
  /** Map order is write order, which stands in for OpenSearch's unspecified order when nothing sorts. */
  readonly documents: Map<string, StoredDocument>;
}

/**
 * The search port in memory, for `npm start` with nothing installed and for unit tests. It keeps
 * OpenSearch's observable semantics (the contract suite runs against both): external versions,
 * the mapper's per-document type errors, declared fields only being searchable (the real mapping
 * is `dynamic: false`), standard-analyzer word matching with a prefix on the last word, term and
 * range filters with type coercion, sort with missing values last, paging and exact totals.
 * Aliases behave as OpenSearch's: reads go to every index behind one, writes and single-document
 * operations need exactly one. Unlike OpenSearch, writes are visible to search at once (refresh
 * is a no-op) and relevance is a count of matched words rather than BM25 (see `textScore`).
 */
export class EmbeddedSearchIndex implements SearchIndex {
  private readonly indices = new Map<string, EmbeddedIndexState>();
  /** alias -> the concrete indices behind it. */
  private readonly aliases = new Map<string, Set<string>>();

  async ensureIndex(definition: IndexDefinition): Promise<void> {
    const invalid = invalidIndexNameReason(definition.name);
    if (invalid) throw new Error(invalid);
    if (definition.alias) {
      // As the OpenSearch adapter: create `<name>-initial` behind the alias, or update what is behind the name.
      const targets = await this.aliasTargets(definition.name);
      if (targets.length === 0) {
        await this.createIndex(initialIndexName(definition.name), definition, [definition.name]);
        return;
      }
      for (const target of targets) this.updateMapping(this.indices.get(target)!, definition);
      return;
    }
    if (this.aliases.has(definition.name)) {
      for (const target of this.aliases.get(definition.name)!) this.updateMapping(this.indices.get(target)!, definition);
      return;
    }
    const existing = this.indices.get(definition.name);
    if (!existing) {
      this.indices.set(definition.name, newState(definition));
      return;
    }
    this.updateMapping(existing, definition);
  }

  async createIndex(name: string, definition: IndexDefinition, aliases: readonly string[] = []): Promise<void> {
    for (const candidate of [name, ...aliases]) {
      const invalid = invalidIndexNameReason(candidate);
      if (invalid) throw new Error(invalid);
    }
    if (this.indices.has(name)) throw new Error(`resource_already_exists_exception: index [${name}] already exists`);
    if (this.aliases.has(name)) throw new Error(`invalid_index_name_exception: [${name}] already exists as alias`);
    for (const alias of aliases) {
      if (this.indices.has(alias))
        throw new Error(`invalid_alias_name_exception: an index exists with the same name as the alias [${alias}]`);
    }
    this.indices.set(name, newState(definition));
    for (const alias of aliases) this.aliasSet(alias).add(name);
  }

  async aliasTargets(name: string): Promise<string[]> {
    const targets = this.aliases.get(name);
    if (targets) return [...targets].sort();
    return this.indices.has(name) ? [name] : [];
  }

  async swapAlias(alias: string, swap: AliasSwap): Promise<void> {
    const invalid = invalidIndexNameReason(alias);
    if (invalid) throw new Error(invalid);
    // Checked in full first, then applied with no await in between: atomic for every reader.
    const removeIndex = (swap.remove ?? []).includes(alias) && this.indices.has(alias);
    const current = this.aliases.get(alias) ?? new Set<string>();
    for (const index of swap.remove ?? []) {
      if (index === alias ? !removeIndex : !current.has(index))
        throw new Error(`aliases_not_found_exception: [${alias}] missing on [${index}]`);
    }
    for (const index of swap.add ?? []) {
      if (!this.indices.has(index) || index === alias) throw new Error(`index_not_found_exception: no such index [${index}]`);
    }
    if (this.indices.has(alias) && !removeIndex) {
      throw new Error(`invalid_alias_name_exception: an index exists with the same name as the alias [${alias}]`);
    }
    if (removeIndex) this.indices.delete(alias);
    const next = new Set(current);
    for (const index of swap.remove ?? []) next.delete(index);
    for (const index of swap.add ?? []) next.add(index);
    if (next.size === 0) this.aliases.delete(alias);
    else this.aliases.set(alias, next);
  }

  async deleteIndex(name: string): Promise<void> {
    if (this.aliases.has(name)) throw new Error(`${name} is an alias: delete the indices behind it by name`);
    if (!this.indices.delete(name)) return;
    // OpenSearch drops a deleted index from every alias.
    for (const [alias, targets] of this.aliases) {
      targets.delete(name);
      if (targets.size === 0) this.aliases.delete(alias);
    }
  }

  private aliasSet(alias: string): Set<string> {
    let targets = this.aliases.get(alias);
    if (!targets) {
      targets = new Set();
      this.aliases.set(alias, targets);
    }
    return targets;
  }

  /** The indices a read of `name` covers (an alias' targets, or the index itself); none when missing. */
  private readStates(name: string): EmbeddedIndexState[] {
    const targets = this.aliases.get(name);
    if (targets) return [...targets].sort().map((target) => this.indices.get(target)!);
    const state = this.indices.get(name);
    return state ? [state] : [];
  }

  /** The one index a single-index operation on `name` goes to (undefined when nothing has that name). */
  private singleState(name: string): EmbeddedIndexState | undefined {
    const targets = this.aliases.get(name);
    if (targets && targets.size > 1) {
      throw new Error(
        `illegal_argument_exception: alias [${name}] has more than one index associated with it, can't execute a single index op`,
      );
    }
    return targets ? this.indices.get([...targets][0]!) : this.indices.get(name);
  }

  private updateMapping(existing: EmbeddedIndexState, definition: IndexDefinition): void {
    const dynamicObjects = [...(definition.dynamicObjects ?? [])];
    existing.dynamicObjects = [...new Set([...existing.dynamicObjects, ...dynamicObjects])];
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
    const targets = this.aliases.get(index);
    if (targets && targets.size > 1) {
      // OpenSearch refuses every item, not the request.
      const reason = `illegal_argument_exception: no write index is defined for alias [${index}]`;
      return { written: [], failed: documents.map((document) => ({ id: String(document.id), reason, retryable: false })) };
    }
    let state = this.singleState(index);
    if (!state) {
      // OpenSearch creates a missing index on first write (action.auto_create_index).
      state = { dynamicObjects: [], dynamicFields: new Map(), documents: new Map() };
      this.indices.set(index, state);
    }
    const written: string[] = [];
    const failed: { id: string; reason: string; retryable?: boolean }[] = [];
    for (const document of documents) {
      const dynamic = new Map<string, DynamicField>();
      const reason =
        invalidDocumentReason(document) ??
        this.mappingRejection(state, document.body) ??
        dynamicMappingRejection(state, document.body, dynamic);
      if (reason) {
        failed.push({ id: String(document.id), reason, retryable: false });
        continue;
      }
      // The mapping update of an accepted document sticks (even if a newer version wins below).
      for (const [path, type] of dynamic) state.dynamicFields.set(path, type);
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
    const stored = this.singleState(index)?.documents.get(id);
    return stored === undefined ? undefined : (jsonCopy(stored.body) as T);
  }

  async delete(index: string, id: string): Promise<void> {
    this.singleState(index)?.documents.delete(id);
  }

  async search<T>(index: string, query: SearchQuery): Promise<SearchHits<T>> {
    const states = this.readStates(index);
    if (states.length === 0) throw new Error(`index_not_found_exception: no such index [${index}]`);
    // Checks and keys follow the first index's mapping (the indices behind one alias share theirs).
    const state = states[0]!;
    const size = query.size ?? defaultPageSize;
    const from = query.from ?? 0;
    if (from + size > maxResultWindow) {
      throw new Error(
        `illegal_argument_exception: Result window is too large, from + size must be less than or equal to [${maxResultWindow}]`,
      );
    }
    const sort = query.sort ?? [];
    for (const s of sort) for (const each of states) this.checkSortable(each, s);
    if (query.searchAfter) {
      if (sort.length === 0) throw new Error('illegal_argument_exception: search_after needs a sort');
      if (query.searchAfter.length !== sort.length) {
        throw new Error(
          `illegal_argument_exception: search_after has ${query.searchAfter.length} value(s) but sort has ${sort.length}`,
        );
      }
      if (from > 0) throw new Error('illegal_argument_exception: from must be 0 when search_after is used');
    }
    for (const filter of query.filters ?? []) {
      if ('geoDistance' in filter && !states.every((each) => this.isGeoField(each, filter.geoDistance.field))) {
        throw new Error(`query_shard_exception: failed to find geo_point field [${filter.geoDistance.field}]`);
      }
    }

    const matches: { id: string; body: Record<string, unknown>; score: number; keys: SortKey[] }[] = [];
    for (const each of states) {
      for (const [id, stored] of each.documents) {
        if (!(query.filters ?? []).every((filter) => this.matchesFilter(each, stored.body, filter))) continue;
        let score = 1;
        if (query.text) {
          score = query.text.fuzzy
            ? this.fuzzyTextScore(each, stored.body, query.text.query, query.text.fields)
            : this.textScore(each, stored.body, query.text.query, query.text.fields);
          if (score === 0) continue;
        }
        matches.push({ id, body: stored.body, score, keys: sort.map((s) => this.sortKey(each, stored.body, s)) });
      }
    }

    const compareKeys = (left: readonly SortKey[], right: readonly SortKey[]) => {
      for (let i = 0; i < sort.length; i++) {
        const order = compareSortKeys(left[i], right[i], sort[i]!.order);
        if (order !== 0) return order;
      }
      return 0;
    };
    if (sort.length > 0) matches.sort((a, b) => compareKeys(a.keys, b.keys));
    else if (query.text) matches.sort((a, b) => b.score - a.score);

    const after = query.searchAfter ? this.searchAfterKeys(state, sort, query.searchAfter) : undefined;
    const window = after ? matches.filter((match) => compareKeys(match.keys, after) > 0) : matches;
    return {
      total: matches.length,
      hits: window.slice(from, from + size).map((match) => ({
        id: match.id,
        body: jsonCopy(query.source ? pick(match.body, query.source) : match.body) as T,
        ...(sort.length > 0 ? { sort: match.keys.map(sortValueOf) } : {}),
      })),
    };
  }

  /** Sorting needs a mapped field; a geo_point only sorts by distance, and only a geo_point does. */
  private checkSortable(state: EmbeddedIndexState, s: SearchSort): void {
    if ('geoDistance' in s) {
      if (!this.isGeoField(state, s.geoDistance.field)) {
        throw new Error(
          `search_phase_execution_exception: failed to find mapper for [${s.geoDistance.field}] for geo distance based sort`,
        );
      }
      return;
    }
    const { field } = s;
    if (state.fields && !(field in state.fields) && !isDynamicLeaf(state, field)) {
      throw new Error(`search_phase_execution_exception: No mapping found for [${field}] in order to sort on`);
    }
    if (state.fields?.[field] === 'geo_point') {
      throw new Error(`illegal_argument_exception: can't sort on geo_point field [${field}] without a geo distance sort`);
    }
  }

  private isGeoField(state: EmbeddedIndexState, field: string): boolean {
    return state.fields?.[field] === 'geo_point';
  }

  /** The `searchAfter` values as the sort keys they stand for (null: a missing value). */
  private searchAfterKeys(state: EmbeddedIndexState, sort: readonly SearchSort[], values: readonly SortValue[]): SortKey[] {
    return sort.map((s, i) => {
      const value = values[i];
      if (value === null || value === undefined) return undefined;
      if ('geoDistance' in s) {
        const km = parseNumber(value);
        if (km === undefined)
          throw new Error(`illegal_argument_exception: search_after value [${String(value)}] is not a distance`);
        return km;
      }
      const type = this.declaredType(state, s.field) ?? inferFieldType(value);
      const key = comparable(type, value);
      if (key === undefined) {
        throw new Error(`illegal_argument_exception: search_after value [${String(value)}] does not fit field [${s.field}]`);
      }
      return key;
    });
  }

  async aggregate(index: string, request: AggregationRequest): Promise<AggregationResult> {
    const plan = planAggregation(request);
    const states = this.readStates(index);
    if (states.length === 0) return { buckets: emptyBuckets(request, plan) };
    if (request.sum !== undefined) {
      const type = this.declaredType(states[0]!, request.sum);
      if (type !== undefined && type !== 'long' && type !== 'double') {
        throw new AggregationRequestError('sum', `field ${request.sum} is not numeric (it is ${type})`);
      }
    }

    const buckets = new Map<number, Accumulator>(plan.starts.map((start) => [start, newAccumulator()]));
    for (const state of states)
      for (const stored of state.documents.values()) {
        const body = stored.body;
        if (!(request.filters ?? []).every((filter) => this.matchesFilter(state, body, filter))) continue;
        const times = this.comparableValues(state, body, request.timeField).filter(
          (t): t is number => typeof t === 'number' && t >= plan.fromMs && t < plan.toMs,
        );
        if (times.length === 0) continue;
        const sum = request.sum === undefined ? 0 : this.sumOf(state, body, request.sum);
        const keys = request.groupBy ? this.groupKeys(state, body, request.groupBy.field) : [];
        for (const start of new Set(times.map((t) => Math.floor(t / plan.stepMs) * plan.stepMs))) {
          const bucket = buckets.get(start)!;
          bucket.count += 1;
          bucket.sum += sum;
          for (const key of keys) {
            const group = bucket.groups.get(key.order) ?? { key: key.key, count: 0, sum: 0 };
            group.count += 1;
            group.sum += sum;
            bucket.groups.set(key.order, group);
          }
        }
      }
    return {
      buckets: emptyBuckets(request, plan).map((empty, i) => toBucket(request, plan, empty, buckets.get(plan.starts[i])!)),
    };
  }

  async deleteWhere(indexPattern: string, filters: readonly SearchFilter[]): Promise<number> {
    const pattern = new RegExp(`^${indexPattern.split('*').map(escapeRegExp).join('.*')}$`);
    // A pattern matches index names and alias names (then the indices behind the alias).
    const names = new Set([...this.indices.keys()].filter((name) => pattern.test(name)));
    for (const [alias, targets] of this.aliases) if (pattern.test(alias)) for (const target of targets) names.add(target);
    let deleted = 0;
    for (const [name, state] of this.indices) {
      if (!names.has(name)) continue;
      for (const [id, stored] of state.documents) {
        if (filters.every((filter) => this.matchesFilter(state, stored.body, filter))) {
          state.documents.delete(id);
          deleted += 1;
        }
      }
    }
    return deleted;
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
    if (state.fields) return this.declaredType(state, field);
    return inferFieldType(sample);
  }

  /** The type in the mapping: declared, or set by a dynamic object's templates. */
  private declaredType(state: EmbeddedIndexState, field: string): FieldType | undefined {
    const declared = state.fields?.[field];
    if (declared) return declared;
    const dynamic = state.dynamicFields.get(field);
    return dynamic === 'object' ? undefined : dynamic;
  }

  /** The value as indexed: undefined when the mapping keeps it only in _source. */
  private indexedValue(state: EmbeddedIndexState, field: string, value: unknown): Comparable | undefined {
    const type = this.fieldType(state, field, value);
    if (!type) return undefined;
    // Dynamic keywords skip long strings (ignore_above), as the template says.
    if (type === 'keyword' && state.dynamicFields.has(field) && String(value).length > keywordIgnoreAbove) return undefined;
    return comparable(type, value);
  }

  private comparableValues(state: EmbeddedIndexState, body: Record<string, unknown>, field: string): Comparable[] {
    const values: Comparable[] = [];
    for (const value of fieldValues(body, field)) {
      const reduced = this.indexedValue(state, field, value);
      if (reduced !== undefined) values.push(reduced);
    }
    return values;
  }

  /** Sum of a numeric field's values in one document (a sum aggregation adds every value). */
  private sumOf(state: EmbeddedIndexState, body: Record<string, unknown>, field: string): number {
    return this.comparableValues(state, body, field).reduce<number>((total, v) => total + (typeof v === 'number' ? v : 0), 0);
  }

  /** Distinct values of a field in one document, as terms buckets key them. */
  private groupKeys(
    state: EmbeddedIndexState,
    body: Record<string, unknown>,
    field: string,
  ): { key: string | number; order: Comparable }[] {
    const keys = new Map<Comparable, string | number>();
    for (const value of fieldValues(body, field)) {
      const type = this.fieldType(state, field, value);
      const order = this.indexedValue(state, field, value);
      if (!type || order === undefined) continue;
      keys.set(order, termsKey(type, order));
    }
    return [...keys].map(([order, key]) => ({ key, order }));
  }

  private matchesFilter(state: EmbeddedIndexState, body: Record<string, unknown>, filter: SearchFilter): boolean {
    if ('geoDistance' in filter) {
      const { field, lat, lon, km } = filter.geoDistance;
      return fieldValues(body, field).some((value) => {
        const point = parseGeoPoint(value);
        return point !== undefined && arcDistanceKm(lat, lon, point.lat, point.lon) <= km;
      });
    }
    if ('term' in filter || 'terms' in filter) {
      const { field } = 'term' in filter ? filter.term : filter.terms;
      const wanted = 'term' in filter ? [filter.term.value] : filter.terms.values;
      const values = fieldValues(body, field);
      return values.some((stored) => {
        const type = this.fieldType(state, field, stored);
        if (!type) return false;
        const left = this.indexedValue(state, field, stored);
        return (
          left !== undefined &&
          wanted.some((value) => {
            const right = comparable(type, value);
            return right !== undefined && compareComparables(left, right) === 0;
          })
        );
      });
    }
    const { field, gte, lt } = filter.range;
    return fieldValues(body, field).some((stored) => {
      const type = this.fieldType(state, field, stored);
      if (!type) return false;
      const value = this.indexedValue(state, field, stored);
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

  /**
   * The fuzzy text score (SearchQuery.text.fuzzy): each query word counts once, by its best match
   * over the fields' words: exact 3, the last word as a prefix 2, within the AUTO edit distance 1
   * (0 edits for 1-2 characters, 1 for 3-5, 2 for longer; a swap of neighbours is one edit, as
   * in Lucene). The number of matched words weighs most, then the quality: more words first, then
   * exact before prefix before typo. 0: no word matched.
   */
  private fuzzyTextScore(
    state: EmbeddedIndexState,
    body: Record<string, unknown>,
    text: string,
    fields: readonly string[],
  ): number {
    const words = analyzeText(text);
    const tokens = new Set<string>();
    for (const field of fields) {
      if (state.fields && !(field in state.fields)) continue; // not mapped, so not searchable
      for (const value of fieldValues(body, field)) {
        if (typeof value !== 'object') for (const token of analyzeText(String(value))) tokens.add(token);
      }
    }
    let matched = 0;
    let quality = 0;
    words.forEach((word, position) => {
      const last = position === words.length - 1;
      const maxEdits = autoFuzziness(word);
      let best = 0;
      for (const token of tokens) {
        if (token === word) best = 3;
        else if (last && token.startsWith(word)) best = Math.max(best, 2);
        else if (maxEdits > 0 && best < 1 && editDistanceWithin(word, token, maxEdits)) best = 1;
        if (best === 3) break;
      }
      if (best > 0) {
        matched += 1;
        quality += best;
      }
    });
    return matched === 0 ? 0 : matched * 1000 + quality;
  }

  /**
   * A document's key for one sort: multi-valued fields sort by their smallest value ascending and
   * largest descending, as OpenSearch does; a distance is to the nearest point ascending and the
   * furthest descending (OpenSearch's default `mode`).
   */
  private sortKey(state: EmbeddedIndexState, body: Record<string, unknown>, s: SearchSort): SortKey {
    if ('geoDistance' in s) {
      const { field, lat, lon } = s.geoDistance;
      const distances = fieldValues(body, field)
        .map(parseGeoPoint)
        .filter((point): point is GeoPoint => point !== undefined)
        .map((point) => arcDistanceKm(lat, lon, point.lat, point.lon));
      if (distances.length === 0) return undefined;
      return s.order === 'asc' ? Math.min(...distances) : Math.max(...distances);
    }
    const values = this.comparableValues(state, body, s.field);
    if (values.length === 0) return undefined;
    return values.reduce((best, value) => {
      const c = compareComparables(value, best);
      return (s.order === 'asc' ? c < 0 : c > 0) ? value : best;
    });
  }
}

interface Accumulator {
  count: number;
  sum: number;
  /** By the key's comparable value (so `1` and `1.0` are one group, as in OpenSearch). */
  readonly groups: Map<Comparable, { key: string | number; count: number; sum: number }>;
}

function newAccumulator(): Accumulator {
  return { count: 0, sum: 0, groups: new Map() };
}

/** A terms bucket's key as OpenSearch answers it (key_as_string for booleans and dates). */
function termsKey(type: FieldType, value: Comparable): string | number {
  if (type === 'boolean') return value === 1 ? 'true' : 'false';
  if (type === 'date') return new Date(value as number).toISOString();
  return value;
}

function toBucket(
  request: AggregationRequest,
  plan: AggregationPlan,
  empty: AggregationBucket,
  acc: Accumulator,
): AggregationBucket {
  if (acc.count === 0) return empty;
  const bucket: { -readonly [K in keyof AggregationBucket]: AggregationBucket[K] } = { start: empty.start, count: acc.count };
  if (request.sum !== undefined) bucket.sum = acc.sum;
  if (request.groupBy) {
    // terms order: most documents first, ties by ascending key.
    const ranked = [...acc.groups].sort(
      ([leftKey, left], [rightKey, right]) => right.count - left.count || compareComparables(leftKey, rightKey),
    );
    const top = ranked.slice(0, plan.groupSize);
    bucket.groups = top.map(
      ([, group]): AggregationGroup => ({
        key: group.key,
        count: group.count,
        ...(request.sum !== undefined ? { sum: group.sum } : {}),
      }),
    );
    bucket.otherCount = ranked.slice(plan.groupSize).reduce((total, [, group]) => total + group.count, 0);
  }
  return bucket;
}

function isDynamicLeaf(state: EmbeddedIndexState, field: string): boolean {
  const type = state.dynamicFields.get(field);
  return type !== undefined && type !== 'object';
}

/**
 * What the dynamic templates do with a document's dynamic objects: collects new subfields into
 * `added` (first value decides: strings and booleans keyword, numbers double) and answers why
 * OpenSearch would reject the document (an object where a value was mapped, or the reverse).
 * A number field ignores a later non-number (ignore_malformed), so that is no rejection.
 */
function dynamicMappingRejection(
  state: EmbeddedIndexState,
  body: Record<string, unknown>,
  added: Map<string, DynamicField>,
): string | undefined {
  const typeOf = (path: string) => added.get(path) ?? state.dynamicFields.get(path);
  const walk = (path: string, value: unknown): string | undefined => {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value)) {
      for (const item of value) {
        const reason = walk(path, item);
        if (reason) return reason;
      }
      return undefined;
    }
    const current = typeOf(path);
    if (typeof value === 'object') {
      if (current !== undefined && current !== 'object') {
        return `mapper_parsing_exception: failed to parse field [${path}] of type [${current}]`;
      }
      if (current === undefined) added.set(path, 'object');
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const reason = walk(`${path}.${key}`, inner);
        if (reason) return reason;
      }
      return undefined;
    }
    if (current === 'object') {
      return `mapper_parsing_exception: object mapping for [${path}] tried to parse field as object, but found a concrete value`;
    }
    if (current === undefined) added.set(path, typeof value === 'number' ? 'double' : 'keyword');
    return undefined;
  };
  for (const root of state.dynamicObjects) {
    for (const value of fieldValues(body, root)) {
      if (typeof value !== 'object') {
        return `mapper_parsing_exception: object mapping for [${root}] tried to parse field [${root}] as object, but found a concrete value`;
      }
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const reason = walk(`${root}.${key}`, inner);
        if (reason) return reason;
      }
    }
  }
  return undefined;
}

function newState(definition: IndexDefinition): EmbeddedIndexState {
  return {
    fields: { ...definition.fields },
    dynamicObjects: [...(definition.dynamicObjects ?? [])],
    dynamicFields: new Map(),
    documents: new Map(),
  };
}

/** OpenSearch's `fuzziness: AUTO` (AUTO:3,6): edits allowed for a word of this many characters. */
export function autoFuzziness(word: string): number {
  const length = [...word].length;
  return length < 3 ? 0 : length < 6 ? 1 : 2;
}

/**
 * Whether `a` becomes `b` in at most `max` edits (insert, delete, replace, or swap two neighbours:
 * the optimal string alignment distance, Lucene's fuzzy query with transpositions).
 */
export function editDistanceWithin(a: string, b: string, max: number): boolean {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > max) return false;
  let before: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return false;
    before = previous;
    previous = current;
  }
  return previous[t.length]! <= max;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A document's value for one sort key; undefined when it has none. */
type SortKey = Comparable | undefined;

/** Missing values sort last in either order (OpenSearch's `missing: _last`). */
function compareSortKeys(a: SortKey, b: SortKey, order: 'asc' | 'desc'): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const c = compareComparables(a, b);
  return order === 'asc' ? c : -c;
}

function sortValueOf(key: SortKey): SortValue {
  return key === undefined ? null : key;
}

/** Stored and returned bodies go through JSON, as they do on the wire to OpenSearch. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The properties of `body` named in `names` (those it has), as `_source` filtering answers them. */
function pick(body: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(body, name)) picked[name] = body[name];
  return picked;
}
