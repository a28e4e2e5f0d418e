import { manifest } from '../manifest';
import type { EventBus, TopicSubscriber } from './bus/event-bus';
import { PrefixedBus } from './bus/topic-prefix';
import type { Cache } from './cache/cache';
import type { Clock } from './clock/clock';
import { systemClock } from './clock/clock';
import type { Backend } from './config';
import { currentBackend } from './config';
import type { Mailer } from './mailer/mailer';
import type { SearchIndex } from './search/search-index';

/** The bus as the local runtime needs it: handlers publish, the runtime's pollers subscribe. */
export type LocalBus = EventBus & TopicSubscriber;

/** Lazily built, one per container: Lambda reuses them across invocations. */
const instances: {
  bus?: Promise<LocalBus>;
  search?: Promise<SearchIndex>;
  cache?: Promise<Cache>;
  mailer?: Promise<Mailer>;
} = {};

/**
 * Picks each port's adapter for the current backend (EVENTLINE_BACKEND): embedded in-process
 * adapters, the real local services, or AWS. Capability wiring (e.g. tracking/wiring.ts) does
 * the same for its own repositories. Adapters are imported lazily so an embedded run never loads
 * a client it does not use.
 */
export const platform = {
  backend(): Backend {
    return currentBackend();
  },

  clock: systemClock as Clock,

  bus(): Promise<LocalBus> {
    instances.bus ??= createBus(currentBackend());
    return instances.bus;
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
      return new RedisCache(redisFromEnv());
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

  /** Closes whatever was opened (local runtime shutdown, tests); the next call opens anew. */
  async close(): Promise<void> {
    const { bus, search, cache } = instances;
    instances.bus = instances.search = instances.cache = instances.mailer = undefined;
    await Promise.allSettled([
      bus?.then((b) => b.close()),
      search?.then((s) => s.close()),
      cache?.then((c) => c.close()),
      import('./sql/pool').then(({ closeSqlPool }) => closeSqlPool()),
    ]);
  },
};

async function createBus(backend: Backend): Promise<LocalBus> {
  if (backend === 'embedded') {
    const { EmbeddedBus } = await import('./bus/embedded-bus');
    return new EmbeddedBus(manifest.topics);
  }
  const { kafkaFromEnv } = await import('./bus/kafka-client');
  const { KafkaEventBus, KafkaTopicSubscriber } = await import('./bus/kafka-bus');
  const kafka = await kafkaFromEnv();
  const producer = new KafkaEventBus(kafka);
  const subscriber = new KafkaTopicSubscriber(kafka);
  // Locally a prefix lets several runtimes share one Kafka; in AWS topics are the manifest's.
  const prefix = backend === 'services' ? (process.env.EVENTLINE_TOPIC_PREFIX ?? '') : '';
  return new PrefixedBus(prefix, producer, subscriber);
}
