import type { IndexDefinition } from './search-index';

/**
 * Every search index Eventline uses, created by ensureIndexes() on deploy and at local start.
 * Empty for now: each capability adds its own definitions here as it arrives (e.g. People adds
 * the profiles index, Happenings the events index).
 */
export const indexDefinitions: readonly IndexDefinition[] = [];
