/**
 * The mails' text and HTML. Every value that comes from a request goes into the HTML through
 * the `html` tag below, which escapes it: a title like `<script>` is shown, never run.
 */
import type { MailRequest } from './mail-request';

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** HTML that is already safe (built by `html`). */
class Markup {
  constructor(readonly value: string) {}
}

/** A template literal whose values are escaped, unless they are `Markup` themselves. */
function html(strings: TemplateStringsArray, ...values: readonly (string | Markup)[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += (value instanceof Markup ? value.value : escapeHtml(value)) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/**
 * An instant as people in `timeZone` read it: `Friday, 1 March 2024 at 18:00 (Europe/Warsaw)`,
 * always English (British order) and 24-hour, whatever the sender's locale.
 */
export function formatInstant(iso: string, timeZone: string): string {
  const local = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full', timeStyle: 'short', hourCycle: 'h23' });
  return `${local.format(new Date(iso))} (${timeZone})`;
}

function page(title: string, body: Markup): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: sans-serif; line-height: 1.5">
${body}
<p>The Eventline team</p>
</body></html>
`.value;
}

const signature = '\nThe Eventline team\n';

function welcome({ username }: { username: string }): RenderedMail {
  const subject = `Welcome to Eventline, ${username}`;
  const pitch =
    'Your account is ready: find happenings by topic, time and place, and we will remind you before the ones you care about start.';
  return {
    subject,
    text: `Hello ${username},\n\nwelcome to Eventline! ${pitch}\n${signature}`,
    html: page(subject, html`<p>Hello ${username},</p>\n<p>welcome to Eventline! ${pitch}</p>`),
  };
}

type ReminderData = Extract<MailRequest, { template: 'reminder' }>['data'];

function reminder(data: ReminderData): RenderedMail {
  const when = formatInstant(data.startsAt, data.timeZone);
  const moved = data.movedFrom
    ? `This happening has been moved: it was to start ${formatInstant(data.movedFrom, data.timeZone)}.`
    : '';
  const subject = `Reminder: ${data.title}, ${when}`;
  return {
    subject,
    text: [
      'Hello,',
      '',
      `this is your reminder of "${data.title}".`,
      '',
      `When: ${when}`,
      `Where: ${data.place}`,
      ...(moved ? ['', moved] : []),
      signature,
    ].join('\n'),
    html: page(
      subject,
      html`<p>Hello,</p>
<p>this is your reminder of <strong>${data.title}</strong>.</p>
<p>When: ${when}<br>
Where: ${data.place}</p>${moved ? html`\n<p>${moved}</p>` : ''}`,
    ),
  };
}

/** The subject, text and HTML of a request's mail. */
export function renderMail(request: MailRequest): RenderedMail {
  switch (request.template) {
    case 'welcome':
      return welcome(request.data);
    case 'reminder':
      return reminder(request.data);
  }
}
