/** The cache port in process memory, for the embedded backend and tests. */
import { type Clock, systemClock } from '../clock/clock';
import type { Cache, VersionedValue } from './cache';
import { assertValidTtl, assertValidVersion, wrongKindMessage } from './ttl';

const sweepEveryWrites = 1000;

interface Entry {
  readonly value: string;
  readonly expiresAtMs: number;
  /** Set for entries written by putIfNewer (a versioned key). */
  readonly version?: number;
}

export class EmbeddedCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  /** Expiry is judged by `clock`, so tests move time instead of waiting. */
  constructor(private readonly clock: Clock = systemClock) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.live(key, false);
    return entry?.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    assertValidTtl(ttlSeconds);
    // Replaces an entry of either kind, as Redis' SET does.
    this.write(key, { value, expiresAtMs: this.nowMs() + Math.ceil(ttlSeconds * 1000) });
  }

  async putIfNewer(key: string, version: number, value: string, ttlSeconds: number): Promise<boolean> {
    assertValidTtl(ttlSeconds);
    assertValidVersion(version);
    // No await between the read and the write: concurrent callers are serialized, as by Redis.
    const entry = this.live(key, true);
    if (entry?.version !== undefined && entry.version >= version) return false;
    this.write(key, { value, version, expiresAtMs: this.nowMs() + Math.ceil(ttlSeconds * 1000) });
    return true;
  }

  async getVersioned(key: string): Promise<VersionedValue | undefined> {
    const entry = this.live(key, true);
    return entry?.version === undefined ? undefined : { version: entry.version, value: entry.value };
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    assertValidTtl(windowSeconds);
    // No await between the read and the write: concurrent callers each get their own count.
    const entry = this.live(key, false);
    const count = (entry ? Number(entry.value) : 0) + 1;
    const expiresAtMs = entry ? entry.expiresAtMs : this.nowMs() + Math.ceil(windowSeconds * 1000);
    this.entries.set(key, { value: String(count), expiresAtMs });
    return count;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  /**
   * The key's entry if it has not expired (expired entries are dropped when seen, as Redis does
   * lazily); refuses an entry of the other kind (plain vs versioned), as Redis' WRONGTYPE.
   */
  private live(key: string, versioned: boolean): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.nowMs()) {
      this.entries.delete(key);
      return undefined;
    }
    if ((entry.version !== undefined) !== versioned) throw new Error(wrongKindMessage);
    return entry;
  }

  private write(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    // Keys that are written but never read again would otherwise pile up in a long `npm start`.
    this.writes += 1;
    if (this.writes % sweepEveryWrites === 0) this.dropExpired();
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
