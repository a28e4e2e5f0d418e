import { Unauthenticated } from '../../platform/errors';
import { httpRouter, json, noContent, on } from '../../platform/http/http-route';
import type { Principal } from '../../platform/http/principal';
import { accountOf, addSecondaryEmail, changeEmail, deleteAccount, removeSecondaryEmail } from '../domain/accounts';
import { addEmailRoute, changeEmailRoute, deleteMeRoute, getMeRoute, removeEmailRoute } from '../routes';
import { accountPorts } from '../wiring';

/** The JWT authorizer let the request in, so a principal is there; without one the route fails closed. */
function signedIn(principal: Principal | undefined): Principal {
  if (!principal) throw new Unauthenticated('no signed-in user');
  return principal;
}

/** Every `/v1/accounts/me…` route: the signed-in user's own account. */
export const handler = httpRouter([
  on(getMeRoute, async ({ principal }) => json(200, await accountOf(await accountPorts(), signedIn(principal).username))),
  on(changeEmailRoute, async ({ principal, body }) =>
    json(200, await changeEmail(await accountPorts(), signedIn(principal).username, body.email)),
  ),
  on(addEmailRoute, async ({ principal, body }) => {
    const { account, added } = await addSecondaryEmail(await accountPorts(), signedIn(principal).username, body.email);
    return json(added ? 201 : 200, account);
  }),
  on(removeEmailRoute, async ({ principal, body }) =>
    json(200, await removeSecondaryEmail(await accountPorts(), signedIn(principal).username, body.email)),
  ),
  on(deleteMeRoute, async ({ principal }) => {
    await deleteAccount(await accountPorts(), signedIn(principal));
    return noContent();
  }),
]);
