/** A value with the version it was stored under (see `Cache.putIfNewer`). */
export interface VersionedValue {
  readonly version: number;
  readonly value: string;
}

/**
 * A small key/value cache with expiry: Redis/Valkey in AWS and with services, a Map embedded.
 * A key is either plain (`get`/`set`/`increment`) or versioned (`putIfNewer`/`getVersioned`);
 * using one key both ways is refused (Redis' WRONGTYPE). `delete` removes either kind.
 */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Adds one to the counter at `key` and answers the new count, atomically (concurrent callers
   * each see their own count). A new counter expires `windowSeconds` after its first increment;
   * later increments do not move that expiry (a fixed window, for rate limits).
   */
  increment(key: string, windowSeconds: number): Promise<number>;
  /**
   * Stores `value` under `version` only if the key has no entry or a lower version, atomically
   * (concurrent callers: the highest version wins, whatever the order they arrive in). Answers
   * whether it stored. A stored entry gets a fresh TTL; a refused one keeps its own. Versions are
   * non-negative integers below 2^53 (a RangeError otherwise). An expired or deleted entry
   * forgets its version, so keep deletions as entries (tombstone values) while they matter.
   */
  putIfNewer(key: string, version: number, value: string, ttlSeconds: number): Promise<boolean>;
  /** The entry `putIfNewer` stored, or undefined when there is none (or it expired). */
  getVersioned(key: string): Promise<VersionedValue | undefined>;
  close(): Promise<void>;
}
