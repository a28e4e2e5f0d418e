import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Stops and starts local services for the fault tests (test/faults), through the services' own
 * scripts: `scripts/services/<name>.sh halt` (a real stop, MariaDB's included, whose `stop` leaves
 * the machine service running) and `… start`, which returns only once the service answers
 * (OpenSearch: cluster health yellow or green; MariaDB: a ping). Asynchronous, so a test's write
 * stream goes on while a service stops or starts.
 *
 * Whatever is stopped is started again: every test that stops a service calls
 * `restartStoppedServices()` in its `finally` and in `afterAll`, and `npm test` runs
 * `services:up` after the fault suite as well. Stopping services breaks any test running at the
 * same time, which is why the `faults` project runs alone, after the others, in band.
 */
export type FaultService = 'opensearch' | 'mariadb' | 'kafka';

const ROOT = path.resolve(__dirname, '../..');

/** Stopped by this process and not started since. */
const stopped = new Set<FaultService>();

function runScript(service: FaultService, verb: 'halt' | 'start'): Promise<void> {
  if (service === 'kafka' && verb === 'halt') return Promise.reject(new Error('Kafka is killed (killKafkaBroker), not halted'));
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts/services', `${service}.sh`), verb], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`scripts/services/${service}.sh ${verb} exited with ${code}:\n${output}`));
    });
  });
}

/** Stops the service and resolves once it is down; returns how long that took (ms). */
export async function stopService(service: FaultService): Promise<number> {
  const started = Date.now();
  // Recorded first: a stop that failed half-way must still be undone.
  stopped.add(service);
  await runScript(service, 'halt');
  return Date.now() - started;
}

/**
 * Kills the local Kafka broker with SIGKILL (no controlled shutdown, no flush: a crash), by the
 * pid `scripts/services/kafka.sh` recorded, and resolves once the process is gone. `startService('kafka')`
 * (kafka.sh start) starts it again.
 */
export async function killKafkaBroker(): Promise<void> {
  const pid = Number((await readFile(path.join(ROOT, '.local/kafka/kafka.pid'), 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error('no Kafka broker pid in .local/kafka/kafka.pid');
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('kafka.Kafka')) throw new Error(`pid ${pid} is not the local Kafka broker`);
  stopped.add('kafka');
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the Kafka broker (pid ${pid}) did not exit after SIGKILL`);
}

/** Starts the service and resolves once it answers; returns how long that took (ms). */
export async function startService(service: FaultService): Promise<number> {
  const started = Date.now();
  await runScript(service, 'start');
  stopped.delete(service);
  return Date.now() - started;
}

/**
 * Starts every service this process stopped and has not started again; a no-op when there is
 * none. Tries each one even when another fails, then throws what failed.
 */
export async function restartStoppedServices(): Promise<void> {
  const failures: unknown[] = [];
  for (const service of [...stopped]) {
    try {
      await startService(service);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'stopped services could not be started again');
}
