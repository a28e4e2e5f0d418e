/**
 * The frame every page shares: language, title, the skip link, the site navigation (with the
 * sign-out form when signed in), one `main` landmark; and the page that answers a refusal or a
 * failure (the status the API would give, in words, never a stack).
 */

import { type Html, html, htmlPage, raw } from '../../platform/http/html';
import type { HttpResponse } from '../../platform/http/http-route';
import type { HttpProblem } from '../../platform/http/problem';
import type { WebSession } from '../../platform/http/web-session';

export const SITE_NAME = 'Eventline People';

export interface Frame {
  readonly title: string;
  readonly session?: WebSession;
  /** A nonce-carrying `<style>` element's rules (text the page validated itself). */
  readonly style?: { readonly nonce: string; readonly rules: string };
  readonly scripts?: readonly string[];
}

export function framed(frame: Frame, main: Html): Html {
  const { session } = frame;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · ${SITE_NAME}</title>
<link rel="stylesheet" href="/assets/people.css">
${frame.style && html`<style nonce="${frame.style.nonce}">${raw(frame.style.rules)}</style>`}
${(frame.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site">
<nav aria-label="Site">
<a class="brand" href="/people">${SITE_NAME}</a>
<a href="/people">Find people</a>
${
  session
    ? html`<a href="/people/${encodeURIComponent(session.principal.username)}">Your profile</a>
<form method="post" action="/sign-out">
<input type="hidden" name="csrf" value="${session.formToken}">
<button type="submit" class="link">Sign out <span class="visually-hidden">${session.principal.username}</span></button>
</form>`
    : html`<a href="/sign-in">Sign in</a>`
}
</nav>
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>
`;
}

const TITLES: Record<number, string> = {
  400: 'Something in the request is not right',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too much was sent',
  415: 'Not a form this site sends',
  429: 'Too many attempts',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/** The page of a refusal or failure: the problem's status and headers (e.g. Retry-After), in words. */
export function problemPage(problem: HttpProblem, cookies: readonly string[] = []): HttpResponse {
  const title = TITLES[problem.status] ?? (problem.status >= 500 ? TITLES[500] : TITLES[400]) ?? 'Error';
  const retry = problem.headers['retry-after'];
  return htmlPage(
    problem.status,
    framed(
      { title },
      html`<h1>${title}</h1>
<p>${problem.detail}</p>
${problem.errors && problem.errors.length > 0 && html`<ul>${problem.errors.map((e) => html`<li>${e.path}: ${e.message}</li>`)}</ul>`}
${retry && html`<p>Please try again in ${retry} seconds.</p>`}
<p><a href="/people">Go to the people page</a></p>`,
    ),
    { headers: problem.headers, cookies },
  );
}
