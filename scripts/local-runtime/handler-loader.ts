import path from 'node:path';
import type { Handler } from 'aws-lambda';
import type { FunctionSpec } from '../../lambdas/platform/manifest-types';

/** The repository root, from this file's own place (scripts/local-runtime/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export type LoadHandler = (fn: FunctionSpec) => Promise<Handler>;

/**
 * Loads `fn.entry` (repo-relative) and returns its `handler` export, as Lambda's runtime does with
 * `index.handler`. Under tsx (npm start) and ts-jest a `.ts` entry loads directly.
 */
export function requireHandlerFrom(repoRoot: string = REPO_ROOT): LoadHandler {
  return async (fn) => {
    const file = path.resolve(repoRoot, fn.entry);
    const loaded = require(file) as { handler?: unknown };
    if (typeof loaded.handler !== 'function') {
      throw new Error(`${fn.entry} (function ${fn.name}) does not export a function named handler`);
    }
    return loaded.handler as Handler;
  };
}
