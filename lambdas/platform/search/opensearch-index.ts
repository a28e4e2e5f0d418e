import { setTimeout as sleep } from 'node:timers/promises';
import { type API, type Client, errors } from '@opensearch-project/opensearch';
import { Unavailable } from '../errors';
import { type AggregationPlan, emptyBuckets, fixedInterval, planAggregation } from './aggregation-plan';
import { defaultPageSize, invalidDocumentReason, keywordIgnoreAbove } from './document-rules';
import {
  type AggregationBucket,
  type AggregationGroup,
  type AggregationRequest,
  AggregationRequestError,
  type AggregationResult,
  type AliasSwap,
  type BulkOutcome,
  type FieldType,
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
import { valueRejection } from './value-rules';

export interface OpenSearchIndexOptions {
  /** How many times items answered 429 are resent after the first attempt (default 5). */
  readonly maxThrottleRetries?: number;
  /** First backoff before resending throttled items; doubles per retry (default 100 ms). */
  readonly initialBackoffMs?: number;
  /** Upper bound of one backoff (default 5 s). */
  readonly maxBackoffMs?: number;
  /** A `_bulk` request is cut at this many bytes of NDJSON (default 5 MiB; AWS caps payloads at 10 MiB on small instances). */
  readonly maxBulkBytes?: number;
  /** …or at this many documents (default 1000). */
  readonly maxBulkDocuments?: number;
  /** Settings for indices that ensureIndex creates; unset means the cluster's defaults. */
  readonly numberOfShards?: number;
  readonly numberOfReplicas?: number;
  /** How long a fetched index mapping is trusted when rewriting exact-match fields (default 60 s). */
  readonly mappingCacheTtlMs?: number;
  /** Close the client in close() (default false: the client is usually the shared per-container one). */
  readonly closeClient?: boolean;
}

type Failure = { id: string; reason: string; retryable?: boolean };
type Mapping = Record<string, unknown>;

/**
 * The search port on OpenSearch (the local node, or the AWS domain with SigV4).
 *
 * - Mappings are `dynamic: false`: declared fields are indexed, everything else is only kept in
 *   `_source`, so a stray value in an undeclared field can never make a document unindexable.
 *   Text fields get `index_prefixes` (prefix queries become term lookups, with no expansion limit)
 *   and a `.keyword` subfield that term filters, ranges and sorting use instead of the words.
 * - Bulk writes use external versions when given (an older or equal version is a 409, which
 *   means "already have something newer": counted as written). Items answered 429 — and a whole
 *   request answered 429 — are resent alone with bounded exponential backoff. Any other item
 *   error is reported per item; errors of the whole request (connection refused, 5xx) throw, so
 *   a consumer's batch is retried instead of documents being dead-lettered while the cluster is down.
 */
export class OpenSearchIndex implements SearchIndex {
  private readonly mappingCache = new Map<string, { expiresAt: number; properties: Promise<Mapping> }>();

  constructor(
    private readonly client: Client,
    private readonly options: OpenSearchIndexOptions = {},
  ) {}

  async ensureIndex(definition: IndexDefinition): Promise<void> {
    const index = definition.name;
    const mappings = mappingsFor(definition);
    this.mappingCache.clear();
    if (definition.alias) {
      await this.ensureAliasedIndex(definition, mappings);
      return;
    }
    const exists = await this.client.indices.exists({ index });
    if (exists.body !== true) {
      try {
        await this.client.indices.create({ index, body: { settings: this.indexSettings(), mappings } });
        return;
      } catch (error) {
        // Another instance created it meanwhile: fall through to the mapping update.
        if (errorType(error) !== 'resource_already_exists_exception') throw error;
      }
    }
    // Adds new fields; changing a declared field's type is refused by OpenSearch and throws.
    await this.client.indices.putMapping({ index, body: mappings });
  }

  /**
   * The alias and `<name>-initial` behind it, created in one request when the alias is missing;
   * otherwise (an alias, or a plain index from an older deploy) the mapping of what is behind the
   * name is updated. Two instances racing both aim at `<name>-initial`: one creates it, the other
   * is told it exists and updates its mapping.
   */
  private async ensureAliasedIndex(definition: IndexDefinition, mappings: Mapping): Promise<void> {
    const alias = definition.name;
    if ((await this.aliasTargets(alias)).length === 0) {
      try {
        await this.createIndex(initialIndexName(alias), definition, [alias]);
        return;
      } catch (error) {
        if (errorType(error) !== 'resource_already_exists_exception') throw error;
      }
      // `<name>-initial` exists but nothing answers to the alias (it was removed by hand): point it back.
      if ((await this.aliasTargets(alias)).length === 0) await this.swapAlias(alias, { add: [initialIndexName(alias)] });
    }
    // Put mapping on an alias updates every index behind it.
    await this.client.indices.putMapping({ index: alias, body: mappings });
  }

  async createIndex(name: string, definition: IndexDefinition, aliases: readonly string[] = []): Promise<void> {
    this.mappingCache.clear();
    await orUnavailable(
      this.client.indices.create({
        index: name,
        body: {
          settings: this.indexSettings(),
          mappings: mappingsFor(definition),
          ...(aliases.length > 0 ? { aliases: Object.fromEntries(aliases.map((alias) => [alias, {}])) } : {}),
        },
      }),
    );
  }

  async aliasTargets(name: string): Promise<string[]> {
    // `GET /<name>/_alias` resolves an alias to its indices (and a concrete index to itself), keyed by index.
    const response = await orUnavailable(this.client.indices.getAlias({ index: name }, { ignore: [404] }));
    if (response.statusCode === 404) return [];
    return Object.keys(response.body as Record<string, unknown>).sort();
  }

  async swapAlias(alias: string, swap: AliasSwap): Promise<void> {
    // Applied in order, in one cluster-state update: a plain index of the alias' name goes first.
    const actions = [
      ...(swap.remove ?? []).map((index) => (index === alias ? { remove_index: { index } } : { remove: { index, alias } })),
      ...(swap.add ?? []).map((index) => ({ add: { index, alias } })),
    ];
    if (actions.length === 0) return;
    this.mappingCache.clear();
    await orUnavailable(this.client.indices.updateAliases({ body: { actions } }));
  }

  async deleteIndex(name: string): Promise<void> {
    const targets = await this.aliasTargets(name);
    if (targets.length === 0) return;
    if (targets.length !== 1 || targets[0] !== name) throw new Error(`${name} is an alias: delete the indices behind it by name`);
    this.mappingCache.clear();
    await orUnavailable(this.client.indices.delete({ index: name }, { ignore: [404] }));
  }

  async bulkUpsert<T extends Record<string, unknown>>(
    index: string,
    documents: readonly IndexedDocument<T>[],
  ): Promise<BulkOutcome> {
    const written: string[] = [];
    const failed: Failure[] = [];
    let pending: IndexedDocument<T>[] = [];
    for (const document of documents) {
      const invalid = invalidDocumentReason(document);
      if (invalid) failed.push({ id: String(document.id), reason: invalid, retryable: false });
      else pending.push(document);
    }

    const maxRetries = this.options.maxThrottleRetries ?? 5;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const throttled: { document: IndexedDocument<T>; reason: string }[] = [];
      for (const chunk of this.chunks(pending)) {
        const results = await this.sendBulk(index, chunk);
        chunk.forEach((document, position) => {
          const result = results[position];
          if (result.kind === 'written') written.push(document.id);
          else if (result.kind === 'throttled') throttled.push({ document, reason: result.reason });
          else failed.push({ id: document.id, reason: result.reason, retryable: result.retryable });
        });
      }
      if (throttled.length === 0) break;
      if (attempt >= maxRetries) {
        for (const { document, reason } of throttled) {
          failed.push({ id: document.id, reason: `still throttled after ${attempt + 1} attempts: ${reason}`, retryable: true });
        }
        break;
      }
      await sleep(this.backoffMs(attempt));
      pending = throttled.map(({ document }) => document);
    }
    return { written, failed };
  }

  async get<T>(index: string, id: string): Promise<T | undefined> {
    // 404 is a missing document or a missing index: both mean "no such document".
    const response = await orUnavailable(this.client.get({ index, id }, { ignore: [404] }));
    const body = response.body as { found?: boolean; _source?: T };
    return body.found === true ? body._source : undefined;
  }

  async delete(index: string, id: string): Promise<void> {
    await this.client.delete({ index, id }, { ignore: [404] });
  }

  async search<T>(index: string, query: SearchQuery): Promise<SearchHits<T>> {
    const sort = query.sort ?? [];
    const fields = [...(query.filters ?? []).map(filterField), ...sort.map(sortField)];
    const mapping = fields.length > 0 ? await this.fieldMappings(index, fields) : () => undefined;
    const exact = (field: string) => exactField(mapping(field), field);

    const must = query.text ? [textClause(query.text)] : [];
    const filter = (query.filters ?? []).map((f) => filterClause(f, exact, (field) => fieldTypeOf(mapping(field))));
    const response = await orUnavailable(
      this.client.search({
        index,
        body: {
          query: { bool: { must, filter } },
          sort: sort.map((s) => sortClause(s, exact)),
          size: query.size ?? defaultPageSize,
          from: query.from ?? 0,
          ...(query.searchAfter ? { search_after: [...query.searchAfter] } : {}),
          ...(query.source ? { _source: [...query.source] } : {}),
          track_total_hits: true,
        } as API.Search_Request['body'],
      }),
    );
    const hits = response.body.hits;
    const total = typeof hits.total === 'number' ? hits.total : (hits.total?.value ?? 0);
    return {
      total,
      hits: hits.hits.map((hit) => ({
        id: String(hit._id),
        body: hit._source as T,
        ...(sort.length > 0 ? { sort: (hit.sort ?? []) as SortValue[] } : {}),
      })),
    };
  }

  async aggregate(index: string, request: AggregationRequest): Promise<AggregationResult> {
    const plan = planAggregation(request);
    const fields = [
      request.timeField,
      ...(request.filters ?? []).map(filterField),
      ...(request.groupBy ? [request.groupBy.field] : []),
      ...(request.sum !== undefined ? [request.sum] : []),
    ];
    const mapping = await this.fieldMappings(index, fields);
    const exact = (field: string) => exactField(mapping(field), field);

    if (request.sum !== undefined) {
      const type = mapping(request.sum)?.type;
      // An unmapped field sums to 0 (as OpenSearch answers); anything else must be a number.
      if (type !== undefined && !numericTypes.has(String(type))) {
        throw new AggregationRequestError('sum', `field ${request.sum} is not numeric (it is ${String(type)})`);
      }
    }

    const sum: Mapping = request.sum !== undefined ? { sum: { sum: { field: request.sum } } } : {};
    const groups: Mapping = request.groupBy
      ? {
          groups: {
            terms: {
              field: exact(request.groupBy.field),
              size: plan.groupSize,
              order: [{ _count: 'desc' }, { _key: 'asc' }],
            },
            aggs: sum,
          },
        }
      : {};
    const filter = [
      ...(request.filters ?? []).map((f) => filterClause(f, exact, (field) => fieldTypeOf(mapping(field)))),
      { range: { [request.timeField]: { gte: plan.fromMs, lt: plan.toMs, format: 'epoch_millis' } } },
    ];
    const response = await orUnavailable(
      this.client.search(
        {
          index,
          body: {
            size: 0,
            track_total_hits: false,
            query: { bool: { filter } },
            aggs: {
              time: {
                date_histogram: {
                  field: request.timeField,
                  fixed_interval: fixedInterval[request.interval],
                  time_zone: 'UTC',
                  min_doc_count: 0,
                  extended_bounds: { min: plan.fromMs, max: plan.toMs - 1 },
                },
                aggs: { ...sum, ...groups },
              },
            },
          } as API.Search_Request['body'],
        },
        { ignore: [404] },
      ),
    );
    // No index yet (an app that has sent nothing): every bucket is empty.
    if (response.statusCode === 404) return { buckets: emptyBuckets(request, plan) };
    const aggregations = (response.body as { aggregations?: { time?: { buckets?: HistogramBucket[] } } }).aggregations;
    return { buckets: fillBuckets(request, plan, aggregations?.time?.buckets ?? []) };
  }

  /**
   * Finds matching documents a page at a time and deletes them with `_bulk`, until none is left.
   * Not `_delete_by_query`: that lives in the reindex module, which the local OpenSearch
   * distribution (integ-test zip) lacks; this works on every distribution and does the same work.
   */
  async deleteWhere(indexPattern: string, filters: readonly SearchFilter[]): Promise<number> {
    const mapping = await this.fieldMappings(indexPattern, filters.map(filterField));
    const exact = (field: string) => exactField(mapping(field), field);
    const query = { bool: { filter: filters.map((f) => filterClause(f, exact, (field) => fieldTypeOf(mapping(field)))) } };
    const pageSize = this.options.maxBulkDocuments ?? 1000;
    let deleted = 0;
    for (;;) {
      const found = await orUnavailable(
        this.client.search(
          {
            index: indexPattern,
            body: { query, size: pageSize, _source: false, sort: ['_doc'] } as API.Search_Request['body'],
            ignore_unavailable: true,
            allow_no_indices: true,
          },
          { ignore: [404] },
        ),
      );
      if (found.statusCode === 404) return deleted;
      const hits = found.body.hits.hits;
      if (hits.length === 0) return deleted;
      const response = await this.client.bulk({
        body: hits.map((hit) => ({ delete: { _index: hit._index, _id: hit._id } })),
        refresh: 'true', // the next page must not see them again
      });
      let progress = 0;
      for (const item of response.body.items) {
        const result = item.delete;
        if (result && result.status >= 200 && result.status < 300) progress += 1;
        else if (result?.status !== 404) {
          throw new Error(`deleting from ${indexPattern} failed: ${JSON.stringify(result?.error ?? result)}`);
        }
      }
      deleted += progress;
      if (progress === 0) return deleted; // only already-deleted documents were found
    }
  }

  async refresh(index: string): Promise<void> {
    await this.client.indices.refresh({ index });
  }

  async close(): Promise<void> {
    if (this.options.closeClient) await this.client.close();
  }

  private indexSettings(): Record<string, number> {
    const settings: Record<string, number> = {};
    if (this.options.numberOfShards !== undefined) settings.number_of_shards = this.options.numberOfShards;
    if (this.options.numberOfReplicas !== undefined) settings.number_of_replicas = this.options.numberOfReplicas;
    return settings;
  }

  private backoffMs(attempt: number): number {
    const initial = this.options.initialBackoffMs ?? 100;
    const ceiling = Math.min(this.options.maxBackoffMs ?? 5_000, initial * 2 ** attempt);
    // Equal jitter: clients throttled together do not all come back at the same instant.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private *chunks<T extends Record<string, unknown>>(documents: readonly IndexedDocument<T>[]): Generator<IndexedDocument<T>[]> {
    const maxBytes = this.options.maxBulkBytes ?? 5 * 1024 * 1024;
    const maxDocuments = this.options.maxBulkDocuments ?? 1000;
    let chunk: IndexedDocument<T>[] = [];
    let bytes = 0;
    for (const document of documents) {
      const size = Buffer.byteLength(JSON.stringify(document.body)) + document.id.length + 64;
      if (chunk.length > 0 && (chunk.length >= maxDocuments || bytes + size > maxBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(document);
      bytes += size;
    }
    if (chunk.length > 0) yield chunk;
  }

  private async sendBulk(index: string, chunk: readonly IndexedDocument[]): Promise<ItemResult[]> {
    const body = chunk.flatMap((document) => [
      {
        index:
          document.version === undefined
            ? { _id: document.id }
            : { _id: document.id, version: document.version, version_type: 'external' as const },
      },
      document.body,
    ]);
    let response: API.Bulk_Response;
    try {
      response = await this.client.bulk({ index, body });
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 429) {
        return chunk.map(() => ({ kind: 'throttled', reason: `429 for the whole request: ${describeError(error)}` }));
      }
      throw error;
    }
    const items = response.body.items;
    if (items.length !== chunk.length) {
      throw new Error(`_bulk answered ${items.length} items for ${chunk.length} documents`);
    }
    return items.map((item) => itemResult(item.index ?? item.create ?? item.update ?? item.delete));
  }

  /**
   * Term, range and sort need a field's exact value (for a text field, its `.keyword` subfield)
   * and its type. Both are read from the live mapping (cached briefly), so this also works in a
   * function that never called ensureIndex. Fields created by dynamic templates appear whenever
   * an app sends a new property, so a field missing from the cached mapping makes it be read again.
   */
  private async fieldMappings(index: string, fields: readonly string[]): Promise<(field: string) => Mapping | undefined> {
    let properties = await this.cachedProperties(index);
    if (fields.some((field) => findFieldMapping(properties, field) === undefined)) {
      this.mappingCache.delete(index);
      properties = await this.cachedProperties(index);
    }
    return (field) => findFieldMapping(properties, field);
  }

  private cachedProperties(index: string): Promise<Mapping> {
    const now = Date.now();
    let cached = this.mappingCache.get(index);
    if (!cached || cached.expiresAt <= now) {
      const properties = this.fetchProperties(index);
      cached = { expiresAt: now + (this.options.mappingCacheTtlMs ?? 60_000), properties };
      this.mappingCache.set(index, cached);
      properties.catch(() => this.mappingCache.delete(index));
    }
    return cached.properties;
  }

  private async fetchProperties(index: string): Promise<Mapping> {
    // A search that filters or sorts reads the mapping first: an unreachable cluster is unavailable here too.
    const response = await orUnavailable(this.client.indices.getMapping({ index }, { ignore: [404] }));
    if (response.statusCode === 404) return {}; // the search itself will report the missing index
    // Keyed by concrete index name (the request may name an alias): take the first.
    const [first] = Object.values(response.body as Record<string, { mappings?: { properties?: Mapping } }>);
    return first?.mappings?.properties ?? {};
  }
}

type ItemResult =
  | { kind: 'written' }
  | { kind: 'throttled'; reason: string }
  | { kind: 'failed'; reason: string; retryable: boolean };

function itemResult(item: { status: number; error?: { type: string; reason?: string } } | undefined): ItemResult {
  if (!item) return { kind: 'failed', reason: 'no result for this item in the _bulk response', retryable: true };
  if (item.status >= 200 && item.status < 300) return { kind: 'written' };
  const reason = item.error ? `${item.error.type}: ${item.error.reason ?? ''}`.trim() : `status ${item.status}`;
  // An older or equal external version: the index already holds something at least as new.
  if (item.status === 409 && item.error?.type === 'version_conflict_engine_exception') return { kind: 'written' };
  if (item.status === 429) return { kind: 'throttled', reason };
  return { kind: 'failed', reason, retryable: item.status >= 500 };
}

/**
 * `dynamic: false` at the top; each dynamic object gets `dynamic: true` and templates that map its
 * subfields by their first JSON value (date detection off, so a date-like string stays a keyword
 * and a later free-text value in the same property still fits).
 */
function mappingsFor(definition: IndexDefinition): Mapping {
  const properties = propertiesFor(definition.fields);
  const objects = definition.dynamicObjects ?? [];
  if (objects.length === 0) return { dynamic: false, properties };
  const templates: Mapping[] = [];
  for (const path of objects) {
    let parent = properties;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      const existing = (parent[part] ?? { type: 'object' }) as Mapping;
      if (i === parts.length - 1) {
        parent[part] = { ...existing, type: 'object', dynamic: true };
      } else {
        const nested = { ...((existing.properties as Record<string, Mapping> | undefined) ?? {}) };
        parent[part] = { ...existing, type: 'object', properties: nested };
        parent = nested;
      }
    });
    const name = path.replace(/\./g, '_');
    const match = `${path}.*`;
    templates.push(
      {
        [`${name}_strings`]: {
          path_match: match,
          match_mapping_type: 'string',
          mapping: { type: 'keyword', ignore_above: keywordIgnoreAbove },
        },
      },
      // Booleans as keyword: a boolean field cannot ignore a later non-boolean value (it would reject the whole event).
      { [`${name}_booleans`]: { path_match: match, match_mapping_type: 'boolean', mapping: { type: 'keyword' } } },
      {
        [`${name}_longs`]: { path_match: match, match_mapping_type: 'long', mapping: { type: 'double', ignore_malformed: true } },
      },
      {
        [`${name}_doubles`]: {
          path_match: match,
          match_mapping_type: 'double',
          mapping: { type: 'double', ignore_malformed: true },
        },
      },
    );
  }
  return { dynamic: false, date_detection: false, dynamic_templates: templates, properties };
}

function propertiesFor(fields: Readonly<Record<string, FieldType>>): Record<string, Mapping> {
  const properties: Record<string, Mapping> = {};
  for (const [field, type] of Object.entries(fields)) {
    properties[field] =
      type === 'text'
        ? {
            type: 'text',
            index_prefixes: { min_chars: 1, max_chars: 10 },
            fields: { keyword: { type: 'keyword', ignore_above: keywordIgnoreAbove } },
          }
        : { type };
  }
  return properties;
}

/**
 * The words of a text query as a clause. Plain: `bool_prefix` (any word, the last also as a
 * prefix). Fuzzy: the same plus typo-tolerant whole words (`fuzziness: AUTO`, the last word too,
 * so a finished but misspelt word still matches), each kind boosted so exact words rank above
 * prefixes and prefixes above typos; `most_fields` sums over fields, so more matched words rank
 * higher.
 */
function textClause(text: NonNullable<SearchQuery['text']>): Record<string, unknown> {
  const fields = [...text.fields];
  const prefixed = { multi_match: { query: text.query, fields, type: 'bool_prefix' } };
  if (!text.fuzzy) return prefixed;
  return {
    bool: {
      should: [
        { multi_match: { query: text.query, fields, type: 'most_fields', boost: 3 } },
        { multi_match: { ...prefixed.multi_match, boost: 2 } },
        { multi_match: { query: text.query, fields, type: 'most_fields', fuzziness: 'AUTO', boost: 1 } },
      ],
      minimum_should_match: 1,
    },
  };
}

/** `a.b` is either a dotted property name or `b` inside object `a`. */
function findFieldMapping(properties: Mapping, path: string): Mapping | undefined {
  const direct = properties[path];
  if (direct && typeof direct === 'object') return direct as Mapping;
  for (let at = path.indexOf('.'); at >= 0; at = path.indexOf('.', at + 1)) {
    const head = properties[path.slice(0, at)] as Mapping | undefined;
    const nested = head?.properties as Mapping | undefined;
    if (nested) {
      const found = findFieldMapping(nested, path.slice(at + 1));
      if (found) return found;
    }
  }
  return undefined;
}

function filterField(filter: SearchFilter): string {
  if ('term' in filter) return filter.term.field;
  if ('terms' in filter) return filter.terms.field;
  if ('geoDistance' in filter) return filter.geoDistance.field;
  return filter.range.field;
}

function sortField(sort: SearchSort): string {
  return 'geoDistance' in sort ? sort.geoDistance.field : sort.field;
}

/**
 * A sort key as OpenSearch takes it: a field's exact value, or `_geo_distance` in kilometres
 * (`arc`, nearest point ascending and furthest descending) so sort values are distances in km.
 */
function sortClause(sort: SearchSort, exact: (field: string) => string): Record<string, unknown> {
  if ('geoDistance' in sort) {
    const { field, lat, lon } = sort.geoDistance;
    return { _geo_distance: { [field]: { lat, lon }, order: sort.order, unit: 'km', distance_type: 'arc' } };
  }
  return { [exact(sort.field)]: { order: sort.order } };
}

/** For term and sort: a text field's exact value is its `.keyword` subfield. */
function exactField(mapping: Mapping | undefined, field: string): string {
  const keyword = (mapping?.fields as Record<string, Mapping> | undefined)?.keyword;
  return mapping?.type === 'text' && keyword?.type === 'keyword' ? `${field}.keyword` : field;
}

const numericTypes = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
  'unsigned_long',
]);

/** The port's name for a mapped type, when it is one the port knows. */
function fieldTypeOf(mapping: Mapping | undefined): FieldType | undefined {
  const type = mapping?.type;
  if (
    type === 'long' ||
    type === 'double' ||
    type === 'date' ||
    type === 'boolean' ||
    type === 'keyword' ||
    type === 'text' ||
    type === 'geo_point'
  )
    return type;
  return undefined;
}

const matchNone = { match_none: {} };

/**
 * A filter as an OpenSearch clause. With `typeOf`, a value that cannot be compared with the
 * field's type (a word against a number field) matches nothing, as in the embedded index,
 * instead of failing the whole request: property types are chosen by the first value an app sent.
 */
function filterClause(
  filter: SearchFilter,
  exact: (field: string) => string,
  typeOf: (field: string) => FieldType | undefined = () => undefined,
): Record<string, unknown> {
  const fits = (field: string, value: unknown) => {
    const type = typeOf(field);
    return type === undefined || type === 'keyword' || type === 'text' || valueRejection(field, type, value) === undefined;
  };
  if ('term' in filter) {
    const { field, value } = filter.term;
    return fits(field, value) ? { term: { [exact(field)]: value } } : matchNone;
  }
  if ('terms' in filter) {
    const { field } = filter.terms;
    const values = filter.terms.values.filter((value) => fits(field, value));
    return values.length > 0 ? { terms: { [exact(field)]: values } } : matchNone;
  }
  if ('geoDistance' in filter) {
    const { field, lat, lon, km } = filter.geoDistance;
    return { geo_distance: { distance: `${km}km`, distance_type: 'arc', [field]: { lat, lon } } };
  }
  const { field, gte, lt } = filter.range;
  const bounds: Record<string, number | string> = {};
  if (gte !== undefined) bounds.gte = gte;
  if (lt !== undefined) bounds.lt = lt;
  if (Object.values(bounds).some((bound) => !fits(field, bound))) return matchNone;
  return { range: { [exact(field)]: bounds } };
}

interface HistogramBucket {
  key: number;
  doc_count: number;
  sum?: { value: number | null };
  groups?: {
    sum_other_doc_count?: number;
    buckets: { key: string | number; key_as_string?: string; doc_count: number; sum?: { value: number | null } }[];
  };
}

/** The plan's buckets, with counts where OpenSearch answered them (it may omit none, but a missing one is an empty one). */
function fillBuckets(
  request: AggregationRequest,
  plan: AggregationPlan,
  answered: readonly HistogramBucket[],
): AggregationBucket[] {
  const byStart = new Map(answered.map((bucket) => [Number(bucket.key), bucket]));
  return emptyBuckets(request, plan).map((empty, i) => {
    const bucket = byStart.get(plan.starts[i]);
    if (!bucket) return empty;
    const result: { -readonly [K in keyof AggregationBucket]: AggregationBucket[K] } = {
      start: empty.start,
      count: bucket.doc_count,
    };
    if (request.sum !== undefined) result.sum = bucket.sum?.value ?? 0;
    if (request.groupBy) {
      result.groups = (bucket.groups?.buckets ?? []).map(
        (group): AggregationGroup => ({
          // Booleans and dates answer 1/0 and epoch millis as `key`; their readable value is `key_as_string`.
          key: group.key_as_string ?? group.key,
          count: group.doc_count,
          ...(request.sum !== undefined ? { sum: group.sum?.value ?? 0 } : {}),
        }),
      );
      result.otherCount = bucket.groups?.sum_other_doc_count ?? 0;
    }
    return result;
  });
}

function errorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  return (error.body as { error?: { type?: string } } | undefined)?.error?.type;
}

function describeError(error: InstanceType<typeof errors.ResponseError>): string {
  const cause = (error.body as { error?: { type?: string; reason?: string } } | undefined)?.error;
  return cause?.type ? `${cause.type}: ${cause.reason ?? ''}`.trim() : error.message;
}

/**
 * The cluster busy (429), unavailable or starting (502-504, e.g. a new index's shards not yet
 * allocated) or unreachable: the domain's `Unavailable`, so callers retry (a 503 for HTTP
 * clients, a batch retry for consumers) without knowing this client's error classes.
 */
async function orUnavailable<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (isUnavailability(error)) {
      throw new Unavailable('the search cluster is busy or starting, retry shortly', { cause: error, retryAfterSeconds: 2 });
    }
    throw error;
  }
}

function isUnavailability(error: unknown): boolean {
  if (error instanceof errors.ResponseError) return [429, 502, 503, 504].includes(error.statusCode ?? 0);
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError
  );
}
