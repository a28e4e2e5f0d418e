/** Both cache adapters refuse the same TTLs, so callers see one behaviour. */
export function assertValidTtl(ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`cache TTL must be a positive number of seconds (got ${ttlSeconds})`);
  }
}
