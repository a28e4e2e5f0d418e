/**
 * The happenings store: the source of truth (MySQL; in memory for the embedded backend), with
 * its transactional outbox. Every change is written together with its change record, in one
 * transaction: either both are stored or neither, so no committed change can miss the search
 * projection, whatever happens between the commit and the publish to Kafka. Held to one contract
 * suite (test/contract/happenings-repository.contract.test.ts).
 */
import type { HappeningChange } from './change';
import type { Happening } from './happening';
import type { CursorPosition, HappeningQuery } from './query';

/** A change record waiting in (or taken from) the outbox; `seq` orders the outbox. */
export interface OutboxEntry {
  readonly seq: number;
  readonly change: HappeningChange;
}

export interface FoundHappening {
  readonly happening: Happening;
  /** With `near`: great-circle kilometres from the point. */
  readonly distanceKm?: number;
}

export interface HappeningPage {
  readonly items: readonly FoundHappening[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: CursorPosition;
}

export interface OutboxBacklog {
  /** Change records not yet acknowledged by Kafka. */
  readonly pending: number;
  /** When the oldest of them was written. */
  readonly oldestPendingAt?: string;
}

export interface HappeningRepository {
  /** Stores a new happening and its change record; the id is new (a UUID). */
  create(happening: Happening, change: HappeningChange): Promise<OutboxEntry>;
  /**
   * Reads the happening with `id` under a lock, lets `change` compute the next state and its
   * record (it may throw, e.g. InvalidInput, and nothing is written), and stores both. May call
   * `change` more than once (a deadlock retry), so it must be pure. Undefined when there is no
   * such happening.
   */
  update(
    id: string,
    change: (current: Happening) => { readonly happening: Happening; readonly change: HappeningChange },
  ): Promise<{ readonly happening: Happening; readonly entry: OutboxEntry } | undefined>;
  /** Deletes the happening with `id` and stores `deletion(last)`; undefined when there is none. */
  delete(id: string, deletion: (last: Happening) => HappeningChange): Promise<OutboxEntry | undefined>;
  get(id: string): Promise<Happening | undefined>;
  /** The search, answered from the store itself (the fallback when the search index is unavailable). */
  find(query: HappeningQuery): Promise<HappeningPage>;
  /** The oldest change records not yet published, in outbox order. */
  pendingChanges(limit: number): Promise<OutboxEntry[]>;
  /** Marks records published (Kafka acknowledged them); marking one twice is harmless. */
  markPublished(seqs: readonly number[], at: Date): Promise<void>;
  outboxBacklog(): Promise<OutboxBacklog>;
  /** Removes up to `limit` records published before `before`; answers how many. */
  purgePublished(before: Date, limit: number): Promise<number>;
}
