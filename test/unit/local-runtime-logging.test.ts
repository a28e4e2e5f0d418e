/**
 * The local runtime's log levels: what each prints, the flags and EVENTLINE_LOG_LEVEL, and the
 * Powertools settings that go with them. The end-to-end count of lines per request is in
 * test/e2e/local-runtime-output.test.ts.
 */
import { applyLocalObservabilityEnv, runtimeLogLevelOf } from '../../scripts/local-runtime/log-settings';
import { createConsoleRuntimeLogger, type RuntimeLogLevel } from '../../scripts/local-runtime/runtime-logger';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function collector() {
  const writes: string[] = [];
  return { writes, sink: { write: (text: string) => writes.push(text) } };
}

async function printedAt(level: RuntimeLogLevel) {
  const out = collector();
  const err = collector();
  const logger = createConsoleRuntimeLogger(level, out.sink, err.sink);
  logger.debug('a batch');
  logger.info('an access line');
  logger.warn('a warning');
  logger.error('an error');
  await nextTurn();
  return { out: out.writes.join(''), err: err.writes.join('') };
}

describe('console runtime logger', () => {
  it('prints by level: debug adds batches, info is the default, warn and error keep problems only', async () => {
    expect(await printedAt('debug')).toEqual({ out: 'a batch\nan access line\n', err: 'a warning\nan error\n' });
    expect(await printedAt('info')).toEqual({ out: 'an access line\n', err: 'a warning\nan error\n' });
    expect(await printedAt('warn')).toEqual({ out: '', err: 'a warning\nan error\n' });
    expect(await printedAt('error')).toEqual({ out: '', err: 'an error\n' });
  });

  it('writes the lines of one turn at once, and the pending ones before a warning', async () => {
    const out = collector();
    const err = collector();
    const order: string[] = [];
    const logger = createConsoleRuntimeLogger(
      'info',
      {
        write: (t: string) => {
          out.sink.write(t);
          order.push('out');
        },
      },
      {
        write: (t: string) => {
          err.sink.write(t);
          order.push('err');
        },
      },
    );
    for (let i = 0; i < 100; i++) logger.info(`GET /x 200 ${i}ms`);
    expect(out.writes).toEqual([]);
    await nextTurn();
    expect(out.writes).toHaveLength(1);
    expect(out.writes[0]!.split('\n')).toHaveLength(101);

    logger.info('before');
    logger.warn('trouble');
    expect(order.slice(-2)).toEqual(['out', 'err']);
    expect(out.writes.at(-1)).toBe('before\n');
  });
});

describe('log settings', () => {
  it('reads --verbose, --quiet and EVENTLINE_LOG_LEVEL (info by default) and refuses unknown levels', () => {
    expect(runtimeLogLevelOf([], {})).toBe('info');
    expect(runtimeLogLevelOf(['--verbose'], {})).toBe('debug');
    expect(runtimeLogLevelOf(['--quiet'], { EVENTLINE_LOG_LEVEL: 'debug' })).toBe('warn');
    expect(runtimeLogLevelOf([], { EVENTLINE_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(() => runtimeLogLevelOf([], { EVENTLINE_LOG_LEVEL: 'loud' })).toThrow('EVENTLINE_LOG_LEVEL must be one of');
  });

  it('keeps handler logs at WARN unless verbose, metrics output and the tracer off; set Powertools variables win', () => {
    const quiet: NodeJS.ProcessEnv = {};
    applyLocalObservabilityEnv('info', quiet);
    expect(quiet).toEqual({
      EVENTLINE_LOG_LEVEL: 'info',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const verbose: NodeJS.ProcessEnv = { POWERTOOLS_LOG_LEVEL: '' };
    applyLocalObservabilityEnv('debug', verbose);
    expect(verbose.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    const chosen: NodeJS.ProcessEnv = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' };
    applyLocalObservabilityEnv('debug', chosen);
    expect(chosen).toMatchObject({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' });
  });
});
