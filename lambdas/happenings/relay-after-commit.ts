import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../platform/observability';
import { platform } from '../platform/wiring';
import { relayNow } from './domain/outbox';
import type { HappeningRepository, OutboxEntry } from './domain/repository';
import { happeningChangesTopic } from './topics';

/**
 * After a write has committed: publish its change record now (best effort). When Kafka cannot
 * take it, the request still succeeds — the change is committed and its record waits in the
 * outbox for the scheduled relay (happenings-relay-outbox, every minute) — and the deferral is
 * logged and counted (`OutboxRelayDeferred`).
 */
export async function relayAfterCommit(repository: HappeningRepository, entry: OutboxEntry): Promise<void> {
  const outcome = await relayNow(
    repository,
    () => platform.bus(),
    happeningChangesTopic.name,
    entry,
    () => platform.clock.now(),
  );
  if (outcome.relayed) return;
  metrics.addMetric('OutboxRelayDeferred', MetricUnit.Count, 1);
  logger.warn('change record left in the outbox for the scheduled relay', {
    happening: entry.change.id,
    version: entry.change.version,
    error: outcome.error as Error,
  });
}
