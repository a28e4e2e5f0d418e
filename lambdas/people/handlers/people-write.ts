import { httpRouter, json, on } from '../../platform/http/http-route';
import { deleteProfile, saveProfile } from '../domain/people';
import { deleteProfileRoute, putProfileRoute } from '../routes';
import { peoplePorts } from '../wiring';

/**
 * PUT /v1/people/{username} and DELETE /v1/people/{username} (the owner or an admin; the route's
 * access rule answers 403 otherwise) → 202 `{username, version}` once Kafka acknowledged the write;
 * 503 when it could not take it.
 */
export const handler = httpRouter([
  on(putProfileRoute, async ({ path, body }) => json(202, await saveProfile(peoplePorts(), path.username, body))),
  on(deleteProfileRoute, async ({ path }) => json(202, await deleteProfile(peoplePorts(), path.username))),
]);
