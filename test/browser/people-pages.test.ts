/**
 * The people web pages in a real headless Chromium (Debian's package, playwright-core), through
 * `npm start` in both backends: sign in, edit the profile, see the change; search by typing and
 * open the result; one whole flow with the keyboard only; a form without its token (or from
 * another site) refused; a profile holding markup shown as text; sign-out ends the session and
 * revokes its refresh token.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { apiClient } from '../support/api-client';
import { focused, inPage, launchChromium, tabTo } from '../support/browser';
import { servicesRun } from '../support/services-run';

const PASSWORD = 'Correct-Horse-9';

function describePages(backend: string, setup: () => { env: Record<string, string>; cleanup: () => Promise<void> }) {
  describe(`people web pages in Chromium (${backend})`, () => {
    const { env, cleanup } = setup();
    let runtime: RunningRuntime;
    let browser: Browser;
    const call = apiClient(() => runtime.url);
    const run = randomBytes(3).toString('hex');
    const ann = `ann-${run}`;
    const kim = `kim-${run}`;
    const bob = `bob-${run}`;
    const eve = `eve-${run}`;
    const bobSurname = `Quillfeather${run}`;

    async function signUp(username: string): Promise<string> {
      const res = await call('POST', '/v1/accounts', { username, email: `${username}@example.com`, password: PASSWORD });
      expect(res.status).toBe(201);
      const session = await call('POST', '/v1/sessions', { username, password: PASSWORD });
      return session.body.accessToken as string;
    }

    async function putProfile(username: string, token: string, fields: Record<string, string>): Promise<void> {
      const res = await call('PUT', `/v1/people/${username}`, fields, token);
      expect(res.status).toBe(202);
    }

    beforeAll(async () => {
      runtime = await startRuntimeProcess(env);
      browser = await launchChromium();
      await signUp(ann);
      await signUp(kim);
      await putProfile(bob, await signUp(bob), { firstName: 'Bob', lastName: bobSurname, mood: 'findable' });
      await putProfile(eve, await signUp(eve), {
        firstName: '<script>window.pwned = 1</script>',
        lastName: '<img src=x onerror="window.pwned = 2">',
        description: '</p><b>bold?</b> & "quotes"',
      });
      // Search is a projection: wait until the index (or MySQL) has Bob before anyone types.
      await eventually(
        async () => {
          const found = await call('GET', `/v1/people?q=${bobSurname}`);
          return (found.body.items as unknown[] | undefined)?.length ? true : undefined;
        },
        60_000,
        200,
        () => runtime.output(),
      );
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await runtime?.stop();
      await cleanup();
    }, 60_000);

    async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ baseURL: runtime.url });
      const page = await context.newPage();
      page.on('dialog', (dialog) => {
        throw new Error(`unexpected dialog: ${dialog.message()}`);
      });
      return { context, page };
    }

    const heading = async (page: Page) => (await page.getByRole('heading', { level: 1 }).textContent())?.trim();

    /** Waits until the search script has shown (and announced) the results of what was typed. */
    const typedResults = (page: Page) => page.locator('#search-status', { hasText: 'found for' }).waitFor({ timeout: 15_000 });

    async function signIn(page: Page, username: string): Promise<void> {
      await page.goto('/sign-in');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`**/people/${username}`);
    }

    it('signs in (cookies HttpOnly, Secure, SameSite=Lax), edits the profile and sees the change; problems beside their fields', async () => {
      const { context, page } = await freshPage();
      await page.goto('/sign-in');
      await page.getByLabel('Username').fill(ann);
      await page.getByLabel('Password').fill('Wrong-Pass-1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('Incorrect username or password.');
      expect(await page.getByLabel('Username').inputValue()).toBe(ann);

      await signIn(page, ann);
      const cookies = await context.cookies();
      const session = cookies.filter((c) => c.name.startsWith('__Host-eventline-'));
      expect(session.map((c) => c.name).sort()).toEqual(['__Host-eventline-access', '__Host-eventline-refresh']);
      for (const cookie of session) expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
      expect(await inPage(page, 'document.cookie')).toBe('');

      expect(await heading(page)).toBe(`No profile of ${ann}`);
      await page.getByRole('link', { name: 'Create your profile' }).click();
      await page.getByLabel('First name').fill('Ann');
      await page.getByLabel('Last name').fill('Lovelace');
      await page.getByLabel('Background colour').fill('blue');
      await page.getByLabel('Country').selectOption('PL');
      await page.getByRole('button', { name: 'Save profile' }).click();

      // Refused: the problem beside its field, described by it, the values kept.
      await page.locator('#background-error').waitFor();
      const colour = page.getByLabel('Background colour');
      expect(await colour.getAttribute('aria-invalid')).toBe('true');
      expect(await colour.getAttribute('aria-describedby')).toContain('background-error');
      expect(await page.locator('#background-error').textContent()).toBe('must be a colour #rrggbb');
      expect(await page.getByLabel('First name').inputValue()).toBe('Ann');
      expect(await page.getByLabel('Country').inputValue()).toBe('PL');
      expect(await page.getByRole('alert').textContent()).toContain('There is a problem');

      await colour.fill('#1e90ff');
      await page.getByLabel('Mood').fill('curious');
      await page.getByLabel('Description').fill('Line one\nLine two');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.waitForURL(`**/people/${ann}?saved=1`);
      expect(await page.getByRole('status').textContent()).toBe('Your profile was saved.');
      expect(await heading(page)).toBe('Ann Lovelace');
      expect(await page.locator('main').textContent()).toContain('curious');
      expect(await page.locator('main').textContent()).toContain('Poland');
      expect(await page.locator('.long-text').textContent()).toBe('Line one\nLine two');
      // The banner's colour came through the nonce'd style element (CSP has no 'unsafe-inline').
      expect(await inPage(page, "getComputedStyle(document.querySelector('.banner')).backgroundColor")).toBe('rgb(30, 144, 255)');
      await context.close();
    }, 60_000);

    it('searches as you type (GET /v1/people, announced in a live region) and opens the result', async () => {
      const { context, page } = await freshPage();
      await page.goto('/people');
      // A mark on this document: it survives only if typing never loaded another page.
      await inPage(page, 'window.sameDocument = true');
      const apiCalls: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/v1/people?')) apiCalls.push(request.url());
      });
      await page.getByLabel('Name').pressSequentially(bobSurname.toLowerCase(), { delay: 30 });
      await typedResults(page);
      const result = page.getByRole('link', { name: `Bob ${bobSurname}` });
      expect(await page.locator('#results a').count()).toBe(1);
      expect(await page.locator('#search-status').getAttribute('role')).toBe('status');
      expect(await page.locator('#search-status').textContent()).toMatch(/^1 person found for “/);
      expect(page.url()).toContain('/people?q=');
      expect(await inPage(page, 'window.sameDocument')).toBe(true);
      expect(apiCalls.length).toBeGreaterThan(0);
      await result.click();
      await page.waitForURL(`**/people/${bob}`);
      expect(await heading(page)).toBe(`Bob ${bobSurname}`);

      // Without JavaScript the same form works as a plain GET.
      const noScript = await browser.newContext({ baseURL: runtime.url, javaScriptEnabled: false });
      const plain = await noScript.newPage();
      await plain.goto('/people');
      await plain.getByLabel('Name').fill(bobSurname);
      await plain.getByRole('button', { name: 'Search' }).click();
      await plain.waitForURL(`**/people?q=${bobSurname}`);
      expect(await plain.getByRole('link', { name: `Bob ${bobSurname}` }).count()).toBe(1);
      await noScript.close();
      await context.close();
    }, 60_000);

    it('goes the whole way with the keyboard only: skip link, sign in, edit, save, search, open a result', async () => {
      const { context, page } = await freshPage();
      await page.goto('/sign-in');
      await page.keyboard.press('Tab');
      expect((await focused(page)).text).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect((await focused(page)).id).toBe('main');

      await tabTo(page, '#username');
      await page.keyboard.type(kim);
      await page.keyboard.press('Tab');
      expect((await focused(page)).id).toBe('password');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/people/${kim}`);

      await tabTo(page, 'a[href$="/edit"]');
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/people/${kim}/edit`);
      await tabTo(page, '#firstName');
      await page.keyboard.type('Kim');
      await page.keyboard.press('Tab');
      expect((await focused(page)).id).toBe('lastName');
      await page.keyboard.type('Keys');
      await tabTo(page, '#mood');
      await page.keyboard.type('no mouse needed');
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/people/${kim}?saved=1`);
      expect(await heading(page)).toBe('Kim Keys');
      expect(await page.locator('main').textContent()).toContain('no mouse needed');

      await tabTo(page, 'nav a[href="/people"]:not(.brand)');
      await page.keyboard.press('Enter');
      await page.waitForURL('**/people');
      await tabTo(page, '#q');
      await page.keyboard.type(bobSurname.slice(0, 9));
      await typedResults(page);
      await tabTo(page, `#results a[href="/people/${bob}"]`);
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/people/${bob}`);
      expect(await heading(page)).toBe(`Bob ${bobSurname}`);
      await context.close();
    }, 90_000);

    it("refuses a form without the session's token, or from another site (403), and changes nothing", async () => {
      const { context, page } = await freshPage();
      await signIn(page, ann);
      await page.goto(`/people/${ann}/edit`);
      const token = await page.locator('input[name=csrf]').first().inputValue();
      const form = { firstName: 'Mallory', lastName: 'Forged' };

      const without = await context.request.post(`/people/${ann}/edit`, { form, maxRedirects: 0 });
      expect(without.status()).toBe(403);
      expect(without.headers()['content-type']).toContain('text/html');
      const wrong = await context.request.post(`/people/${ann}/edit`, { form: { ...form, csrf: `${token}x` }, maxRedirects: 0 });
      expect(wrong.status()).toBe(403);
      const crossSite = await context.request.post(`/people/${ann}/edit`, {
        form: { ...form, csrf: token },
        headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        maxRedirects: 0,
      });
      expect(crossSite.status()).toBe(403);
      // Someone else's profile, even with a valid token: 403.
      const others = await context.request.post(`/people/${bob}/edit`, { form: { ...form, csrf: token }, maxRedirects: 0 });
      expect(others.status()).toBe(403);

      await page.goto(`/people/${ann}`);
      expect(await heading(page)).toBe('Ann Lovelace');
      await context.close();
    }, 60_000);

    it('shows markup in a profile as text: no script runs, nothing is injected', async () => {
      const { context, page } = await freshPage();
      await page.goto(`/people/${eve}`);
      expect(await heading(page)).toBe('<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2">');
      expect(await page.locator('.long-text').textContent()).toBe('</p><b>bold?</b> & "quotes"');
      expect(await inPage(page, 'window.pwned')).toBeUndefined();
      expect(await page.locator('main script, main img, main b').count()).toBe(0);
      expect(await inPage(page, "document.querySelectorAll('script:not([src])').length")).toBe(0);
      await context.close();
    }, 60_000);

    it('signs out: the cookies are gone, the refresh token is revoked, the edit page asks to sign in again', async () => {
      const { context, page } = await freshPage();
      await signIn(page, ann);
      const refreshToken = (await context.cookies()).find((c) => c.name === '__Host-eventline-refresh')?.value;
      expect(refreshToken).toEqual(expect.any(String));
      await page.getByRole('button', { name: /Sign out/ }).click();
      await page.waitForURL('**/people');
      expect((await context.cookies()).filter((c) => /access|refresh/.test(c.name))).toEqual([]);
      // A copy of the refresh token (taken before sign-out) gets no new access token.
      expect((await call('POST', '/v1/sessions/refresh', { refreshToken })).status).toBe(401);
      expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
      await page.goto(`/people/${ann}/edit`);
      await page.waitForURL(`**/sign-in?next=${encodeURIComponent(`/people/${ann}/edit`)}`);
      expect(await heading(page)).toBe('Sign in');
      await context.close();
    }, 60_000);
  });
}

describePages('embedded', () => ({ env: { EVENTLINE_BACKEND: 'embedded' }, cleanup: async () => {} }));
describePages('services', () => servicesRun('web'));
