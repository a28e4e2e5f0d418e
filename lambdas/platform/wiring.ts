import type { EventBus, TopicSubscriber } from './bus/event-bus';
import { PrefixedBus } from './bus/topic-prefix';
import type { Cache } from './cache/cache';
import type { Clock } from './clock/clock';
import { systemClock } from './clock/clock';
import type { Backend } from './config';
import { currentBackend } from './config';
import type { IdentityProvider } from './identity/identity';
import type { Mailer } from './mailer/mailer';
import type { TopicSpec } from './manifest-types';
import type { SearchIndex } from './search/search-index';

/** The bus with its consuming side, as the local runtime needs it (never built in AWS). */
type LocalBus = EventBus & TopicSubscriber;

/** Lazily built, one per container: Lambda reuses them across invocations. */
const instances: {
  bus?: Promise<EventBus>;
  localBus?: Promise<LocalBus>;
  search?: Promise<SearchIndex>;
  cache?: Promise<Cache>;
  mailer?: Promise<Mailer>;
  identity?: Promise<IdentityProvider>;
} = {};

/** What the embedded backend is told by whoever runs it (the local runtime, a test). */
let embeddedTopics: readonly TopicSpec[] | undefined;

/**
 * Picks each port's adapter for the current backend (EVENTLINE_BACKEND): embedded in-process
 * adapters, the real local services, or AWS. Capability wiring (e.g. tracking/wiring.ts) does
 * the same for its own repositories. Adapters are imported lazily so an embedded run never loads
 * a client it does not use. The platform knows no capability: the embedded bus learns the
 * topics it holds from `configureEmbedded` (the local runtime passes the manifest's).
 */
export const platform = {
  backend(): Backend {
    return currentBackend();
  },

  clock: systemClock as Clock,

  /** Declares the topics the embedded bus holds; must come before the first `bus()` there. */
  configureEmbedded(options: { readonly topics: readonly TopicSpec[] }): void {
    embeddedTopics = options.topics;
  },

  /** The producing side: what handlers publish with. */
  bus(): Promise<EventBus> {
    if (currentBackend() === 'aws') {
      instances.bus ??= createKafkaProducer();
      return instances.bus;
    }
    return platform.localBus();
  },

  /** Producing and consuming sides over one log, for the local runtime (embedded or services). */
  localBus(): Promise<LocalBus> {
    const backend = currentBackend();
    if (backend === 'aws') return Promise.reject(new Error('the consuming side of the bus is local only'));
    instances.localBus ??= backend === 'embedded' ? createEmbeddedBus() : createLocalKafkaBus();
    return instances.localBus;
  },

  search(): Promise<SearchIndex> {
    instances.search ??= (async () => {
      if (currentBackend() === 'embedded') return new (await import('./search/embedded-index')).EmbeddedSearchIndex();
      const { OpenSearchIndex } = await import('./search/opensearch-index');
      const { openSearchClientFromEnv } = await import('./search/opensearch-client');
      return new OpenSearchIndex(await openSearchClientFromEnv());
    })();
    return instances.search;
  },

  cache(): Promise<Cache> {
    instances.cache ??= (async () => {
      if (currentBackend() === 'embedded') return new (await import('./cache/embedded-cache')).EmbeddedCache();
      const { RedisCache, redisFromEnv } = await import('./cache/redis-cache');
      // Local runtimes that share one Redis keep apart as they do on Kafka (EVENTLINE_TOPIC_PREFIX).
      const prefix = currentBackend() === 'services' ? (process.env.EVENTLINE_TOPIC_PREFIX ?? '') : '';
      return new RedisCache(await redisFromEnv(), `eventline:${prefix}`);
    })();
    return instances.cache;
  },

  mailer(): Promise<Mailer> {
    instances.mailer ??= (async () => {
      if (currentBackend() === 'embedded') return new (await import('./mailer/embedded-mailer')).EmbeddedMailer();
      const { SesMailer, sesClientFromEnv } = await import('./mailer/ses-mailer');
      return new SesMailer(sesClientFromEnv());
    })();
    return instances.mailer;
  },

  /** People's accounts: an in-memory pool when embedded, else Cognito (cognito-local with `services`). */
  identity(): Promise<IdentityProvider> {
    instances.identity ??= (async () => {
      if (currentBackend() === 'embedded') return new (await import('./identity/embedded-identity')).EmbeddedIdentity();
      const { cognitoIdentityFromEnv } = await import('./identity/cognito-identity');
      return cognitoIdentityFromEnv();
    })();
    return instances.identity;
  },

  /** Closes whatever was opened (local runtime shutdown, tests); the next call opens anew. */
  async close(): Promise<void> {
    const { bus, localBus, search, cache, identity } = instances;
    instances.bus = instances.localBus = instances.search = instances.cache = instances.mailer = instances.identity = undefined;
    await Promise.allSettled([
      bus?.then((b) => b.close()),
      localBus?.then((b) => b.close()),
      search?.then((s) => s.close()),
      cache?.then((c) => c.close()),
      identity?.then((i) => i.close()),
      import('./sql/pool').then(({ closeSqlPool }) => closeSqlPool()),
    ]);
  },
};

async function createEmbeddedBus(): Promise<LocalBus> {
  if (!embeddedTopics) {
    throw new Error('the embedded bus needs its topics: call platform.configureEmbedded({ topics }) first');
  }
  const { EmbeddedBus } = await import('./bus/embedded-bus');
  return new EmbeddedBus(embeddedTopics);
}

/** In AWS a function only produces: no consumer is ever built (the MSK event-source mapping polls). */
async function createKafkaProducer(): Promise<EventBus> {
  const { kafkaFromEnv } = await import('./bus/kafka-client');
  const { KafkaEventBus } = await import('./bus/kafka-bus');
  return new KafkaEventBus(await kafkaFromEnv(), publishOptions());
}

async function createLocalKafkaBus(): Promise<LocalBus> {
  const { kafkaFromEnv } = await import('./bus/kafka-client');
  const { KafkaEventBus, KafkaTopicSubscriber } = await import('./bus/kafka-bus');
  const kafka = await kafkaFromEnv();
  // A prefix lets several local runtimes (a developer's, an end-to-end test's) share one Kafka.
  const prefix = process.env.EVENTLINE_TOPIC_PREFIX ?? '';
  // The consumer group session timeout (kafkajs' default 30 s): how long a crashed runtime's
  // members hold their partitions. Tests that kill runtimes shorten it (the broker allows 6 s+).
  const session = process.env.EVENTLINE_KAFKA_SESSION_TIMEOUT_MS;
  const subscriberOptions = session ? { sessionTimeoutMs: Number(session) } : {};
  return new PrefixedBus(prefix, new KafkaEventBus(kafka, publishOptions()), new KafkaTopicSubscriber(kafka, subscriberOptions));
}

/** Default publish deadline: HTTP producers answer 503 within a second while Kafka is down. */
const DEFAULT_PUBLISH_DEADLINE_MS = 800;

/**
 * The producer's publish deadline, `EVENTLINE_PUBLISH_DEADLINE_MS` (default 800 ms; see
 * KafkaEventBusOptions.publishDeadlineMs): a publish not acknowledged by then is an Unavailable
 * (503 with Retry-After), and the breaker refuses publishes for a second after a failure.
 */
function publishOptions(env: NodeJS.ProcessEnv = process.env): { publishDeadlineMs: number } {
  const raw = env.EVENTLINE_PUBLISH_DEADLINE_MS;
  if (raw === undefined || raw === '') return { publishDeadlineMs: DEFAULT_PUBLISH_DEADLINE_MS };
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error('EVENTLINE_PUBLISH_DEADLINE_MS must be a positive integer (ms)');
  return { publishDeadlineMs: value };
}
