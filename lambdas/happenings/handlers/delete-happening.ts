import { httpRoute, noContent } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { deleteHappening } from '../domain/writes';
import { relayAfterCommit } from '../relay-after-commit';
import { deleteHappeningRoute } from '../routes';
import { happeningRepository } from '../wiring';

/** DELETE /v1/happenings/{id} (admins) → 204; 404 if unknown. */
export const handler = httpRoute(deleteHappeningRoute, async ({ path }) => {
  const repository = await happeningRepository();
  await relayAfterCommit(repository, await deleteHappening(repository, path.id, platform.clock.now()));
  return noContent();
});
