/**
 * The outbox relay: change records travel from the outbox (written in the transaction of the
 * change) to `happenings.changes`, keyed by the happening's id so one happening's records keep
 * their order in one partition. A record is marked published only after Kafka acknowledged it
 * (acks=all), so a crash in between leaves it pending and it is published again: consumers are
 * idempotent by version, so a record published twice changes nothing.
 *
 * - `relayNow`: right after a commit, the writing handler publishes its own record (best effort:
 *   a failure leaves it pending and the request still succeeds, since the change is committed);
 * - `relayPending`: the scheduled relay publishes every pending record, oldest first, and
 *   removes records published long ago.
 */
import type { EventBus, OutgoingRecord } from '../../platform/bus/event-bus';
import type { HappeningRepository, OutboxBacklog, OutboxEntry } from './repository';

/** How long published records stay in the outbox (for inspection), before the relay removes them. */
export const PUBLISHED_RETENTION_MS = 7 * 24 * 3600 * 1000;

export function recordOf(entry: OutboxEntry): OutgoingRecord {
  return { key: entry.change.id, value: JSON.stringify(entry.change) };
}

/** Publishes these entries and marks them published; throws when Kafka did not take them. */
async function publish(
  repository: HappeningRepository,
  bus: EventBus,
  topic: string,
  entries: readonly OutboxEntry[],
  now: () => Date,
): Promise<void> {
  if (entries.length === 0) return;
  await bus.publish(topic, entries.map(recordOf));
  await repository.markPublished(
    entries.map((entry) => entry.seq),
    now(),
  );
}

export type RelayNowOutcome = { readonly relayed: true } | { readonly relayed: false; readonly error: unknown };

/**
 * Best effort, right after the commit: publish the change just written. Never throws — the
 * change is committed and the scheduled relay publishes what is left.
 */
export async function relayNow(
  repository: HappeningRepository,
  bus: () => Promise<EventBus>,
  topic: string,
  entry: OutboxEntry,
  now: () => Date,
): Promise<RelayNowOutcome> {
  try {
    await publish(repository, await bus(), topic, [entry], now);
    return { relayed: true };
  } catch (error) {
    return { relayed: false, error };
  }
}

export interface RelaySummary {
  readonly relayed: number;
  readonly purged: number;
  readonly backlog: OutboxBacklog;
}

export interface RelayOptions {
  /** Records per publish (default 200). */
  readonly batchSize?: number;
  /** Most batches per run (default 50): a huge backlog is worked off over several runs. */
  readonly maxBatches?: number;
}

/**
 * Publishes every pending change record, oldest first, in batches; a failed publish throws (the
 * run fails, the records stay pending for the next one). Then removes records published more
 * than PUBLISHED_RETENTION_MS ago and reports the backlog left.
 */
export async function relayPending(
  repository: HappeningRepository,
  bus: EventBus,
  topic: string,
  now: () => Date,
  options: RelayOptions = {},
): Promise<RelaySummary> {
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 50;
  let relayed = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const entries = await repository.pendingChanges(batchSize);
    await publish(repository, bus, topic, entries, now);
    relayed += entries.length;
    if (entries.length < batchSize) break;
  }
  const purged = await repository.purgePublished(new Date(now().getTime() - PUBLISHED_RETENTION_MS), 5_000);
  return { relayed, purged, backlog: await repository.outboxBacklog() };
}
