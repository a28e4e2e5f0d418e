/** Both cache adapters refuse the same TTLs, so callers see one behaviour. */
export function assertValidTtl(ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`cache TTL must be a positive number of seconds (got ${ttlSeconds})`);
  }
}

/** Versions both adapters accept: integers a double holds exactly (Redis' Lua compares doubles). */
export function assertValidVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new RangeError(`cache version must be a non-negative integer below 2^53 (got ${version})`);
  }
}

/** What both adapters say when a key is used both plain and versioned. */
export const wrongKindMessage = 'WRONGTYPE Operation against a key holding the wrong kind of value';
