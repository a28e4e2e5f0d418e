/**
 * The people web pages' routes (function `people-web`): server-rendered HTML behind the same HTTP
 * API as the JSON routes. They sit behind no API Gateway authorizer because a browser sends no
 * bearer token: each page reads and verifies its own session cookie (platform/http/web-session.ts)
 * and checks "owner or admin" itself, exactly as the API's JWT authorizer and access rules do.
 */
import * as z from 'zod';
import { single } from '../../platform/http/query';
import type { RouteContract } from '../../platform/manifest-types';
import { profileFieldsSchema, usernameSchema } from '../domain/profile';
import { QUERY_MAX } from '../domain/search';

const PAGES =
  'A web page for browsers, which send no bearer token: the page verifies its own session cookie (the pool tokens, checked as the JWT authorizer checks them) and refuses what the signed-in user may not do; profiles are public, as the API has them.';

const page = { publicBecause: PAGES, page: {} } as const;
const usernamePath = z.strictObject({ username: usernameSchema });
const formToken = z.string().max(200).meta({ description: 'the form token the page put in the form' });

const nextPath = single(
  z.string().max(2048, 'is not a path of this site').meta({ description: 'where to go after signing in (a path of this site)' }),
);

export const homePageRoute: RouteContract = {
  ...page,
  method: 'GET',
  path: '/',
  operation: 'webHome',
  summary: 'The site: redirects to the people search page',
  responses: { 302: { description: 'to /people' } },
};

export const signInPageRoute: RouteContract<undefined, { next?: string }> = {
  ...page,
  method: 'GET',
  path: '/sign-in',
  operation: 'webSignInPage',
  summary: 'The sign-in form',
  query: z.strictObject({ next: nextPath.optional() }),
  responses: { 200: { description: 'the form' } },
};

export const signInFormSchema = z.strictObject({
  username: z.string().max(512),
  password: z.string().max(512),
  csrf: formToken,
  next: z.string().max(2048).optional(),
});

export const signInRoute: RouteContract = {
  ...page,
  page: { form: signInFormSchema },
  method: 'POST',
  path: '/sign-in',
  operation: 'webSignIn',
  summary: 'Signs in (the rate-limited sign-in of POST /v1/sessions) and starts a session in cookies',
  maxBodyBytes: 8 * 1024,
  responses: {
    303: { description: 'signed in: to the page asked for, or the own profile' },
    429: { description: 'too many failed sign-ins (the form again, saying so)' },
  },
};

export const signOutRoute: RouteContract = {
  ...page,
  page: { form: z.strictObject({ csrf: formToken }) },
  method: 'POST',
  path: '/sign-out',
  operation: 'webSignOut',
  summary: "Ends the session: revokes its refresh token at the pool, deletes its cookies; the form token is the session's",
  maxBodyBytes: 4 * 1024,
  responses: { 303: { description: 'signed out: to the people page' } },
};

export const peoplePageRoute: RouteContract<undefined, { q?: string; cursor?: string }> = {
  ...page,
  method: 'GET',
  path: '/people',
  operation: 'webPeoplePage',
  summary: 'Find people by name: works without JavaScript; with it, results as you type',
  query: z.strictObject({
    q: single(z.string().max(QUERY_MAX, `must be at most ${QUERY_MAX} characters`)).optional(),
    cursor: single(z.string().min(1).max(200)).optional(),
  }),
  responses: { 200: { description: 'the search form and a page of people' } },
};

export const profilePageRoute: RouteContract<undefined, { saved?: string }, { username: string }> = {
  ...page,
  method: 'GET',
  path: '/people/{username}',
  operation: 'webProfilePage',
  summary: "A person's profile",
  pathParameters: usernamePath,
  query: z.strictObject({ saved: single(z.literal('1')).optional() }),
  responses: { 200: { description: 'the profile' }, 404: { description: 'no such profile (a page saying so)' } },
};

export const editPageRoute: RouteContract<undefined, undefined, { username: string }> = {
  ...page,
  method: 'GET',
  path: '/people/{username}/edit',
  operation: 'webEditProfilePage',
  summary: 'The form that edits a profile (its owner or an admin)',
  pathParameters: usernamePath,
  responses: {
    200: { description: 'the form, filled with the profile' },
    303: { description: 'not signed in: to the sign-in page' },
  },
};

export const saveProfilePageRoute: RouteContract<undefined, undefined, { username: string }> = {
  ...page,
  page: { form: profileFieldsSchema.extend({ csrf: formToken }) },
  method: 'POST',
  path: '/people/{username}/edit',
  operation: 'webSaveProfile',
  summary: 'Saves the profile form (its owner or an admin); problems are shown beside their fields',
  pathParameters: usernamePath,
  maxBodyBytes: 128 * 1024,
  responses: {
    303: { description: 'saved: to the profile' },
    400: { description: 'the form again, each problem beside its field' },
  },
};

export const searchScriptRoute: RouteContract = {
  ...page,
  page: { contentType: 'text/javascript' },
  method: 'GET',
  path: '/assets/people-search.js',
  operation: 'webSearchScript',
  summary: 'The script that shows search results as you type (calls GET /v1/people)',
  responses: { 200: { description: 'the script' } },
};

export const styleSheetRoute: RouteContract = {
  ...page,
  page: { contentType: 'text/css' },
  method: 'GET',
  path: '/assets/people.css',
  operation: 'webStyleSheet',
  summary: "The pages' style sheet",
  responses: { 200: { description: 'the style sheet' } },
};

export const webRoutes = [
  homePageRoute,
  signInPageRoute,
  signInRoute,
  signOutRoute,
  peoplePageRoute,
  profilePageRoute,
  editPageRoute,
  saveProfilePageRoute,
  searchScriptRoute,
  styleSheetRoute,
];
