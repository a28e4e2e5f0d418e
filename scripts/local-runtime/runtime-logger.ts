/**
 * What the local runtime prints. One line per request, batch or schedule run; never headers,
 * bodies or query strings, which is where tokens and passwords would be.
 */
export interface RuntimeLogger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export const consoleRuntimeLogger: RuntimeLogger = {
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

/** For tests: keeps every line so assertions can look at what was logged. */
export class RecordingRuntimeLogger implements RuntimeLogger {
  readonly lines: { level: 'info' | 'warn' | 'error'; line: string }[] = [];
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
