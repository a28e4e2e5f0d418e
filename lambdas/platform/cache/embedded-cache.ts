/** The cache port in process memory, for the embedded backend and tests. */
import { type Clock, systemClock } from '../clock/clock';
import type { Cache } from './cache';
import { assertValidTtl } from './ttl';

const sweepEveryWrites = 1000;

interface Entry {
  readonly value: string;
  readonly expiresAtMs: number;
}

export class EmbeddedCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  /** Expiry is judged by `clock`, so tests move time instead of waiting. */
  constructor(private readonly clock: Clock = systemClock) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.nowMs()) {
      // Expired entries are dropped when seen, as Redis does lazily.
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    assertValidTtl(ttlSeconds);
    this.entries.set(key, { value, expiresAtMs: this.nowMs() + Math.ceil(ttlSeconds * 1000) });
    // Keys that are written but never read again would otherwise pile up in a long `npm start`.
    this.writes += 1;
    if (this.writes % sweepEveryWrites === 0) this.dropExpired();
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    assertValidTtl(windowSeconds);
    // No await between the read and the write: concurrent callers each get their own count.
    const now = this.nowMs();
    const entry = this.entries.get(key);
    const live = entry !== undefined && entry.expiresAtMs > now;
    const count = (live ? Number(entry.value) : 0) + 1;
    const expiresAtMs = live ? entry.expiresAtMs : now + Math.ceil(windowSeconds * 1000);
    this.entries.set(key, { value: String(count), expiresAtMs });
    return count;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private dropExpired(): void {
    const now = this.nowMs();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= now) this.entries.delete(key);
    }
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}
