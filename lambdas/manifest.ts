import type { Manifest } from './platform/manifest-types';

/** Topic names, so handlers and the manifest spell them one way. */
export const Topics = {
  userTags: 'tracking.user-tags',
  /** Records a consumer can never process (bad JSON, schema violation), with the reason. */
  deadLetters: 'platform.dead-letters',
} as const;

/**
 * Eventline's one manifest: every function with its triggers, every topic. The CDK app and the
 * local runtime are both generated from this value (see docs/ARCHITECTURE.md).
 */
export const manifest: Manifest = {
  topics: [
    {
      name: Topics.userTags,
      partitions: 6,
      retentionHours: 72,
      description: 'Allezon user tags (VIEW/BUY) exactly as sent, keyed by cookie.',
    },
    {
      name: Topics.deadLetters,
      partitions: 3,
      retentionHours: 14 * 24,
      description: 'Poison records set aside by consumers, with the consumer, the reason and the original value.',
    },
  ],
  functions: [
    {
      name: 'tracking-ingest-tags',
      capability: 'tracking',
      description: 'POST /user_tags: validates a tag and answers 204 once Kafka has acknowledged it.',
      entry: 'lambdas/tracking/handlers/ingest-user-tag.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      routes: [{ method: 'POST', path: '/user_tags' }],
      uses: ['bus'],
      produces: [Topics.userTags],
    },
    {
      name: 'tracking-query-profiles',
      capability: 'tracking',
      description: 'POST /user_profiles/{cookie}: the newest VIEWs and BUYs of a cookie in a time range.',
      entry: 'lambdas/tracking/handlers/query-user-profile.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      routes: [{ method: 'POST', path: '/user_profiles/{cookie}' }],
      uses: ['sql'],
    },
    {
      name: 'tracking-store-profiles',
      capability: 'tracking',
      description: 'Projects user tags into the per-cookie profile store in MySQL (idempotent by offset).',
      entry: 'lambdas/tracking/handlers/store-user-tags.ts',
      memoryMb: 512,
      timeoutSeconds: 60,
      subscriptions: [
        {
          topic: Topics.userTags,
          consumerGroup: 'tracking-profile-store',
          batchSize: 500,
          maxBatchingWindowSeconds: 1,
          // Poison records are dead-lettered by the handler itself; a whole batch fails only when a
          // store is down, so it is retried (with backoff) as long as Lambda allows before it
          // goes to the on-failure queue, which keeps the offsets for a replay from Kafka.
          retryAttempts: 10,
          deadLetter: true,
          startingPosition: 'TRIM_HORIZON',
        },
      ],
      uses: ['sql', 'bus'],
      produces: [Topics.deadLetters],
    },
    {
      name: 'tracking-trim-profiles',
      capability: 'tracking',
      description: 'Deletes profile tags older than 24 h of logical time (newest tag time minus 24 h).',
      entry: 'lambdas/tracking/handlers/trim-user-tags.ts',
      memoryMb: 256,
      timeoutSeconds: 120,
      schedules: [{ name: 'trim-user-tags', expression: 'rate(15 minutes)', description: 'Profile tag retention' }],
      uses: ['sql'],
    },
  ],
};
