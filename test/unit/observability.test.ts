/**
 * The handlers' Powertools wrapper (lambdas/platform/observability.ts): no warning for an
 * invocation without metrics, metrics still flushed after one with metrics, middy's early
 * timeout only in Lambda, and the X-Ray SDK (whose async hook slows every promise) loaded only
 * in Lambda with tracing on.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { metrics, observedHandler, tracer } from '../../lambdas/platform/observability';

const ROOT = path.resolve(__dirname, '../..');

function lambdaContext(remainingMs: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:test-fn',
    memoryLimitInMB: '128',
    awsRequestId: 'request-1',
    logGroupName: '/aws/lambda/test-fn',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Everything written to stdout and stderr while `run` runs. */
async function captured(run: () => Promise<unknown>): Promise<string> {
  let written = '';
  const capture = (chunk: unknown) => {
    written += String(chunk);
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written;
}

describe('observedHandler', () => {
  it('says nothing for an invocation that stored no metric (Powertools logMetrics warned each time)', async () => {
    const handler = observedHandler(async () => 'done');
    const output = await captured(async () => {
      for (let i = 0; i < 5; i++) expect(await handler({}, lambdaContext(10_000))).toBe('done');
    });
    expect(output).not.toContain('No application metrics');
    expect(output).toBe('');
  });

  it('publishes the metrics an invocation stored, after success and after an error, when output is on', async () => {
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    try {
      let enabled!: typeof import('../../lambdas/platform/observability');
      jest.isolateModules(() => {
        enabled = require('../../lambdas/platform/observability');
      });
      const ok = enabled.observedHandler(async () => {
        enabled.metrics.addMetric('observabilityTestOk', MetricUnit.Count, 1);
        return 'ok';
      });
      const failing = enabled.observedHandler(async () => {
        enabled.metrics.addMetric('observabilityTestFailed', MetricUnit.Count, 1);
        throw new Error('boom');
      });
      const empty = enabled.observedHandler(async () => 'nothing counted');
      const output = await captured(async () => {
        await ok({}, lambdaContext(10_000));
        await expect(failing({}, lambdaContext(10_000))).rejects.toThrow('boom');
        await empty({}, lambdaContext(10_000));
      });
      const blobs = output.trim().split('\n');
      expect(blobs).toHaveLength(2);
      expect(JSON.parse(blobs[0]!)).toMatchObject({ observabilityTestOk: 1 });
      expect(JSON.parse(blobs[1]!)).toMatchObject({ observabilityTestFailed: 1 });
      expect(enabled.metrics.hasStoredMetrics()).toBe(false);
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = previous;
    }
  });

  it('with output off (locally) does not even store a metric', () => {
    metrics.addMetric('observabilityTestDropped', MetricUnit.Count, 1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it("outside Lambda has no early timeout: the runtime enforces the function's own", async () => {
    // Middy's early timeout would answer Error('Timeout') 5 ms before the remaining time (10 ms).
    const slow = observedHandler(async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return 'late but whole';
    });
    await expect(slow({}, lambdaContext(10))).resolves.toBe('late but whole');
  });
});

describe('tracer', () => {
  const loadsXRay = (env: Record<string, string>) =>
    execFileSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [
        '-e',
        "require('./lambdas/platform/observability'); console.log(Object.keys(require.cache).some((f) => f.includes('aws-xray-sdk-core')))",
      ],
      { cwd: ROOT, env: { ...process.env, AWS_EXECUTION_ENV: '', POWERTOOLS_TRACE_ENABLED: '', ...env }, encoding: 'utf8' },
    ).trim();

  it('is absent outside Lambda, and the X-Ray SDK is never loaded', () => {
    expect(tracer).toBeUndefined();
    expect(loadsXRay({})).toBe('false');
  });

  it('is loaded in Lambda with tracing on, not with POWERTOOLS_TRACE_ENABLED=false', () => {
    expect(loadsXRay({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toBe('true');
    expect(loadsXRay({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' })).toBe('false');
  });
});
