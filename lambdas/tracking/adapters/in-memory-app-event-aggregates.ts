import { InMemoryOffsets } from '../../platform/sql/consumer-offsets';
import { hourOf } from '../domain/aggregates';
import {
  type AppEventAggregateStore,
  type AppEventCountResult,
  type AppEventMinuteCount,
  type CountableAppEvent,
  compareText,
  eventKey,
  minuteIncrements,
} from '../domain/app-event-aggregates';
import type { AppEventMinuteCounts } from '../domain/ingest-metrics';
import type { MinuteRollup } from '../domain/retention';

interface BucketCount {
  readonly appId: string;
  readonly type: string;
  readonly bucketMs: number;
  readonly count: number;
}

const bucketKey = (appId: string, type: string, bucketMs: number) => JSON.stringify([appId, type, bucketMs]);

/**
 * The embedded `AppEventAggregateStore`: the same offsets-and-ids contract, in memory. It is also
 * the embedded `app_event_minutes`/`app_event_hours` for the roll-up job (`MinuteRollup`) and the
 * ingest metrics (`AppEventMinuteCounts`), so those see what the consumer counted.
 */
export class InMemoryAppEventAggregates implements AppEventAggregateStore, MinuteRollup, AppEventMinuteCounts {
  private readonly offsets = new InMemoryOffsets();
  /** (app, event_id) → receive time of the first copy. */
  private readonly seen = new Map<string, number>();
  private readonly minutes = new Map<string, BucketCount>();
  private readonly hours = new Map<string, BucketCount>();

  async count(consumerGroup: string, events: readonly CountableAppEvent[]): Promise<AppEventCountResult> {
    let duplicates = 0;
    const result = this.offsets.applyOnce(consumerGroup, events, (fresh) => {
      // Everything is decided before anything changes, so nothing is half applied.
      const firstCopies = new Map<string, CountableAppEvent>();
      for (const event of fresh) {
        const key = eventKey(event);
        if (!this.seen.has(key) && !firstCopies.has(key)) firstCopies.set(key, event);
      }
      duplicates = fresh.length - firstCopies.size;
      const increments = minuteIncrements([...firstCopies.values()]);
      for (const [key, event] of firstCopies) this.seen.set(key, event.receivedAtMs);
      for (const m of increments) add(this.minutes, { appId: m.appId, type: m.type, bucketMs: m.minuteMs, count: m.count });
    });
    return { ...result, duplicates };
  }

  async minuteCounts(appId: string, fromMs: number, toMs: number): Promise<AppEventMinuteCount[]> {
    return inRange(this.minutes, appId, fromMs, toMs).map((b) => ({ appId, type: b.type, minuteMs: b.bucketMs, count: b.count }));
  }

  /** Hour roll-ups of one app with `fromMs <= hour < toMs`, by type then hour. */
  async hourCounts(appId: string, fromMs: number, toMs: number): Promise<{ type: string; hourMs: number; count: number }[]> {
    return inRange(this.hours, appId, fromMs, toMs).map((b) => ({ type: b.type, hourMs: b.bucketMs, count: b.count }));
  }

  async forgetEventIdsBefore(cutoffMs: number, limit: number): Promise<number> {
    let forgotten = 0;
    for (const [key, receivedAtMs] of this.seen) {
      if (forgotten >= limit) break;
      if (receivedAtMs < cutoffMs) {
        this.seen.delete(key);
        forgotten++;
      }
    }
    return forgotten;
  }

  async perApp(minuteMs: number): Promise<Map<string, bigint>> {
    const totals = new Map<string, bigint>();
    for (const b of this.minutes.values()) {
      if (b.bucketMs === minuteMs) totals.set(b.appId, (totals.get(b.appId) ?? 0n) + BigInt(b.count));
    }
    return totals;
  }

  async newestMinute(): Promise<number | undefined> {
    let newest: number | undefined;
    for (const b of this.minutes.values()) if (newest === undefined || b.bucketMs > newest) newest = b.bucketMs;
    return newest;
  }

  async rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }> {
    const old = new Set<number>();
    for (const b of this.minutes.values()) if (b.bucketMs < cutoffMs) old.add(b.bucketMs);
    const chosen = new Set([...old].sort((a, b) => a - b).slice(0, Math.max(0, maxMinutes)));
    let rows = 0;
    for (const [key, b] of this.minutes) {
      if (!chosen.has(b.bucketMs)) continue;
      add(this.hours, { ...b, bucketMs: hourOf(b.bucketMs) });
      this.minutes.delete(key);
      rows++;
    }
    return { minutes: chosen.size, rows };
  }

  async deleteHoursBefore(cutoffMs: number): Promise<number> {
    let deleted = 0;
    for (const [key, b] of this.hours) {
      if (b.bucketMs < cutoffMs) {
        this.hours.delete(key);
        deleted++;
      }
    }
    return deleted;
  }
}

function add(table: Map<string, BucketCount>, increment: BucketCount): void {
  const key = bucketKey(increment.appId, increment.type, increment.bucketMs);
  table.set(key, { ...increment, count: (table.get(key)?.count ?? 0) + increment.count });
}

function inRange(table: Map<string, BucketCount>, appId: string, fromMs: number, toMs: number): BucketCount[] {
  return [...table.values()]
    .filter((b) => b.appId === appId && b.bucketMs >= fromMs && b.bucketMs < toMs)
    .sort((a, b) => compareText(a.type, b.type) || a.bucketMs - b.bucketMs);
}
