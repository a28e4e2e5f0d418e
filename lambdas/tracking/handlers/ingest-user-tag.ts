import { httpRoute, noContent } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { publishUserTag } from '../domain/ingest';
import { ingestUserTagRoute } from '../routes';
import { userTagsTopic } from '../topics';

/** POST /user_tags → 204 once Kafka has the tag (acks=all), 503 if it could not be stored. */
export const handler = httpRoute(ingestUserTagRoute, async ({ body, rawBody }) => {
  await publishUserTag(await platform.bus(), userTagsTopic.name, body, rawBody);
  return noContent();
});
