import { httpRouter, json, on } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { signIn } from '../domain/accounts';
import { refreshRoute, signInRoute } from '../routes';
import { signInLimiter } from '../wiring';

/**
 * POST /v1/sessions (sign in) and POST /v1/sessions/refresh. Wrong password and unknown user are
 * the same 401; too many failures for the username or from the client address are a 429.
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
]);
