import { RUNTIME_LOG_LEVELS, type RuntimeLogLevel } from './runtime-logger';

/**
 * How chatty `npm start` is. `--verbose` (or EVENTLINE_LOG_LEVEL=debug) adds a line per consumer
 * batch and the handlers' own logs; `--quiet` (or EVENTLINE_LOG_LEVEL=warn) prints only warnings
 * and errors; by default (`info`) there is at most one line per request (see runtime-logger.ts).
 */
export function runtimeLogLevelOf(argv: readonly string[], env: NodeJS.ProcessEnv): RuntimeLogLevel {
  if (argv.includes('--verbose')) return 'debug';
  if (argv.includes('--quiet')) return 'warn';
  const named = (env.EVENTLINE_LOG_LEVEL ?? '').trim().toLowerCase();
  if (named === '') return 'info';
  if (!(RUNTIME_LOG_LEVELS as readonly string[]).includes(named)) {
    throw new Error(`EVENTLINE_LOG_LEVEL must be one of ${RUNTIME_LOG_LEVELS.join(', ')} (got "${env.EVENTLINE_LOG_LEVEL}")`);
  }
  return named as RuntimeLogLevel;
}

/** The handlers' Powertools log level for a runtime level: WARN and up unless verbose. */
const POWERTOOLS_LEVEL: Readonly<Record<RuntimeLogLevel, string>> = {
  error: 'ERROR',
  warn: 'WARN',
  info: 'WARN',
  debug: 'DEBUG',
};

/**
 * The local environment of the handlers' Powertools, set before any handler module creates its
 * logger: logs at the level that goes with the runtime's (a POWERTOOLS_LOG_LEVEL already set, not
 * empty, wins), no EMF metric blobs on stdout, no tracer (Powertools' own variables win here too).
 */
export function applyLocalObservabilityEnv(level: RuntimeLogLevel, env: NodeJS.ProcessEnv = process.env): void {
  env.EVENTLINE_LOG_LEVEL = level;
  if (!env.POWERTOOLS_LOG_LEVEL) env.POWERTOOLS_LOG_LEVEL = POWERTOOLS_LEVEL[level];
  if (!env.POWERTOOLS_METRICS_DISABLED) env.POWERTOOLS_METRICS_DISABLED = 'true';
  if (!env.POWERTOOLS_TRACE_ENABLED) env.POWERTOOLS_TRACE_ENABLED = 'false';
}
