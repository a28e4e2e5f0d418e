import type { StageConfig } from './stages';

/**
 * What a stage's sizes need from the availability zones its VPC really has. `maxAzs` is only an
 * upper bound: an environment-agnostic synth, or a region with fewer zones, gives fewer. Counts
 * that can follow the zones do (MSK brokers = brokers per AZ × AZs; OpenSearch zone awareness over
 * up to 3 AZs); durability settings that cannot be met are refused at synth with every reason,
 * never silently weakened.
 */
export interface ZoneSizing {
  readonly azCount: number;
  readonly kafkaBrokers: number;
  /** Zones the OpenSearch domain spreads over (1 = not zone-aware). */
  readonly searchZones: number;
}

/** Every reason the stage's sizes do not fit `azCount` zones (empty: they fit). */
export function zoneProblems(config: StageConfig, azCount: number): string[] {
  const problems: string[] = [];
  const { kafka, search } = config;
  const brokers = kafka.brokersPerAz * azCount;
  if (azCount < 2 || azCount > 3) {
    problems.push(`Amazon MSK places brokers in 2 or 3 AZs (got ${azCount})`);
  }
  if (kafka.defaultReplicationFactor > azCount) {
    problems.push(
      `Kafka replication factor ${kafka.defaultReplicationFactor} needs ${kafka.defaultReplicationFactor} AZs so that every replica of a partition is in its own AZ (${brokers} brokers over ${azCount} AZs)`,
    );
  }
  if (kafka.minInsyncReplicas >= kafka.defaultReplicationFactor) {
    problems.push(
      `Kafka min.insync.replicas ${kafka.minInsyncReplicas} must be below the replication factor ${kafka.defaultReplicationFactor}, or one broker down stops every acks=all write`,
    );
  }
  if (search.dataNodes > 1) {
    const zones = Math.min(azCount, 3);
    if (zones < 2) problems.push(`OpenSearch with ${search.dataNodes} data nodes is zone-aware and needs at least 2 AZs`);
    else if (search.dataNodes % zones !== 0) {
      problems.push(`OpenSearch data nodes (${search.dataNodes}) must be a multiple of the zones they spread over (${zones})`);
    }
  }
  if (search.masterNodes > 0 && azCount < 3) {
    problems.push(
      `OpenSearch's ${search.masterNodes} dedicated master nodes keep a quorum through the loss of an AZ only over 3 AZs`,
    );
  }
  return problems;
}

/** The zone-derived sizes, or a synth error naming every problem and what to do about it. */
export function zoneSizing(config: StageConfig, azCount: number): ZoneSizing {
  const problems = zoneProblems(config, azCount);
  if (problems.length > 0) {
    throw new Error(
      [
        `Stage ${config.stage} does not fit ${azCount} availability zones:`,
        ...problems.map((problem) => `  - ${problem}`),
        `Synthesize with an account and region that have ${config.network.maxAzs} AZs (credentials, or CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION; an environment-agnostic synth gets 2 AZs), or change the sizes in lib/config/stages.ts.`,
      ].join('\n'),
    );
  }
  return {
    azCount,
    kafkaBrokers: config.kafka.brokersPerAz * azCount,
    searchZones: config.search.dataNodes > 1 ? Math.min(azCount, 3) : 1,
  };
}
