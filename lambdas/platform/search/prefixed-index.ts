import type {
  AggregationRequest,
  AggregationResult,
  AliasSwap,
  BulkOutcome,
  IndexDefinition,
  IndexedDocument,
  SearchFilter,
  SearchHits,
  SearchIndex,
  SearchQuery,
} from './search-index';

/**
 * Puts every index and alias name under a prefix, as PrefixedBus does for topics, so runs that
 * share one OpenSearch node (end-to-end and contract tests, several local runtimes) never touch
 * each other's indices, even through code that administers them (a rebuild swapping aliases).
 * Callers keep using the unprefixed names; names handed back (`aliasTargets`) are unprefixed too.
 */
export class PrefixedSearchIndex implements SearchIndex {
  constructor(
    private readonly prefix: string,
    private readonly index: SearchIndex,
  ) {}

  private name(name: string): string {
    return this.prefix + name;
  }

  ensureIndex(definition: IndexDefinition): Promise<void> {
    return this.index.ensureIndex({ ...definition, name: this.name(definition.name) });
  }

  createIndex(name: string, definition: IndexDefinition, aliases: readonly string[] = []): Promise<void> {
    return this.index.createIndex(
      this.name(name),
      definition,
      aliases.map((alias) => this.name(alias)),
    );
  }

  async aliasTargets(name: string): Promise<string[]> {
    const targets = await this.index.aliasTargets(this.name(name));
    return targets.filter((target) => target.startsWith(this.prefix)).map((target) => target.slice(this.prefix.length));
  }

  swapAlias(alias: string, swap: AliasSwap): Promise<void> {
    return this.index.swapAlias(this.name(alias), {
      add: swap.add?.map((name) => this.name(name)),
      remove: swap.remove?.map((name) => this.name(name)),
    });
  }

  deleteIndex(name: string): Promise<void> {
    return this.index.deleteIndex(this.name(name));
  }

  bulkUpsert<T extends Record<string, unknown>>(index: string, documents: readonly IndexedDocument<T>[]): Promise<BulkOutcome> {
    return this.index.bulkUpsert(this.name(index), documents);
  }

  get<T>(index: string, id: string): Promise<T | undefined> {
    return this.index.get<T>(this.name(index), id);
  }

  delete(index: string, id: string): Promise<void> {
    return this.index.delete(this.name(index), id);
  }

  search<T>(index: string, query: SearchQuery): Promise<SearchHits<T>> {
    return this.index.search<T>(this.name(index), query);
  }

  aggregate(index: string, request: AggregationRequest): Promise<AggregationResult> {
    return this.index.aggregate(this.name(index), request);
  }

  deleteWhere(indexPattern: string, filters: readonly SearchFilter[]): Promise<number> {
    return this.index.deleteWhere(this.name(indexPattern), filters);
  }

  refresh(index: string): Promise<void> {
    return this.index.refresh(this.name(index));
  }

  close(): Promise<void> {
    return this.index.close();
  }
}
