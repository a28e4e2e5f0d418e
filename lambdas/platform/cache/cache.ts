/** A small key/value cache with expiry: Redis/Valkey in AWS and with services, a Map embedded. */
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
  close(): Promise<void>;
}
