import { httpRoute, json } from '../../platform/http/http-route';
import { readProfile } from '../domain/people';
import { getProfileRoute } from '../routes';
import { peoplePorts } from '../wiring';

/** The header naming the store that answered a read. */
export const READ_FROM_HEADER = 'x-eventline-read-from';

/** GET /v1/people/{username} → 200 with the profile and `x-eventline-read-from`; 404 if none; 503 if no store is up. */
export const handler = httpRoute(getProfileRoute, async ({ path }) => {
  const { profile, from } = await readProfile(peoplePorts(), path.username);
  const response = json(200, profile);
  return { ...response, headers: { ...response.headers, [READ_FROM_HEADER]: from } };
});
