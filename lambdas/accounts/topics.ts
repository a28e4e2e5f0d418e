import type { TopicSpec } from '../platform/manifest-types';

/** What happens to accounts, for every capability that keeps something per account. */
export const accountEventsTopic: TopicSpec = {
  name: 'accounts.events',
  partitions: 3,
  retentionHours: 7 * 24,
  description:
    'Account changes keyed by username: `addresses` (every address a mail may go to, after any change) and `deleted` (remove what belongs to the account).',
};
