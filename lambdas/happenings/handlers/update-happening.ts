import { httpRoute, json } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { updateHappening } from '../domain/writes';
import { relayAfterCommit } from '../relay-after-commit';
import { updateHappeningRoute } from '../routes';
import { happeningRepository } from '../wiring';

/** PATCH /v1/happenings/{id} (admins) → 200 with the happening one version on; 404 if unknown. */
export const handler = httpRoute(updateHappeningRoute, async ({ body, path }) => {
  const repository = await happeningRepository();
  const { happening, entry } = await updateHappening(repository, path.id, body, platform.clock.now());
  await relayAfterCommit(repository, entry);
  return json(200, happening);
});
