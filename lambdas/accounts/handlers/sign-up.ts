import { httpRoute, json } from '../../platform/http/http-route';
import { signUp } from '../domain/accounts';
import { signUpRoute } from '../routes';
import { accountPorts } from '../wiring';

/** POST /v1/accounts → 201 with the account; 409 when the username is taken; 400 for the policy. */
export const handler = httpRoute(signUpRoute, async ({ body }) => json(201, await signUp(await accountPorts(), body)));
