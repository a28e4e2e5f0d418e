import { scheduledJob } from '../../platform/scheduled-job';
import { trimExpiredTags } from '../domain/user-profile';
import { userTagStore } from '../wiring';

/** Scheduled: deletes profile tags older than 24 h of logical time. */
export const handler = scheduledJob('trimUserTags', async () => trimExpiredTags(await userTagStore()));
