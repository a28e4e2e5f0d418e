/**
 * What the local runtime prints; never headers, bodies or query strings, which is where tokens
 * and passwords would be. By level (`EVENTLINE_LOG_LEVEL`, see log-settings.ts):
 * - `info` (default): one access line per request (`POST /user_tags 204 3ms (function)`), one
 *   line per schedule run, the start-up summary, and every warning and error (a failed or retried
 *   batch, a function error);
 * - `debug` (`npm start -- --verbose`): also one line per consumer batch delivered;
 * - `warn` (`npm start -- --quiet`): warnings and errors only; `error`: errors only.
 */
export interface RuntimeLogger {
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export const RUNTIME_LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type RuntimeLogLevel = (typeof RUNTIME_LOG_LEVELS)[number];

/** Where a console logger writes (process.stdout / process.stderr, or a test's collector). */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * Prints info and debug lines to `out`, warnings and errors to `err`, dropping lines below
 * `level`. Under load the access lines come by the thousand per second: they are gathered and
 * written once per turn of the event loop (a pipe write is a system call each), and flushed
 * before any warning or error and when the process exits, so order and the last lines are kept.
 */
export function createConsoleRuntimeLogger(
  level: RuntimeLogLevel = 'info',
  out: LineSink = process.stdout,
  err: LineSink = process.stderr,
): RuntimeLogger & { flush(): void } {
  const rank = RUNTIME_LOG_LEVELS.indexOf(level);
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  process.once('exit', flush);
  const buffered = (line: string) => {
    pending += `${line}\n`;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const direct = (line: string) => {
    flush();
    err.write(`${line}\n`);
  };
  const ignore = () => {};
  return {
    debug: rank >= 3 ? buffered : ignore,
    info: rank >= 2 ? buffered : ignore,
    warn: rank >= 1 ? direct : ignore,
    error: direct,
    flush,
  };
}

/** The runtime's logger at `info`, for callers that do not choose (tests, scripts). */
export const consoleRuntimeLogger: RuntimeLogger = {
  debug: () => {},
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

/** For tests: keeps every line so assertions can look at what was logged. */
export class RecordingRuntimeLogger implements RuntimeLogger {
  readonly lines: { level: RuntimeLogLevel; line: string }[] = [];
  debug(line: string): void {
    this.lines.push({ level: 'debug', line });
  }
  info(line: string): void {
    this.lines.push({ level: 'info', line });
  }
  warn(line: string): void {
    this.lines.push({ level: 'warn', line });
  }
  error(line: string): void {
    this.lines.push({ level: 'error', line });
  }
}

/** The message of anything thrown, without assuming it is an Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
