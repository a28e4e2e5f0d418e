import { randomBytes } from 'node:crypto';
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

/**
 * Ids that are unique without drawing random bytes for each one: a random prefix drawn once per
 * process, then a counter. `uuid()` keeps the shape of Lambda's request ids (a UUID, version 4
 * and variant bits in place); `hex(n)` gives `n` hex characters (n >= 12).
 */
export function localIds() {
  const prefix = randomBytes(16).toString('hex');
  let counter = 0;
  const next = () => (counter++).toString(16).padStart(12, '0');
  const uuidHead = `${prefix.slice(0, 8)}-${prefix.slice(8, 12)}-4${prefix.slice(13, 16)}-${'89ab'[Number.parseInt(prefix[16] as string, 16) % 4]}${prefix.slice(17, 20)}-`;
  return {
    uuid: () => uuidHead + next(),
    hex: (length: number) => prefix.slice(0, length - 12) + next(),
  };
}

const ids = localIds();

/** A fresh, unique request id shaped like Lambda's (`awsRequestId`). */
export const newLambdaRequestId = (): string => ids.uuid();

/**
 * Lambda's log stream names a sandbox (`2026/12/02/[$LATEST]<32 hex>`), not an invocation: the
 * local runtime's one "sandbox" per function keeps one for its lifetime.
 */
const logStreams = new Map<string, string>();
function logStreamOf(functionName: string): string {
  let stream = logStreams.get(functionName);
  if (stream === undefined) {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    stream = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
    logStreams.set(functionName, stream);
  }
  return stream;
}

function unsupported(name: string) {
  return () => {
    throw new Error(`context.${name}() is deprecated and not supported by the local runtime; return or throw instead`);
  };
}
const done = unsupported('done');
const fail = unsupported('fail');
const succeed = unsupported('succeed');

/** One per invocation: plain fields, the methods on the prototype (nothing built per call). */
class LocalLambdaContext implements Context {
  callbackWaitsForEmptyEventLoop = true;
  readonly functionVersion = '$LATEST';
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly done = done;
  readonly fail = fail;
  readonly succeed = succeed;

  constructor(
    fn: FunctionSpec,
    readonly functionName: string,
    readonly awsRequestId: string,
    private readonly deadlineMs: number,
  ) {
    this.invokedFunctionArn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
    this.memoryLimitInMB = String(fn.memoryMb);
    this.logGroupName = `/aws/lambda/${functionName}`;
    this.logStreamName = logStreamOf(functionName);
  }

  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadlineMs - Date.now());
  }
}

/** The `context` object Lambda's Node.js runtime passes as the handler's second argument. */
export function createLambdaContext(fn: FunctionSpec, requestId: string, deadlineMs: number): Context {
  return new LocalLambdaContext(fn, fn.name, requestId, deadlineMs);
}

/**
 * Calls a handler the way Lambda's Node.js runtime does: with the event, a fresh context and a
 * callback (for the few callback-style handlers), and gives up at the function's timeout.
 * In Lambda a timed-out sandbox is frozen; in-process we cannot stop the promise, so its late
 * result is simply ignored.
 */
export function invokeHandler(
  handler: Handler,
  event: unknown,
  fn: FunctionSpec,
  options: { timeoutMs?: number } = {},
): Promise<InvocationOutcome> {
  const requestId = ids.uuid();
  const timeoutMs = options.timeoutMs ?? fn.timeoutSeconds * 1000;
  const started = Date.now();
  const context = new LocalLambdaContext(fn, fn.name, requestId, started + timeoutMs);
  // One promise settled by whichever comes first: the handler's outcome or the timeout.
  return new Promise<InvocationOutcome>((settle) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const error = new LambdaTimeoutError(fn.name, timeoutMs);
      settle({ ok: false, error, timedOut: true, durationMs: Date.now() - started, requestId });
    }, timeoutMs);
    callHandler(
      handler,
      event,
      context,
      (result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        settle({ ok: true, result, durationMs: Date.now() - started, requestId });
      },
      (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        settle({ ok: false, error, timedOut: false, durationMs: Date.now() - started, requestId });
      },
    );
  });
}

function callHandler(
  handler: Handler,
  event: unknown,
  context: Context,
  resolve: (result: unknown) => void,
  reject: (error: unknown) => void,
): void {
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
}
