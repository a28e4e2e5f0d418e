import { Topics } from '../../manifest';
import { httpRoute, noContent } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { publishUserTag } from '../domain/ingest';
import { userTagSchema } from '../domain/user-tag';

/** POST /user_tags → 204 once Kafka has the tag (acks=all), 503 if it could not be stored. */
export const handler = httpRoute(
  { operation: 'ingestUserTag', body: userTagSchema, maxBodyBytes: 16 * 1024 },
  async ({ body, rawBody }) => {
    await publishUserTag(await platform.bus(), Topics.userTags, body, rawBody);
    return noContent();
  },
);
