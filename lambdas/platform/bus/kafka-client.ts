/**
 * The kafkajs client for the current backend:
 * - `services`: plaintext to the local broker(s) of `npm run services:up`;
 * - `aws`: Amazon MSK over TLS with IAM auth (SASL OAUTHBEARER, tokens from
 *   aws-msk-iam-sasl-signer-js); the bootstrap brokers are looked up once per container with
 *   the MSK API from the cluster ARN the CDK app puts in `MSK_CLUSTER_ARN`.
 * The embedded backend has no Kafka at all (it uses EmbeddedBus).
 */
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, type KafkaConfig, type logCreator, logLevel } from 'kafkajs';
import { currentBackend, EnvNames, localServices, requiredEnv } from '../config';

const CLIENT_ID = 'eventline';

/** kafkajs messages that are expected in normal operation and say nothing actionable. */
const EXPECTED_NOISE = [
  // KafkaEventBus bounds the idempotent producer's retries on purpose (see its options).
  /Limiting retries for the idempotent producer/,
];
const EXPECTED_NOISE_ERRORS = [
  // A heartbeat answered "rebalancing" during a group rebalance; kafkajs rejoins by itself.
  /The group is rebalancing, so a rejoin is needed/,
];

// kafkajs' logLevel is a plain object at run time (no reverse mapping like a TS enum).
const LEVEL_NAMES: Record<number, string> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};

/**
 * kafkajs logs as one JSON line each (warnings and errors only), without the expected noise
 * above. No log line carries credentials: kafkajs does not log SASL tokens.
 */
export const kafkaLogCreator: logCreator =
  () =>
  ({ level, log }) => {
    const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
    if (EXPECTED_NOISE.some((re) => re.test(message))) return;
    if (typeof extra.error === 'string' && EXPECTED_NOISE_ERRORS.some((re) => re.test(extra.error as string))) return;
    const line = JSON.stringify({ level: LEVEL_NAMES[level] ?? String(level), logger: 'kafkajs', message, ...extra });
    if (level <= logLevel.ERROR) console.error(line);
    else if (level === logLevel.WARN) console.warn(line);
    else console.info(line);
  };

/** A client for the local broker(s): plaintext, short timeouts (it is on this machine). */
export function createLocalKafka(
  brokers: readonly string[] = localServices().kafkaBrokers,
  overrides: Partial<KafkaConfig> = {},
): Kafka {
  return new Kafka({
    clientId: CLIENT_ID,
    brokers: [...brokers],
    connectionTimeout: 3000,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    ...overrides,
  });
}

/**
 * A client for Amazon MSK with IAM auth. The token provider is called by kafkajs on every new
 * connection and re-authentication; the signer uses the default credential chain (the Lambda
 * execution role) and signs for `region`.
 */
export function createMskKafka(brokers: readonly string[], region: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: CLIENT_ID,
    brokers: [...brokers],
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    },
    connectionTimeout: 5000,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    ...overrides,
  });
}

/** The IAM (SASL/IAM over TLS, port 9098) bootstrap brokers of an MSK cluster. */
export async function mskBootstrapBrokers(clusterArn: string, region: string): Promise<string[]> {
  const client = new KafkaClient({ region });
  try {
    const out = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
    const brokers = (out.BootstrapBrokerStringSaslIam ?? '').split(',').filter((b) => b.length > 0);
    if (brokers.length === 0) throw new Error(`MSK cluster ${clusterArn} has no IAM (SASL/IAM) bootstrap brokers`);
    return brokers;
  } finally {
    client.destroy();
  }
}

async function createKafkaForEnv(env: NodeJS.ProcessEnv): Promise<Kafka> {
  const backend = currentBackend(env);
  if (backend === 'services') return createLocalKafka(localServices(env).kafkaBrokers);
  if (backend === 'aws') {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new Error('AWS_REGION is required for the MSK client');
    const brokers = await mskBootstrapBrokers(requiredEnv(EnvNames.mskClusterArn, env), region);
    return createMskKafka(brokers, region);
  }
  throw new Error(`the ${backend} backend has no Kafka client (it uses the embedded bus)`);
}

let cached: Promise<Kafka> | undefined;

/**
 * The Kafka client of this container, created once (module scope, so a warm Lambda reuses the
 * bootstrap lookup). A failed attempt is not cached: the next call tries again.
 */
export function kafkaFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Kafka> {
  if (!cached) {
    const attempt = createKafkaForEnv(env);
    cached = attempt;
    attempt.catch(() => {
      if (cached === attempt) cached = undefined;
    });
  }
  return cached;
}
