import { type MailRequest, mailRequestSchema } from '../../lambdas/mail/domain/mail-request';
import { escapeHtml, formatInstant, renderMail } from '../../lambdas/mail/domain/templates';

const reminder = (data: Partial<Extract<MailRequest, { template: 'reminder' }>['data']> = {}): MailRequest => ({
  requestId: 'reminder/r1/2024-03-01T16:00:00.000Z',
  template: 'reminder',
  to: 'ada@example.com',
  ref: { kind: 'reminder', id: 'r1' },
  data: {
    title: 'Kraków meetup',
    startsAt: '2024-03-01T17:00:00.000Z',
    timeZone: 'Europe/Warsaw',
    place: 'Rynek Główny 1, Kraków',
    ...data,
  },
});

describe('mail templates', () => {
  it('greets the new user by name in the welcome mail', () => {
    const mail = renderMail({ requestId: 'welcome/ada', template: 'welcome', to: 'ada@example.com', data: { username: 'ada' } });
    expect(mail.subject).toBe('Welcome to Eventline, ada');
    expect(mail.text).toMatch(/^Hello ada,\n/);
    expect(mail.html).toContain('<p>Hello ada,</p>');
  });

  it("writes the reminder's start in the happening's own time zone, with its title and place", () => {
    const mail = renderMail(reminder());
    expect(mail.subject).toBe('Reminder: Kraków meetup, Friday, 1 March 2024 at 18:00 (Europe/Warsaw)');
    expect(mail.text).toContain('When: Friday, 1 March 2024 at 18:00 (Europe/Warsaw)\nWhere: Rynek Główny 1, Kraków\n');
    expect(mail.html).toContain('When: Friday, 1 March 2024 at 18:00 (Europe/Warsaw)');
    expect(mail.text).not.toContain('moved');
  });

  it.each([
    ['America/New_York', '2024-03-01T17:00:00Z', 'Friday, 1 March 2024 at 12:00 (America/New_York)'],
    ['Asia/Kolkata', '2024-03-01T17:00:00Z', 'Friday, 1 March 2024 at 22:30 (Asia/Kolkata)'],
    // The instant's own offset does not matter, only the happening's zone; midnight is 00:00.
    ['Europe/Warsaw', '2024-03-31T00:30:00+01:00', 'Sunday, 31 March 2024 at 00:30 (Europe/Warsaw)'],
    // Daylight saving time: the same UTC hour is 19:00 in Warsaw in summer.
    ['Europe/Warsaw', '2024-07-01T17:00:00Z', 'Monday, 1 July 2024 at 19:00 (Europe/Warsaw)'],
    ['UTC', '2024-12-31T23:59:00Z', 'Tuesday, 31 December 2024 at 23:59 (UTC)'],
  ])('formats an instant in %s', (zone, instant, expected) => {
    expect(formatInstant(instant, zone)).toBe(expected);
  });

  it('says when a moved happening was to start', () => {
    const mail = renderMail(reminder({ movedFrom: '2024-02-28T17:00:00Z' }));
    const line = 'This happening has been moved: it was to start Wednesday, 28 February 2024 at 18:00 (Europe/Warsaw).';
    expect(mail.text).toContain(line);
    expect(mail.html).toContain(`<p>${line}</p>`);
  });

  it('escapes every value in the HTML, and leaves the text as given', () => {
    const evil = `<script>alert("x")</script> & 'co'`;
    const mail = renderMail(reminder({ title: evil, place: '<b>here</b>', movedFrom: '2024-02-28T17:00:00Z' }));
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>here</b>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(mail.html).toContain('<title>Reminder: &lt;script&gt;');
    expect(mail.html).toContain('Where: &lt;b&gt;here&lt;/b&gt;');
    expect(mail.text).toContain(`"${evil}"`);

    const welcome = renderMail({ requestId: 'w', template: 'welcome', to: 'a@example.com', data: { username: '<i>&amp;</i>' } });
    expect(welcome.html).toContain('Hello &lt;i&gt;&amp;amp;&lt;/i&gt;,');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('mail request schema', () => {
  it('accepts welcome and reminder requests', () => {
    expect(mailRequestSchema.safeParse(reminder()).success).toBe(true);
    expect(mailRequestSchema.safeParse(reminder({ timeZone: 'UTC', movedFrom: '2024-02-28T17:00:00+01:00' })).success).toBe(true);
  });

  it.each([
    ['an unknown time zone', reminder({ timeZone: 'Mars/Olympus_Mons' })],
    ['a start that is no instant', reminder({ startsAt: '2024-03-01 18:00' })],
    ['a start without an offset', reminder({ startsAt: '2024-03-01T18:00:00' })],
    ['a title with a line break (a header injection in the subject)', reminder({ title: 'Hi\r\nBcc: x@example.com' })],
    ['a title with a lone surrogate', reminder({ title: 'a\ud800' })],
    ['an empty place', reminder({ place: '' })],
    ['a recipient that is no address', { ...reminder(), to: 'not-an-address' }],
    ['an unknown template', { ...reminder(), template: 'newsletter' }],
    ['a reminder shaped like a welcome', { ...reminder(), data: { username: 'ada' } }],
    ['an unknown field', { ...reminder(), cc: 'b@example.com' }],
    ['no request id', { ...reminder(), requestId: '' }],
  ])('refuses %s', (_label, request) => {
    expect(mailRequestSchema.safeParse(request).success).toBe(false);
  });
});
