import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
// (scripts/local-runtime/ → repository root)

export interface RunningRuntime {
  readonly url: string;
  /** The runtime's process group (tsx and the runtime under it), e.g. to read its CPU time. */
  readonly processGroup: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `npm start`'s entry point (scripts/start.ts) as a child process, exactly as a user
 * would, and resolves once it prints its `ready ... on <url>` line.
 */
export function startRuntimeProcess(env: Record<string, string>, timeoutMs = 90_000): Promise<RunningRuntime> {
  const child: ChildProcess = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the script in a child of its own, so signals go to the
    // whole group, or a killed tsx would leave the runtime (its port, its consumers) behind.
    detached: true,
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`runtime did not print ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready on (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          processGroup: child.pid!,
          output: () => output,
          // SIGTERM lets the runtime leave its consumer groups; SIGKILL if it hangs on the way out.
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              const force = setTimeout(() => signal('SIGKILL'), 15_000);
              child.once('exit', () => {
                clearTimeout(force);
                done();
              });
              signal('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/**
 * Polls `probe` until it returns a value or the deadline passes. The error then carries the tail
 * of `context()` (e.g. the runtime's output), so a slow consumer says why it was slow.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const tail = context ? `\n--- last output ---\n${context().slice(-4000)}` : '';
      throw new Error(`condition not met within ${timeoutMs} ms${tail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
