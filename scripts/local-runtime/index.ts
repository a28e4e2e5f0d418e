import path from 'node:path';
import type { Handler } from 'aws-lambda';
import type { TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import {
  type FunctionSpec,
  type Manifest,
  routesOf,
  schedulesOf,
  subscriptionsOf,
  USER_POOL_AUTHORIZER,
  validateManifest,
} from '../../lambdas/platform/manifest-types';
import { localAdminRoutes } from './admin-routes';
import { type DeadLetterSink, JsonLinesDeadLetterSink } from './dead-letters';
import { type LoadHandler, REPO_ROOT, requireHandlerFrom } from './handler-loader';
import { createHttpGateway } from './http-gateway';
import { type JwtVerification, LocalJwtAuthorizer } from './jwt-authorizer';
import { type KafkaEventSource, type KafkaPollers, type RetryBackoff, startKafkaPollers } from './kafka-poller';
import { LocalAuthorizers } from './lambda-authorizer';
import { eventlineOpenApi } from './openapi-document';
import { RouteTable } from './route-matcher';
import { consoleRuntimeLogger, type RuntimeLogger } from './runtime-logger';
import { type LocalScheduler, type ScheduledRun, startScheduler } from './scheduler';

export type { DeadLetterEntry, DeadLetterRecord, DeadLetterSink } from './dead-letters';
export { InMemoryDeadLetterSink, JsonLinesDeadLetterSink } from './dead-letters';
export type { LoadHandler } from './handler-loader';
export { requireHandlerFrom } from './handler-loader';
export type { AdminRoutes } from './http-gateway';
export type { JwtVerification } from './jwt-authorizer';
export type { KafkaEventSource, RetryBackoff } from './kafka-poller';
export { LOCAL_KAFKA_EVENT_SOURCE } from './kafka-poller';
export type { RuntimeLogger } from './runtime-logger';
export { consoleRuntimeLogger, createConsoleRuntimeLogger, RecordingRuntimeLogger } from './runtime-logger';
export type { ScheduledRun } from './scheduler';

/** `.local/dead-letters/` under the repository root: where `npm start` keeps dead letters. */
export const DEFAULT_DEAD_LETTER_DIR = path.join(REPO_ROOT, '.local', 'dead-letters');

export interface LocalRuntimeOptions {
  readonly manifest: Manifest;
  /** 0 picks a free port (tests); `url` tells which. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Feeds the consumers: the embedded bus or the kafkajs adapter. */
  readonly subscriber: TopicSubscriber;
  /** Default: `require(<repo>/<fn.entry>).handler`. */
  readonly loadHandler?: LoadHandler;
  /** Default: JSON lines in `.local/dead-letters/<function>.jsonl`. */
  readonly deadLetters?: DeadLetterSink;
  readonly logger?: RuntimeLogger;
  /** Start the schedule timers (default true); `runSchedule` works either way. */
  readonly enableSchedules?: boolean;
  /** Start the Kafka consumers (default true). */
  readonly enableConsumers?: boolean;
  /** `eventSourceArn`/`bootstrapServers` put in `aws:kafka` events (default: a fake local cluster). */
  readonly kafkaSource?: KafkaEventSource;
  /** Backoff between retries of a failing batch (default 500 ms doubling up to 30 s). */
  readonly retryBackoff?: RetryBackoff;
  /** The user pool's token verification, for routes behind `USER_POOL_AUTHORIZER`. */
  readonly userPool?: () => Promise<JwtVerification>;
  /** API Gateway's integration timeout (default 30 000 ms; tests shorten it). */
  readonly integrationTimeoutMs?: number;
}

export interface LocalRuntime {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly port: number;
  readonly deadLetters: DeadLetterSink;
  /** Fires a manifest schedule now (also `POST /__local/schedules/{name}`). */
  runSchedule(name: string): Promise<ScheduledRun>;
  /** Next fire time of each schedule (empty when schedules are disabled). */
  nextScheduledRuns(): ReadonlyMap<string, Date>;
  /** Stops timers, consumers (offsets stay where handlers left them) and the HTTP server. */
  stop(): Promise<void>;
}

async function loadAll(manifest: Manifest, load: LoadHandler): Promise<Map<string, Handler>> {
  const loaded = await Promise.all(
    manifest.functions.map(async (fn: FunctionSpec) => {
      try {
        return [fn.name, await load(fn)] as const;
      } catch (error) {
        throw new Error(`cannot load handler of ${fn.name} from ${fn.entry}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }),
  );
  return new Map(loaded);
}

/**
 * Mounts every function of the manifest the way Lambda would call it: routes on an HTTP server
 * shaped like API Gateway (HTTP API, payload 2.0), subscriptions as consumers feeding `aws:kafka`
 * batches, schedules as timers sending EventBridge Scheduler's payload. Every handler is loaded
 * before the port opens, so a broken one fails the start rather than the first request.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { manifest } = options;
  validateManifest(manifest);
  const logger = options.logger ?? consoleRuntimeLogger;
  const deadLetters = options.deadLetters ?? new JsonLinesDeadLetterSink(DEFAULT_DEAD_LETTER_DIR);
  const handlers = await loadAll(manifest, options.loadHandler ?? requireHandlerFrom());

  const routes = new RouteTable(routesOf(manifest));
  const userPoolRoutes = routesOf(manifest).filter(({ route }) => route.authorizer === USER_POOL_AUTHORIZER);
  if (userPoolRoutes.length > 0 && !options.userPool) {
    throw new Error(`routes behind the user pool (${userPoolRoutes[0]?.route.path}, ...) need the runtime's userPool option`);
  }
  const authorizers = new LocalAuthorizers({ functions: manifest.functions, handlers, logger });
  const scheduler: LocalScheduler = startScheduler({
    schedules: schedulesOf(manifest),
    handlers,
    logger,
    enableTimers: options.enableSchedules ?? true,
  });
  const gateway = createHttpGateway({
    routes,
    handlers,
    logger,
    adminRoutes: localAdminRoutes(scheduler),
    documents: new Map([['/openapi.json', eventlineOpenApi(manifest)]]),
    authorizers,
    userPool: options.userPool ? new LocalJwtAuthorizer(options.userPool) : undefined,
    integrationTimeoutMs: options.integrationTimeoutMs,
  });

  let pollers: KafkaPollers | undefined;
  let url: string;
  try {
    url = await gateway.listen(options.port, options.host ?? '127.0.0.1');
    if (options.enableConsumers ?? true) {
      pollers = await startKafkaPollers({
        consumers: subscriptionsOf(manifest),
        handlers,
        subscriber: options.subscriber,
        deadLetters,
        logger,
        source: options.kafkaSource,
        retryBackoff: options.retryBackoff,
      });
    }
  } catch (error) {
    scheduler.stop();
    await gateway.close();
    throw error;
  }

  for (const r of routes.all) logger.info(`route ${r.routeKey} -> ${r.fn.name}`);
  for (const { fn, subscription: s } of subscriptionsOf(manifest)) {
    logger.info(`consumer ${s.topic} [group ${s.consumerGroup}] -> ${fn.name}${pollers ? '' : ' (disabled)'}`);
  }
  for (const { fn, schedule } of schedulesOf(manifest)) {
    const next = scheduler.nextRuns().get(schedule.name);
    logger.info(
      `schedule ${schedule.name} ${schedule.expression} -> ${fn.name}${next ? `, next ${next.toISOString()}` : ' (timer off)'}`,
    );
  }
  logger.info(`local runtime ready on ${url}`);

  let stopped: Promise<void> | undefined;
  return {
    url,
    port: Number(new URL(url).port),
    deadLetters,
    runSchedule: (name) => scheduler.run(name),
    nextScheduledRuns: () => scheduler.nextRuns(),
    stop() {
      stopped ??= (async () => {
        scheduler.stop();
        await pollers?.stop();
        await gateway.close();
      })();
      return stopped;
    },
  };
}
