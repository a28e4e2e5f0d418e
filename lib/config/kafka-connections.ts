import { type Manifest, subscriptionsOf } from '../../lambdas/platform/manifest-types';
import type { StageConfig } from './stages';

/**
 * Amazon MSK's limits for IAM-authenticated clients, per broker (MSK developer guide, "Amazon MSK
 * quota", Standard brokers): at most 3000 TCP connections, and at most 100 new connections per
 * second on M5/M7g brokers but only 4 per second on T3 brokers. Past the rate the broker throttles
 * new connections; a cold Lambda container that cannot connect within its timeout fails its
 * request.
 */
export interface MskIamLimits {
  readonly maxConnectionsPerBroker: number;
  readonly newConnectionsPerSecondPerBroker: number;
}

export function mskIamLimits(instanceType: string): MskIamLimits {
  return {
    maxConnectionsPerBroker: 3000,
    newConnectionsPerSecondPerBroker: instanceType.startsWith('kafka.t3.') ? 4 : 100,
  };
}

/**
 * Connections one client holds to one broker, counted high: a kafkajs producer keeps its seed
 * (metadata) connection beside the leader connection to the same broker; an event-source poller
 * keeps a fetch and a group-coordinator connection.
 */
export const connectionsPerClientPerBroker = 2;

/** kafkajs' connection timeout for MSK (`connectionTimeout` in lambdas/platform/bus/kafka-client.ts). */
export const clientConnectTimeoutSeconds = 5;

/** Share of the per-broker connection limit Eventline plans to use (the rest: tools, reconnects). */
export const connectionHeadroom = 0.8;

/** The unreserved concurrency Lambda always keeps in an account (reserving more is refused). */
export const minimumUnreservedConcurrency = 100;

/** How Kafka's clients are bounded in one stage, derived from the manifest and the stage. */
export interface KafkaConnectionPlan {
  readonly limits: MskIamLimits;
  /** Functions that connect to Kafka (they `use` bus), each with `reservedConcurrency`. */
  readonly clientFunctions: readonly string[];
  readonly reservedConcurrency: number;
  /** Provisioned pollers of every MSK event-source mapping at their maximum. */
  readonly maximumPollers: number;
  /** Connections per broker with every client at its bound (functions, pollers, the topics custom resource). */
  readonly peakConnectionsPerBroker: number;
  /** Seconds the broker needs to admit one function's whole reserved concurrency starting cold at once. */
  readonly coldBurstSeconds: number;
}

/**
 * Every function that talks to Kafka gets the same reserved concurrency, the largest that keeps:
 * - one function's cold burst (all of its containers connecting at once) admitted within the
 *   client's connection timeout at the broker's new-connection rate;
 * - every client at its bound (functions, provisioned pollers, the topics custom resource) within
 *   `connectionHeadroom` of the per-broker connection limit;
 * - the reservations within the account's concurrency, leaving Lambda's unreserved minimum;
 * and it must cover the maximum pollers of each consumer (the mapping invokes up to that many at
 * once). The synth fails, naming the numbers, when no such value exists.
 */
export function kafkaConnectionPlan(config: StageConfig, manifest: Pick<Manifest, 'functions'>): KafkaConnectionPlan {
  const limits = mskIamLimits(config.kafka.brokerInstanceType);
  const clientFunctions = manifest.functions.filter((fn) => fn.uses.includes('bus')).map((fn) => fn.name);
  const mappings = subscriptionsOf({ functions: manifest.functions } as Manifest).length;
  const maximumPollers = mappings * config.consumers.maximumPollers;
  const deployClients = 1;
  const perClient = connectionsPerClientPerBroker;
  const budget = Math.floor(limits.maxConnectionsPerBroker * connectionHeadroom);

  const byRate = Math.floor((limits.newConnectionsPerSecondPerBroker * clientConnectTimeoutSeconds) / perClient);
  const byConnections = Math.floor(
    (budget - perClient * (maximumPollers + deployClients)) / (perClient * Math.max(clientFunctions.length, 1)),
  );
  const byAccount = Math.floor(
    (config.functions.accountConcurrency - minimumUnreservedConcurrency) / Math.max(clientFunctions.length, 1),
  );
  const reservedConcurrency = Math.min(byRate, byConnections, byAccount);

  const problems: string[] = [];
  if (reservedConcurrency < config.consumers.maximumPollers) {
    problems.push(
      `each Kafka client function could reserve only ${reservedConcurrency} concurrent executions (by the broker's ${limits.newConnectionsPerSecondPerBroker}/s new-connection rate: ${byRate}; by ${budget} of ${limits.maxConnectionsPerBroker} connections per broker: ${byConnections}; by the account's ${config.functions.accountConcurrency}: ${byAccount}), fewer than the ${config.consumers.maximumPollers} pollers a consumer mapping may run`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      [
        `Stage ${config.stage} overloads its ${config.kafka.brokerInstanceType} brokers' IAM connection limits:`,
        ...problems.map((p) => `  - ${p}`),
        'Use a larger broker (kafka.m7g.*), fewer maximum pollers, or raise functions.accountConcurrency in lib/config/stages.ts after raising the account quota.',
      ].join('\n'),
    );
  }
  return {
    limits,
    clientFunctions,
    reservedConcurrency,
    maximumPollers,
    peakConnectionsPerBroker: perClient * (clientFunctions.length * reservedConcurrency + maximumPollers + deployClients),
    coldBurstSeconds: (perClient * reservedConcurrency) / limits.newConnectionsPerSecondPerBroker,
  };
}
