import { randomUUID } from 'node:crypto';
import { httpRoute, json } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { createHappening } from '../domain/writes';
import { relayAfterCommit } from '../relay-after-commit';
import { createHappeningRoute } from '../routes';
import { happeningRepository } from '../wiring';

/** POST /v1/happenings (admins) → 201 with the happening (its new id, version 1) and its Location. */
export const handler = httpRoute(createHappeningRoute, async ({ body }) => {
  const repository = await happeningRepository();
  const { happening, entry } = await createHappening(repository, body, platform.clock.now(), randomUUID);
  await relayAfterCommit(repository, entry);
  const response = json(201, happening);
  return { ...response, headers: { ...response.headers, location: `/v1/happenings/${happening.id}` } };
});
