/**
 * What every benchmark script shares: a run id, a dedicated database and topic prefix for the
 * services backend (so a benchmark never reads or writes anyone else's data), cleanup, and the
 * result file under `.local/bench/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { localServices } from '../../lambdas/platform/config';
import { createDatabaseIfMissing, createPool, type Pool } from '../../lambdas/platform/sql/pool';

export const ROOT = path.resolve(__dirname, '../..');

/** Positive integer from the environment, or the default. */
export function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${text}")`);
  return value;
}

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

/** A dedicated database and topic prefix on the local services for one benchmark run. */
export interface ServicesSubject {
  readonly database: string;
  readonly topicPrefix: string;
  /** The environment of a runtime (or an in-process handler) on this subject. */
  readonly env: Record<string, string>;
}

export function servicesSubject(benchmark: string, run: string): ServicesSubject {
  const database = `eventline_bench_${benchmark}_${run}`;
  const topicPrefix = `bench-${benchmark}-${run}.`;
  return {
    database,
    topicPrefix,
    env: { EVENTLINE_BACKEND: 'services', EVENTLINE_MYSQL_DATABASE: database, EVENTLINE_TOPIC_PREFIX: topicPrefix },
  };
}

/** Creates the subject's database if missing and opens a pool on it (the caller ends it). */
export async function openSubjectPool(subject: ServicesSubject, connectionLimit = 4): Promise<Pool> {
  const { host, port, user, password } = localServices().mysql;
  await createDatabaseIfMissing({ host, port, user, password }, subject.database);
  return createPool({ host, port, user, password, database: subject.database, connectionLimit });
}

/**
 * Drops the subject's database and deletes its topics, unless BENCH_KEEP=1 (to look at the data
 * afterwards). Failures are reported, not thrown: cleanup must not hide the benchmark's result.
 */
export async function cleanUpSubject(subject: ServicesSubject, log: (line: string) => void = console.log): Promise<void> {
  if (process.env.BENCH_KEEP === '1') {
    log(`kept database ${subject.database} and topics ${subject.topicPrefix}* (BENCH_KEEP=1)`);
    return;
  }
  const { host, port, user, password } = localServices().mysql;
  try {
    const connection = await mysql.createConnection({ host, port, user, password });
    await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(subject.database)}`);
    await connection.end();
  } catch (error) {
    log(`could not drop database ${subject.database}: ${(error as Error).message}`);
  }
  const admin = createLocalKafka().admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(subject.topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch (error) {
    log(`could not delete topics ${subject.topicPrefix}*: ${(error as Error).message}`);
  } finally {
    await admin.disconnect();
  }
}

/** Writes a benchmark's figures to `.local/bench/<name>-<time>.json`; returns the path. */
export function writeResult(name: string, result: unknown): string {
  const directory = path.join(ROOT, '.local', 'bench');
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `${name}-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/**
 * Runs one benchmark script: quiet handler logging (as `npm start` does), the result written,
 * exit code 1 on failure.
 */
export function benchMain(name: string, run: () => Promise<unknown>): void {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  // Other work on the machine skews every figure: the load around the run is recorded with it.
  const loadBefore = os.loadavg()[0];
  const machine = `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
  run()
    .then((result) => {
      const loadAfter = os.loadavg()[0];
      console.log(`\nmachine: ${machine}; 1-minute load average before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)}`);
      const file = writeResult(name, { ...(result as object), machine, loadBefore, loadAfter, at: new Date().toISOString() });
      console.log(`result written to ${path.relative(ROOT, file)}`);
      process.exit(0);
    })
    .catch((error) => {
      console.error(`benchmark ${name} failed:`, error);
      process.exit(1);
    });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
