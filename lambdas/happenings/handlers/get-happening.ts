import { NotFound } from '../../platform/errors';
import { httpRoute, json } from '../../platform/http/http-route';
import { getHappeningRoute } from '../routes';
import { happeningRepository } from '../wiring';

/** GET /v1/happenings/{id} → 200 from the store of record (a change is visible at once); 404 if unknown. */
export const handler = httpRoute(getHappeningRoute, async ({ path }) => {
  const happening = await (await happeningRepository()).get(path.id);
  if (!happening) throw new NotFound(`no happening ${path.id}`);
  return json(200, happening);
});
