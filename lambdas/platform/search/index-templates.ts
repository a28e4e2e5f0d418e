import type { IndexDefinition, SearchIndex } from './search-index';

/**
 * Creates every declared index, or adds new fields to an existing one. Run by the deploy custom
 * resource (and by the local runtime at start); idempotent, so a redeploy or restart is harmless.
 * Sequential on purpose: a handful of indices, and a failure names the index that failed.
 */
export async function ensureIndexes(index: SearchIndex, definitions: readonly IndexDefinition[]): Promise<void> {
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.name)) throw new Error(`index ${definition.name} is declared twice`);
    seen.add(definition.name);
    try {
      await index.ensureIndex(definition);
    } catch (error) {
      throw new Error(`could not create or update index ${definition.name}: ${(error as Error).message}`, { cause: error });
    }
  }
}
