import { httpRouter, json, noContent, on } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { signIn } from '../domain/accounts';
import { refreshRoute, revokeRoute, signInRoute } from '../routes';
import { signInLimiter } from '../wiring';

/**
 * POST /v1/sessions (sign in), POST /v1/sessions/refresh and POST /v1/sessions/revoke (sign out).
 * Wrong password and unknown user are the same 401; too many failures for the username or from the
 * client address are a 429. Revoking is idempotent: an unknown or already revoked token is a 204.
 */
export const handler = httpRouter([
  on(signInRoute, async ({ body, event }) => {
    const tokens = await signIn({ identity: await platform.identity() }, await signInLimiter(), {
      ...body,
      clientAddress: event.requestContext.http.sourceIp,
    });
    return json(200, tokens);
  }),
  on(refreshRoute, async ({ body }) => json(200, await (await platform.identity()).refresh(body.refreshToken))),
  on(revokeRoute, async ({ body }) => {
    await (await platform.identity()).revoke(body.refreshToken);
    return noContent();
  }),
]);
