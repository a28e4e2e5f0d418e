import type { HappeningChange } from '../domain/change';
import type { Happening } from '../domain/happening';
import { pageOf } from '../domain/matching';
import type { HappeningQuery } from '../domain/query';
import type { HappeningPage, HappeningRepository, OutboxBacklog, OutboxEntry } from '../domain/repository';

interface OutboxRow {
  readonly seq: number;
  readonly change: HappeningChange;
  readonly createdAt: string;
  publishedAt?: Date;
}

/**
 * The happenings store in memory, for the embedded backend and unit tests. A change and its
 * outbox record are written in one synchronous step (nothing can run in between on the event
 * loop), which is the in-memory form of the MySQL adapter's transaction; values go in and out as
 * copies, as through SQL.
 */
export class InMemoryHappeningRepository implements HappeningRepository {
  private readonly happenings = new Map<string, Happening>();
  private readonly outbox: OutboxRow[] = [];
  private nextSeq = 1;

  async create(happening: Happening, change: HappeningChange): Promise<OutboxEntry> {
    if (this.happenings.has(happening.id)) throw new Error(`duplicate happening id ${happening.id}`);
    this.happenings.set(happening.id, copy(happening));
    return this.append(change);
  }

  async update(
    id: string,
    change: (current: Happening) => { readonly happening: Happening; readonly change: HappeningChange },
  ): Promise<{ readonly happening: Happening; readonly entry: OutboxEntry } | undefined> {
    const current = this.happenings.get(id);
    if (!current) return undefined;
    const next = change(copy(current));
    this.happenings.set(id, copy(next.happening));
    return { happening: copy(next.happening), entry: this.append(next.change) };
  }

  async delete(id: string, deletion: (last: Happening) => HappeningChange): Promise<OutboxEntry | undefined> {
    const last = this.happenings.get(id);
    if (!last) return undefined;
    const change = deletion(copy(last));
    this.happenings.delete(id);
    return this.append(change);
  }

  async get(id: string): Promise<Happening | undefined> {
    const found = this.happenings.get(id);
    return found ? copy(found) : undefined;
  }

  async find(query: HappeningQuery): Promise<HappeningPage> {
    return copy(pageOf(this.happenings.values(), query));
  }

  async pendingChanges(limit: number): Promise<OutboxEntry[]> {
    return this.outbox
      .filter((row) => row.publishedAt === undefined)
      .slice(0, limit)
      .map((row) => ({ seq: row.seq, change: copy(row.change) }));
  }

  async markPublished(seqs: readonly number[], at: Date): Promise<void> {
    const wanted = new Set(seqs);
    for (const row of this.outbox) if (wanted.has(row.seq) && row.publishedAt === undefined) row.publishedAt = at;
  }

  async outboxBacklog(): Promise<OutboxBacklog> {
    const pending = this.outbox.filter((row) => row.publishedAt === undefined);
    const oldest = pending[0];
    return oldest ? { pending: pending.length, oldestPendingAt: oldest.createdAt } : { pending: 0 };
  }

  async purgePublished(before: Date, limit: number): Promise<number> {
    let purged = 0;
    for (let i = 0; i < this.outbox.length && purged < limit; ) {
      const row = this.outbox[i]!;
      if (row.publishedAt !== undefined && row.publishedAt.getTime() < before.getTime()) {
        this.outbox.splice(i, 1);
        purged += 1;
      } else {
        i += 1;
      }
    }
    return purged;
  }

  private append(change: HappeningChange): OutboxEntry {
    const row: OutboxRow = { seq: this.nextSeq++, change: copy(change), createdAt: change.changedAt };
    this.outbox.push(row);
    return { seq: row.seq, change: copy(change) };
  }
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
