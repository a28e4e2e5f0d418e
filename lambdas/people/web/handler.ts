/**
 * `people-web`: the people pages (sign in, sign out, find people, a profile, the profile form)
 * and their two assets. Sessions, form tokens and the cross-site check are the platform's
 * (platform/http/web-session.ts); profiles are read and written with the very domain functions
 * the API's handlers call, so a page and the API cannot disagree. Every refusal or failure is an
 * HTML page with the status the API would give.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signInWithPassword } from '../../accounts/contract';
import { DomainError, NotFound } from '../../platform/errors';
import { parseFormBody, singleFormValues } from '../../platform/http/form';
import { asset, htmlPage, isLocalPath, newNonce, redirect } from '../../platform/http/html';
import { type HttpResponse, httpRouter, on } from '../../platform/http/http-route';
import { type HttpProblem, Problems } from '../../platform/http/problem';
import {
  formTokenMatches,
  fromAnotherSite,
  preSessionToken,
  preSessionTokenMatches,
  type SessionRead,
  type WebSession,
  WebSessions,
} from '../../platform/http/web-session';
import { logger } from '../../platform/observability';
import { platform } from '../../platform/wiring';
import { readProfile, saveProfile, searchPeople } from '../domain/people';
import { PROFILE_FIELD_NAMES, type Profile, type ProfileFields, profileFieldsSchema } from '../domain/profile';
import { peoplePorts } from '../wiring';
import { SEARCH_SCRIPT, STYLE_SHEET } from './assets';
import { problemPage } from './layout';
import { editPage, noProfilePage, peoplePage, profilePage, signInPage } from './pages';
import {
  editPageRoute,
  homePageRoute,
  peoplePageRoute,
  profilePageRoute,
  saveProfilePageRoute,
  searchScriptRoute,
  signInPageRoute,
  signInRoute,
  signOutRoute,
  styleSheetRoute,
} from './routes';

const sessions = new WebSessions(() => platform.identity());
const ADMIN_GROUP = 'admin';

/**
 * The session of a page anyone may see. When the pool's keys cannot be fetched the page is still
 * shown, as to a visitor (logged): reading a public profile should not depend on the user pool.
 */
async function visitorSession(event: APIGatewayProxyEventV2): Promise<SessionRead> {
  try {
    return await sessions.read(event);
  } catch (error) {
    if (!(error instanceof DomainError && error.kind === 'unavailable')) throw error;
    logger.warn('session not readable, page shown as to a visitor', { reason: error.message });
    return { cookies: [] };
  }
}

function mayEdit(session: WebSession | undefined, username: string): boolean {
  return session !== undefined && (session.principal.username === username || session.principal.groups.includes(ADMIN_GROUP));
}

/** Every POST: refused when the browser says it comes from another site. */
function refuseCrossSite(event: APIGatewayProxyEventV2): void {
  if (fromAnotherSite(event))
    throw Problems.forbidden('this form was sent from another site; open the page here and send it again');
}

function formExpired(): HttpProblem {
  return Problems.forbidden('the form has expired or did not come from this site; open the page again and resend it');
}

const pages = { problemResponse: (problem: HttpProblem) => problemPage(problem) };

// ---------------------------------------------------------------------------------------------
// Sign in and out

/** Where to go after signing in: a local path, never the sign-in pages themselves. */
function afterSignIn(next: string | undefined, username: string): string {
  if (next && isLocalPath(next) && !/^\/sign-(in|out)\b/.test(next)) return next;
  return `/people/${encodeURIComponent(username)}`;
}

async function showSignIn(event: APIGatewayProxyEventV2, next: string | undefined): Promise<HttpResponse> {
  const { session, cookies } = await visitorSession(event);
  const pre = preSessionToken(event);
  return htmlPage(200, signInPage({ formToken: pre.token, next, session }), { cookies: [...cookies, ...pre.cookies] });
}

async function signIn(event: APIGatewayProxyEventV2, rawBody: string): Promise<HttpResponse> {
  refuseCrossSite(event);
  const form = singleFormValues(parseFormBody(event, rawBody));
  const next = form.next;
  const again = (status: number, problem: string, headers: Record<string, string> = {}) => {
    const pre = preSessionToken(event);
    return htmlPage(status, signInPage({ formToken: pre.token, username: form.username, next, problem }), {
      cookies: pre.cookies,
      headers,
    });
  };
  if (!preSessionTokenMatches(event, form.csrf)) return again(403, 'The form had expired. Please sign in again.');
  if (!form.username || !form.password) return again(400, 'Enter your username and your password.');
  try {
    const tokens = await signInWithPassword({
      username: form.username,
      password: form.password,
      clientAddress: event.requestContext.http.sourceIp,
    });
    return redirect(afterSignIn(next, form.username), { cookies: sessions.started(tokens) });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.kind === 'unauthenticated') return again(400, 'Incorrect username or password.');
    if (error.kind === 'rate-limited') {
      const retry = String((error as DomainError & { retryAfterSeconds?: number }).retryAfterSeconds ?? 60);
      return again(429, 'Too many failed sign-ins. Please wait a while before trying again.', { 'retry-after': retry });
    }
    if (error.kind === 'forbidden') return again(403, error.message);
    throw error;
  }
}

async function signOut(event: APIGatewayProxyEventV2, rawBody: string): Promise<HttpResponse> {
  refuseCrossSite(event);
  const form = singleFormValues(parseFormBody(event, rawBody));
  // Revokes the refresh token, then deletes the cookies; checking the form token needs no pool.
  const cookies = await sessions.signedOut(event, form.csrf);
  if (!cookies) throw formExpired();
  return redirect('/people', { cookies });
}

// ---------------------------------------------------------------------------------------------
// People and profiles

async function showPeople(event: APIGatewayProxyEventV2, query: { q?: string; cursor?: string }): Promise<HttpResponse> {
  const { session, cookies } = await visitorSession(event);
  const q = query.q?.trim() ?? '';
  const found = await searchPeople(peoplePorts(), { ...(q && { q }), ...(query.cursor && { cursor: query.cursor }) });
  return htmlPage(200, peoplePage({ q, items: found.items, next: found.next, session }), {
    cookies,
    headers: { 'x-eventline-read-from': found.from },
  });
}

async function showProfile(event: APIGatewayProxyEventV2, username: string, saved: boolean): Promise<HttpResponse> {
  const { session, cookies } = await visitorSession(event);
  const canEdit = mayEdit(session, username);
  let profile: Profile;
  let from: string;
  try {
    ({ profile, from } = await readProfile(peoplePorts(), username));
  } catch (error) {
    if (error instanceof NotFound) return htmlPage(404, noProfilePage(username, canEdit, session), { cookies });
    throw error;
  }
  const nonce = newNonce();
  return htmlPage(200, profilePage({ profile, canEdit, saved, session, nonce }), {
    cookies,
    nonce,
    headers: { 'x-eventline-read-from': from },
  });
}

/** The signed-in owner or admin, or the answer that stops the request. */
async function editor(
  event: APIGatewayProxyEventV2,
  username: string,
): Promise<{ session: WebSession; cookies: readonly string[] } | HttpResponse> {
  const { session, cookies } = await sessions.read(event);
  if (!session) {
    if (event.requestContext.http.method === 'GET') {
      const next = `/people/${encodeURIComponent(username)}/edit`;
      return redirect(`/sign-in?next=${encodeURIComponent(next)}`, { cookies });
    }
    return problemPage(Problems.forbidden('you are not signed in (any more); sign in and send the form again'), cookies);
  }
  if (!mayEdit(session, username)) {
    return problemPage(Problems.forbidden("only the profile's owner or an admin may change it"), cookies);
  }
  return { session, cookies };
}

const isResponse = (value: object): value is HttpResponse => 'statusCode' in value;

async function showEditForm(event: APIGatewayProxyEventV2, username: string): Promise<HttpResponse> {
  const who = await editor(event, username);
  if (isResponse(who)) return who;
  let values: Partial<Record<keyof ProfileFields, string>> = {};
  let creating = false;
  try {
    const { profile } = await readProfile(peoplePorts(), username);
    values = Object.fromEntries(
      PROFILE_FIELD_NAMES.flatMap((name) => (profile[name] === undefined ? [] : [[name, String(profile[name])]])),
    );
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    creating = true;
  }
  return htmlPage(200, editPage({ username, values, errors: {}, creating, session: who.session }), { cookies: who.cookies });
}

const REQUIRED_MESSAGES: Partial<Record<keyof ProfileFields, string>> = {
  firstName: 'Enter a first name',
  lastName: 'Enter a last name',
};

/**
 * The form's values as the profile's fields: an empty field is an unset one (the API's "absent"),
 * line breaks as `\n` (browsers send `\r\n`, which `maxlength` counted as one character).
 */
function fieldsOfForm(form: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of PROFILE_FIELD_NAMES) {
    const value = form[name]?.replace(/\r\n?/g, '\n');
    if (value !== undefined && value.trim() !== '') fields[name] = value;
  }
  return fields;
}

async function saveEditForm(event: APIGatewayProxyEventV2, username: string, rawBody: string): Promise<HttpResponse> {
  refuseCrossSite(event);
  const form = singleFormValues(parseFormBody(event, rawBody));
  const who = await editor(event, username);
  if (isResponse(who)) return who;
  if (!formTokenMatches(who.session, form.csrf)) throw formExpired();
  const unknown = Object.keys(form).filter((name) => name !== 'csrf' && !(PROFILE_FIELD_NAMES as string[]).includes(name));
  if (unknown.length > 0) {
    throw Problems.validation(
      `the form has fields a profile has not: ${unknown.slice(0, 5).join(', ')}`,
      unknown.map((name) => ({ path: `body.${name}`, message: 'is not allowed' })),
    );
  }
  const values = Object.fromEntries(PROFILE_FIELD_NAMES.map((name) => [name, form[name] ?? '']));
  const again = (
    status: number,
    errors: Partial<Record<keyof ProfileFields, string>>,
    formProblem?: string,
    headers: Record<string, string> = {},
  ) =>
    htmlPage(status, editPage({ username, values, errors, formProblem, creating: false, session: who.session }), {
      cookies: who.cookies,
      headers,
    });

  const parsed = profileFieldsSchema.safeParse(fieldsOfForm(form));
  if (!parsed.success) {
    const errors: Partial<Record<keyof ProfileFields, string>> = {};
    for (const issue of parsed.error.issues) {
      const name = issue.path[0] as keyof ProfileFields;
      if (errors[name] === undefined)
        errors[name] = form[name]?.trim() ? issue.message : (REQUIRED_MESSAGES[name] ?? issue.message);
    }
    return again(400, errors);
  }
  try {
    await saveProfile(peoplePorts(), username, parsed.data);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'unavailable') {
      logger.warn('profile form not saved: the people log is unavailable', { reason: error.message });
      return again(503, {}, 'Your profile could not be saved just now. Please try again in a moment.', { 'retry-after': '2' });
    }
    throw error;
  }
  return redirect(`/people/${encodeURIComponent(username)}?saved=1`, { cookies: who.cookies });
}

export const handler = httpRouter([
  on(homePageRoute, async () => redirect('/people', { status: 302 }), pages),
  on(signInPageRoute, async ({ event, query }) => showSignIn(event, query?.next), pages),
  on(signInRoute, async ({ event, rawBody }) => signIn(event, rawBody), pages),
  on(signOutRoute, async ({ event, rawBody }) => signOut(event, rawBody), pages),
  on(peoplePageRoute, async ({ event, query }) => showPeople(event, query ?? {}), pages),
  on(profilePageRoute, async ({ event, path, query }) => showProfile(event, path.username, query?.saved === '1'), pages),
  on(editPageRoute, async ({ event, path }) => showEditForm(event, path.username), pages),
  on(saveProfilePageRoute, async ({ event, path, rawBody }) => saveEditForm(event, path.username, rawBody), pages),
  on(searchScriptRoute, async () => asset('text/javascript', SEARCH_SCRIPT), pages),
  on(styleSheetRoute, async () => asset('text/css', STYLE_SHEET), pages),
]);
