import { randomBytes, randomUUID } from 'node:crypto';
import type { Context, Handler } from 'aws-lambda';
import type { FunctionSpec } from '../../lambdas/platform/manifest-types';

/** The fake account and region every local ARN uses. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'local';

export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown; readonly durationMs: number; readonly requestId: string }
  | {
      readonly ok: false;
      readonly error: unknown;
      /** True when the function ran past its timeout (Lambda's "Task timed out after N seconds"). */
      readonly timedOut: boolean;
      readonly durationMs: number;
      readonly requestId: string;
    };

export class LambdaTimeoutError extends Error {
  constructor(
    readonly functionName: string,
    readonly timeoutMs: number,
  ) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

/** The `context` object Lambda's Node.js runtime passes as the handler's second argument. */
export function createLambdaContext(fn: FunctionSpec, requestId: string, deadlineMs: number): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is deprecated and not supported by the local runtime; return or throw instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/**
 * Calls a handler the way Lambda's Node.js runtime does: with the event, a fresh context and a
 * callback (for the few callback-style handlers), and gives up at the function's timeout.
 * In Lambda a timed-out sandbox is frozen; in-process we cannot stop the promise, so its late
 * result is simply ignored.
 */
export async function invokeHandler(
  handler: Handler,
  event: unknown,
  fn: FunctionSpec,
  options: { timeoutMs?: number } = {},
): Promise<InvocationOutcome> {
  const requestId = randomUUID();
  const timeoutMs = options.timeoutMs ?? fn.timeoutSeconds * 1000;
  const started = Date.now();
  const context = createLambdaContext(fn, requestId, started + timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.name, timeoutMs)), timeoutMs);
  });
  try {
    const result = await Promise.race([callHandler(handler, event, context), timeout]);
    return { ok: true, result, durationMs: Date.now() - started, requestId };
  } catch (error) {
    return {
      ok: false,
      error,
      timedOut: error instanceof LambdaTimeoutError,
      durationMs: Date.now() - started,
      requestId,
    };
  } finally {
    clearTimeout(timer);
  }
}

function callHandler(handler: Handler, event: unknown, context: Context): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (error?: Error | string | null, result?: unknown) => {
      if (error) reject(typeof error === 'string' ? new Error(error) : error);
      else resolve(result);
    };
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(resolve, reject);
      } else if (handler.length < 3) {
        // A non-async handler that takes no callback: its return value is the result.
        resolve(returned);
      }
    } catch (error) {
      reject(error);
    }
  });
}
