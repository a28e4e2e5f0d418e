/**
 * The HTTP contract of the accounts capability: thin routes over the user pool, so clients need
 * only Eventline's API. Sign-up and sign-in are public (they are how one gets a token); every
 * `/v1/accounts/me…` route is the signed-in user's own (behind the user pool's JWT authorizer).
 */
import * as z from 'zod';
import { type RouteContract, USER_POOL_AUTHORIZER } from '../platform/manifest-types';

const username = z.string().min(1).max(128);
const email = z.email().max(254);
// Bounded here; the pool's policy (what it must contain) is checked by the identity adapter.
const password = z.string().min(1).max(256);

const account = z.object({
  username: z.string(),
  email: z.string(),
  groups: z.array(z.string()),
  secondaryEmails: z.array(z.string()),
});
const tokens = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int() });

const signUpBody = z.strictObject({ username, email, password });
export const signUpRoute: RouteContract<z.infer<typeof signUpBody>> = {
  method: 'POST',
  path: '/v1/accounts',
  operation: 'signUp',
  summary: 'Sign up: a confirmed account (locally and in dev; prod verifies the email first) and a welcome mail',
  publicBecause:
    'Signing up is how a person gets an account; the pool enforces its password policy and the stage throttles the route.',
  body: signUpBody,
  maxBodyBytes: 4 * 1024,
  responses: {
    201: { description: 'the new account', body: account },
    409: {
      description: 'the username is taken (by another account, or by this one with another email or password) (problem+json)',
    },
  },
};

const signInBody = z.strictObject({ username, password });
export const signInRoute: RouteContract<z.infer<typeof signInBody>> = {
  method: 'POST',
  path: '/v1/sessions',
  operation: 'signIn',
  summary: 'Sign in with username and password; repeated failures per username and per client address answer 429',
  publicBecause: 'Signing in is how a person gets a token; failures are slowed per username and per client address (429).',
  body: signInBody,
  maxBodyBytes: 4 * 1024,
  responses: {
    200: { description: 'an access token (an hour) and a refresh token', body: tokens },
    401: { description: 'wrong username or password: the same answer for both (problem+json)' },
    429: {
      description:
        'too many failed sign-ins for this username or from this address; retry after `Retry-After` seconds (problem+json)',
    },
  },
};

const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(8192) });
export const refreshRoute: RouteContract<z.infer<typeof refreshBody>> = {
  method: 'POST',
  path: '/v1/sessions/refresh',
  operation: 'refreshSession',
  summary: 'A new access token for a refresh token',
  publicBecause: 'The refresh token in the body is the credential (an expired access token cannot pass the JWT authorizer).',
  body: refreshBody,
  maxBodyBytes: 16 * 1024,
  responses: {
    200: { description: 'a new access token', body: tokens },
    401: { description: 'the refresh token is not valid: unknown, expired or revoked (problem+json)' },
  },
};

export const revokeRoute: RouteContract<z.infer<typeof refreshBody>> = {
  method: 'POST',
  path: '/v1/sessions/revoke',
  operation: 'revokeSession',
  summary:
    'Sign out: revokes a refresh token, so it gets no more access tokens (those already issued last their hour); idempotent',
  publicBecause:
    'The refresh token in the body is the credential; revoking one needs nothing more, as in Cognito (an unknown token is a no-op).',
  body: refreshBody,
  maxBodyBytes: 16 * 1024,
  responses: { 204: { description: 'revoked (or it was not a live refresh token: nothing to revoke)' } },
};

const mine = { authorizer: USER_POOL_AUTHORIZER } as const;

export const getMeRoute: RouteContract = {
  ...mine,
  method: 'GET',
  path: '/v1/accounts/me',
  operation: 'getMyAccount',
  summary: "The signed-in user's account: username, email, groups, secondary addresses",
  responses: { 200: { description: 'the account', body: account } },
};

const emailBody = z.strictObject({ email });
export const changeEmailRoute: RouteContract<z.infer<typeof emailBody>> = {
  ...mine,
  method: 'PATCH',
  path: '/v1/accounts/me',
  operation: 'changeMyEmail',
  summary: "Change the account's primary email address",
  body: emailBody,
  maxBodyBytes: 4 * 1024,
  responses: { 200: { description: 'the account', body: account } },
};

export const addEmailRoute: RouteContract<z.infer<typeof emailBody>> = {
  ...mine,
  method: 'POST',
  path: '/v1/accounts/me/emails',
  operation: 'addMyEmail',
  summary: 'Add a secondary address (one a reminder may be sent to); at most 5',
  body: emailBody,
  maxBodyBytes: 4 * 1024,
  responses: {
    201: { description: 'added', body: account },
    200: { description: 'it was there already', body: account },
  },
};

export const removeEmailRoute: RouteContract<z.infer<typeof emailBody>> = {
  ...mine,
  method: 'DELETE',
  path: '/v1/accounts/me/emails',
  operation: 'removeMyEmail',
  summary: 'Remove a secondary address (given in the body)',
  body: emailBody,
  maxBodyBytes: 4 * 1024,
  responses: { 200: { description: 'the account', body: account } },
};

export const deleteMeRoute: RouteContract = {
  ...mine,
  method: 'DELETE',
  path: '/v1/accounts/me',
  operation: 'deleteMyAccount',
  summary: "Delete the account; every capability removes what belongs to it (the accounts.events 'deleted' event)",
  responses: { 204: { description: 'deleted' } },
};
