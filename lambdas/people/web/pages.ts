/**
 * The pages themselves, as functions of what they show: no I/O here. Every value from a client
 * or a store enters through `html` interpolation (escaped); the only `raw` text is the profile
 * banner's colour rule, emitted after the colour matched `#rrggbb`.
 */
import { type Html, html } from '../../platform/http/html';
import type { WebSession } from '../../platform/http/web-session';
import {
  COUNTRY_CODES,
  DESCRIPTION_MAX,
  EMAIL_MAX,
  JOURNAL_MAX,
  MOOD_MAX,
  NAME_MAX,
  OCCUPATION_MAX,
  type PersonSummary,
  PHONE_MAX,
  PICTURE_URL_MAX,
  type Profile,
  type ProfileFields,
  RELATIONSHIP_STATUSES,
  type RelationshipStatus,
} from '../domain/profile';
import { framed } from './layout';

/**
 * The English names of countries. Made by the first page that shows a country (a profile with
 * one, the form), not when the module loads: creating an `Intl.DisplayNames` loads ICU data, a
 * large part of the web function's cold start that sign-in, search and most pages never use.
 */
let regionNames: Intl.DisplayNames | undefined;

export function countryName(code: string): string {
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  return regionNames.of(code) ?? code;
}

interface Country {
  readonly code: string;
  readonly name: string;
}

let countriesByName: readonly Country[] | undefined;

/** Countries by English name, for the form's list (sorted once, by the first form shown). */
function countries(): readonly Country[] {
  countriesByName ??= [...COUNTRY_CODES]
    .map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return countriesByName;
}

export const RELATIONSHIP_LABELS: Record<RelationshipStatus, string> = {
  single: 'Single',
  in_a_relationship: 'In a relationship',
  engaged: 'Engaged',
  married: 'Married',
  its_complicated: "It's complicated",
  separated: 'Separated',
  divorced: 'Divorced',
  widowed: 'Widowed',
  prefer_not_to_say: 'Prefer not to say',
};

// ---------------------------------------------------------------------------------------------
// Sign in

export interface SignInView {
  readonly formToken: string;
  readonly username?: string;
  readonly next?: string;
  /** Why the last attempt failed, shown above the form (and announced). */
  readonly problem?: string;
  readonly session?: WebSession;
}

export function signInPage(view: SignInView): Html {
  const main = view.session
    ? html`<h1>Sign in</h1>
<p>You are signed in as ${view.session.principal.username}.
<a href="/people/${encodeURIComponent(view.session.principal.username)}">Go to your profile</a>.</p>`
    : html`<h1>Sign in</h1>
${view.problem && html`<div class="error-summary" role="alert"><p id="sign-in-error">${view.problem}</p></div>`}
<form method="post" action="/sign-in" novalidate${view.problem ? html` aria-describedby="sign-in-error"` : ''}>
<input type="hidden" name="csrf" value="${view.formToken}">
${view.next && html`<input type="hidden" name="next" value="${view.next}">`}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required
  value="${view.username ?? ''}"${view.problem ? html` aria-invalid="true"` : ''}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${view.problem ? html` aria-invalid="true"` : ''}>
<button type="submit">Sign in</button>
</form>
<p>No account yet? Sign up through the API: <code>POST /v1/accounts</code>.</p>`;
  return framed({ title: 'Sign in', session: view.session }, main);
}

// ---------------------------------------------------------------------------------------------
// Find people

export interface PeopleView {
  readonly q: string;
  readonly items: readonly PersonSummary[];
  readonly next?: string;
  readonly session?: WebSession;
}

export function foundText(count: number, more: boolean, q: string): string {
  const found = count === 0 ? 'No one found' : count === 1 ? '1 person found' : `${count}${more ? '+' : ''} people found`;
  return q ? `${found} for “${q}”` : found;
}

export function peoplePage(view: PeopleView): Html {
  const nextHref = view.next
    ? `/people?${new URLSearchParams({ ...(view.q ? { q: view.q } : {}), cursor: view.next }).toString()}`
    : '/people';
  const main = html`<h1>Find people</h1>
<form id="people-search" class="search-form" role="search" method="get" action="/people">
<label for="q">Name</label>
<span class="hint visually-hidden" id="q-hint">Results update as you type.</span>
<input type="search" id="q" name="q" value="${view.q}" autocomplete="off" spellcheck="false" aria-describedby="q-hint" aria-controls="results">
<button type="submit">Search</button>
</form>
<p id="search-status" role="status" aria-live="polite" aria-atomic="true">${foundText(view.items.length, Boolean(view.next), view.q)}</p>
<ul id="results" aria-label="People">
${view.items.map(
  (person) => html`<li><a href="/people/${encodeURIComponent(person.username)}">${person.firstName} ${person.lastName}</a>
<span class="username">@${person.username}</span>${person.mood && html`<span class="mood">${person.mood}</span>`}</li>`,
)}
</ul>
<a id="more" href="${nextHref}"${view.next ? '' : html` hidden`}>More people</a>`;
  return framed(
    { title: view.q ? `“${view.q}” – Find people` : 'Find people', session: view.session, scripts: ['/assets/people-search.js'] },
    main,
  );
}

// ---------------------------------------------------------------------------------------------
// A profile

export interface ProfileView {
  readonly profile: Profile;
  readonly canEdit: boolean;
  readonly saved: boolean;
  readonly session?: WebSession;
  readonly nonce: string;
}

const COLOUR = /^#[0-9a-fA-F]{6}$/;

export function profilePage(view: ProfileView): Html {
  const p = view.profile;
  const name = `${p.firstName} ${p.lastName}`;
  const row = (label: string, value: Html | string | undefined) =>
    value !== undefined && value !== '' && html`<dt>${label}</dt><dd>${value}</dd>`;
  const background = p.background && COLOUR.test(p.background) ? p.background : undefined;
  const main = html`${view.saved && html`<p class="notice" role="status">Your profile was saved.</p>`}
<div class="profile-head">
${p.pictureUrl && html`<img src="${p.pictureUrl}" alt="Picture of ${name}" referrerpolicy="no-referrer">`}
<div>
<h1>${name}</h1>
<p class="username">@${p.username}</p>
${p.mood && html`<p><span class="visually-hidden">Mood: </span><em>${p.mood}</em></p>`}
</div>
</div>
${background && html`<div class="banner" aria-hidden="true"></div>`}
${view.canEdit && html`<p><a class="button" href="/people/${encodeURIComponent(p.username)}/edit">Edit profile</a></p>`}
<h2>About</h2>
<dl class="fields">
${row('Email', p.email && html`<a href="mailto:${p.email}">${p.email}</a>`)}
${row('Country', p.country && countryName(p.country))}
${row('Birthday', p.birthday)}
${row('Occupation', p.occupation)}
${row('Relationship', p.relationshipStatus && RELATIONSHIP_LABELS[p.relationshipStatus])}
${row('Mobile', p.mobileNumber)}
${row('Phone', p.phoneNumber)}
${row('Background colour', background)}
</dl>
${p.description && html`<h2>Description</h2><p class="long-text">${p.description}</p>`}
${p.journal && html`<h2>Journal</h2><p class="long-text">${p.journal}</p>`}
<p class="hint">Updated ${p.updatedAt.slice(0, 16).replace('T', ' ')} UTC</p>`;
  return framed(
    {
      title: name,
      session: view.session,
      ...(background && { style: { nonce: view.nonce, rules: `.banner{background:${background}}` } }),
    },
    main,
  );
}

export function noProfilePage(username: string, canEdit: boolean, session: WebSession | undefined): Html {
  return framed(
    { title: 'No such profile', session },
    html`<h1>No profile of ${username}</h1>
<p>${canEdit ? 'You have no profile yet.' : 'Nobody has a profile under this name, or it was deleted.'}</p>
${canEdit ? html`<p><a class="button" href="/people/${encodeURIComponent(username)}/edit">Create your profile</a></p>` : html`<p><a href="/people">Find people</a></p>`}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The profile form

type FieldName = keyof ProfileFields;

interface FieldSpec {
  readonly name: FieldName;
  readonly label: string;
  readonly kind: 'text' | 'email' | 'tel' | 'url' | 'date' | 'textarea' | 'country' | 'relationship';
  readonly max?: number;
  readonly hint?: string;
  readonly autocomplete?: string;
  readonly required?: boolean;
}

export const FORM_FIELDS: readonly { readonly legend: string; readonly fields: readonly FieldSpec[] }[] = [
  {
    legend: 'Name',
    fields: [
      { name: 'firstName', label: 'First name', kind: 'text', max: NAME_MAX, autocomplete: 'given-name', required: true },
      { name: 'lastName', label: 'Last name', kind: 'text', max: NAME_MAX, autocomplete: 'family-name', required: true },
    ],
  },
  {
    legend: 'Contact',
    fields: [
      { name: 'email', label: 'Email', kind: 'email', max: EMAIL_MAX, autocomplete: 'email' },
      {
        name: 'mobileNumber',
        label: 'Mobile number',
        kind: 'tel',
        max: PHONE_MAX,
        autocomplete: 'tel',
        hint: 'Digits, spaces, dashes and parentheses, with an optional leading +.',
      },
      {
        name: 'phoneNumber',
        label: 'Phone number',
        kind: 'tel',
        max: PHONE_MAX,
        hint: 'Digits, spaces, dashes and parentheses, with an optional leading +.',
      },
    ],
  },
  {
    legend: 'About you',
    fields: [
      { name: 'country', label: 'Country', kind: 'country', autocomplete: 'country' },
      { name: 'birthday', label: 'Birthday', kind: 'date', autocomplete: 'bday', hint: 'A date such as 1990-04-21.' },
      { name: 'occupation', label: 'Occupation', kind: 'text', max: OCCUPATION_MAX, autocomplete: 'organization-title' },
      { name: 'relationshipStatus', label: 'Relationship status', kind: 'relationship' },
      { name: 'mood', label: 'Mood', kind: 'text', max: MOOD_MAX },
      { name: 'description', label: 'Description', kind: 'textarea', max: DESCRIPTION_MAX },
      { name: 'journal', label: 'Journal', kind: 'textarea', max: JOURNAL_MAX },
    ],
  },
  {
    legend: 'Appearance',
    fields: [
      {
        name: 'pictureUrl',
        label: 'Picture URL',
        kind: 'url',
        max: PICTURE_URL_MAX,
        hint: 'The https address of a picture of you.',
      },
      { name: 'background', label: 'Background colour', kind: 'text', max: 7, hint: 'A colour #rrggbb, such as #1e90ff.' },
    ],
  },
];

export interface EditView {
  readonly username: string;
  /** What the fields show: the stored profile, or what was sent. */
  readonly values: Readonly<Partial<Record<FieldName, string>>>;
  /** A problem per field, shown beside it. */
  readonly errors: Readonly<Partial<Record<FieldName, string>>>;
  /** A problem of the whole form (e.g. the write could not be taken). */
  readonly formProblem?: string;
  readonly creating: boolean;
  readonly session: WebSession;
}

function fieldControl(field: FieldSpec, value: string, error: string | undefined): Html {
  const describedBy = [field.hint && `${field.name}-hint`, error && `${field.name}-error`].filter(Boolean).join(' ');
  const common = html`id="${field.name}" name="${field.name}"${describedBy ? html` aria-describedby="${describedBy}"` : ''}${
    error ? html` aria-invalid="true"` : ''
  }${field.required ? html` required aria-required="true"` : ''}${field.autocomplete ? html` autocomplete="${field.autocomplete}"` : ''}`;
  switch (field.kind) {
    case 'textarea':
      return html`<textarea ${common} maxlength="${field.max}" rows="${field.name === 'journal' ? 8 : 4}">${value}</textarea>`;
    case 'country':
      return html`<select ${common}>
<option value="">Not set</option>
${countries().map((c) => html`<option value="${c.code}"${c.code === value ? html` selected` : ''}>${c.name}</option>`)}
</select>`;
    case 'relationship':
      return html`<select ${common}>
<option value="">Not set</option>
${RELATIONSHIP_STATUSES.map(
  (status) => html`<option value="${status}"${status === value ? html` selected` : ''}>${RELATIONSHIP_LABELS[status]}</option>`,
)}
</select>`;
    default:
      return html`<input type="${field.kind}" ${common} value="${value}"${field.max ? html` maxlength="${field.max}"` : ''}>`;
  }
}

export function editPage(view: EditView): Html {
  const problems = FORM_FIELDS.flatMap((group) => group.fields).filter((field) => view.errors[field.name]);
  const main = html`<h1>${view.creating ? 'Create your profile' : 'Edit profile'} <span class="username">@${view.username}</span></h1>
${
  (problems.length > 0 || view.formProblem) &&
  html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">${view.formProblem ?? (problems.length === 1 ? 'There is a problem' : `There are ${problems.length} problems`)}</h2>
<ul>${problems.map((field) => html`<li><a href="#${field.name}">${field.label}: ${view.errors[field.name]}</a></li>`)}</ul>
</div>`
}
<form method="post" action="/people/${encodeURIComponent(view.username)}/edit" novalidate>
<input type="hidden" name="csrf" value="${view.session.formToken}">
<p class="hint">First and last name are required; leave any other field empty to keep it unset.</p>
${FORM_FIELDS.map(
  (group) => html`<fieldset>
<legend>${group.legend}</legend>
${group.fields.map(
  (
    field,
  ) => html`<label for="${field.name}">${field.label}${field.required ? html` <span aria-hidden="true">*</span>` : ''}</label>
${field.hint && html`<span class="hint" id="${field.name}-hint">${field.hint}</span>`}
${fieldControl(field, view.values[field.name] ?? '', view.errors[field.name])}
${view.errors[field.name] && html`<p class="error" id="${field.name}-error">${view.errors[field.name]}</p>`}`,
)}
</fieldset>`,
)}
<button type="submit">Save profile</button>
<a href="/people/${encodeURIComponent(view.username)}">Cancel</a>
</form>`;
  return framed({ title: view.creating ? 'Create your profile' : `Edit profile @${view.username}`, session: view.session }, main);
}
