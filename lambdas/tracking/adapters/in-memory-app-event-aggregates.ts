import { InMemoryOffsets } from '../../platform/sql/consumer-offsets';
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
import { type InMemoryBuckets, InMemoryMinuteTable } from './in-memory-minute-table';

/** The (app, type) a count is kept under. */
interface AppEventType {
  readonly appId: string;
  readonly type: string;
}

const typeId = (key: AppEventType) => JSON.stringify([key.appId, key.type]);

/**
 * The embedded `AppEventAggregateStore`: the same offsets-and-ids contract, in memory. It is also
 * the embedded `app_event_minutes`/`app_event_hours` for the roll-up job (`MinuteRollup`) and the
 * ingest metrics (`AppEventMinuteCounts`), so those see what the consumer counted.
 */
export class InMemoryAppEventAggregates
  extends InMemoryMinuteTable<AppEventType, number>
  implements AppEventAggregateStore, MinuteRollup, AppEventMinuteCounts
{
  private readonly offsets = new InMemoryOffsets();
  /** (app, event_id) → receive time of the first copy. */
  private readonly seen = new Map<string, number>();

  constructor() {
    super(typeId, (a, b) => a + b);
  }

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
      for (const m of increments) this.minutes.add({ appId: m.appId, type: m.type }, m.minuteMs, m.count);
    });
    return { ...result, duplicates };
  }

  async minuteCounts(appId: string, fromMs: number, toMs: number): Promise<AppEventMinuteCount[]> {
    return inRange(this.minutes, appId, fromMs, toMs).map((b) => ({
      appId,
      type: b.key.type,
      minuteMs: b.bucketMs,
      count: b.value,
    }));
  }

  /** Hour roll-ups of one app with `fromMs <= hour < toMs`, by type then hour. */
  async hourCounts(appId: string, fromMs: number, toMs: number): Promise<{ type: string; hourMs: number; count: number }[]> {
    return inRange(this.hours, appId, fromMs, toMs).map((b) => ({ type: b.key.type, hourMs: b.bucketMs, count: b.value }));
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
    for (const { key, bucketMs, value } of this.minutes.rows()) {
      if (bucketMs === minuteMs) totals.set(key.appId, (totals.get(key.appId) ?? 0n) + BigInt(value));
    }
    return totals;
  }
}

/** The rows of one app with `fromMs <= bucket < toMs`, by type then time. */
function inRange(level: InMemoryBuckets<AppEventType, number>, appId: string, fromMs: number, toMs: number) {
  return level
    .where((key) => key.appId === appId, fromMs, toMs)
    .sort((a, b) => compareText(a.key.type, b.key.type) || a.bucketMs - b.bucketMs);
}
