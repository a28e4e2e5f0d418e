import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';

/**
 * Where a batch goes when its handler keeps failing and the subscription has `deadLetter: true`
 * (in AWS: the event-source mapping's on-failure destination). Keys, values and headers are
 * base64, as in the `aws:kafka` event, so any payload survives the trip.
 */
export interface DeadLetterRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeadLetterEntry {
  readonly functionName: string;
  readonly consumerGroup: string;
  readonly topic: string;
  /** ISO time the batch was given up on. */
  readonly failedAt: string;
  /** Invocations made for these records (the first one plus the retries). */
  readonly attempts: number;
  readonly error: { readonly message: string; readonly timedOut: boolean };
  readonly records: readonly DeadLetterRecord[];
}

export interface DeadLetterSink {
  /** Resolves once the entry is stored; a rejection keeps the batch uncommitted (redelivered). */
  put(entry: DeadLetterEntry): Promise<void>;
}

export function toDeadLetterRecord(record: ConsumedRecord): DeadLetterRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key ? record.key.toString('base64') : null,
    value: record.value ? record.value.toString('base64') : null,
    headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, v.toString('base64')])),
  };
}

/** Keeps entries in memory; for tests and for a runtime that should leave no files behind. */
export class InMemoryDeadLetterSink implements DeadLetterSink {
  readonly entries: DeadLetterEntry[] = [];
  async put(entry: DeadLetterEntry): Promise<void> {
    this.entries.push(entry);
  }
}

/** One JSON line per entry in `<directory>/<function>.jsonl` (default `.local/dead-letters/`). */
export class JsonLinesDeadLetterSink implements DeadLetterSink {
  constructor(readonly directory: string) {}

  fileFor(functionName: string): string {
    return path.join(this.directory, `${functionName.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
  }

  async put(entry: DeadLetterEntry): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await appendFile(this.fileFor(entry.functionName), `${JSON.stringify(entry)}\n`, 'utf8');
  }
}
