import type { SearchIndex } from '../platform/search/search-index';
import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryHappeningRepository } from './adapters/in-memory-happening-repository';
import { MySqlHappeningRepository } from './adapters/mysql-happening-repository';
import { happeningsIndexDefinition } from './domain/projection';
import type { HappeningRepository } from './domain/repository';

let repository: Promise<HappeningRepository> | undefined;

/** The happenings store for this container: MySQL in AWS and with services, in memory embedded. */
export function happeningRepository(): Promise<HappeningRepository> {
  repository ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(new InMemoryHappeningRepository())
      : sqlPool().then((pool) => new MySqlHappeningRepository(pool));
  // A failed start (database down) is not remembered: the next call tries again.
  repository.catch(() => {
    repository = undefined;
  });
  return repository;
}

let ensured: Promise<SearchIndex> | undefined;

/**
 * The search index with the `happenings` index in place, for the projection (which writes it):
 * created once per container (idempotent). Deploys and `npm start` (services) create it too.
 */
export function projectionIndex(): Promise<SearchIndex> {
  ensured ??= platform.search().then(async (index) => {
    await index.ensureIndex(happeningsIndexDefinition);
    return index;
  });
  ensured.catch(() => {
    ensured = undefined;
  });
  return ensured;
}

/**
 * The search index for queries. Deploys and `npm start` (services) create `happenings`; only the
 * embedded index, which starts empty with every process, is created here (it cannot fail), so a
 * query never does index administration against a cluster that may be unavailable.
 */
export function queryIndex(): Promise<SearchIndex> {
  return platform.backend() === 'embedded' ? projectionIndex() : platform.search();
}
