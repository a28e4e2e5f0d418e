import { scheduledJob } from '../../platform/scheduled-job';
import { trimExpiredTags } from '../domain/user-profile';
import { userTagStore } from '../wiring';

/** Scheduled: retention of tracking data (24 h of logical time). */
export const handler = scheduledJob('applyRetention', async () => trimExpiredTags(await userTagStore()));
