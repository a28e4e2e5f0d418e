/**
 * Imported first by scripts/start.ts, for its side effect: the log level from `--verbose`,
 * `--quiet` or EVENTLINE_LOG_LEVEL, and the handlers' Powertools settings, in the environment
 * before any handler module is loaded.
 */
import { applyLocalObservabilityEnv, runtimeLogLevelOf } from './log-settings';

applyLocalObservabilityEnv(runtimeLogLevelOf(process.argv.slice(2), process.env));
