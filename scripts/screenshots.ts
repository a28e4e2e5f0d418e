/**
 * `npm run screenshots`: a picture of each people page in docs/screenshots/, taken in headless
 * Chromium (scripts/chromium.ts) from `npm start` (embedded backend) filled with a few people.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { eventually, startRuntimeProcess } from './local-runtime/spawn-runtime';

const OUT = path.resolve(__dirname, '..', 'docs', 'screenshots');
const PASSWORD = 'Correct-Horse-9';

const PEOPLE: { username: string; profile: Record<string, string> }[] = [
  {
    username: 'ada',
    profile: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      country: 'GB',
      birthday: '1990-12-10',
      occupation: 'Analyst of engines',
      relationshipStatus: 'married',
      mobileNumber: '+44 20 7946 0018',
      description: 'Writes programs for machines that do not exist yet.\nLikes poetry, mathematics and horses.',
      mood: 'Curious',
      journal: 'Day 1: notes on the analytical engine.\nDay 2: more notes.',
      background: '#6a1b9a',
    },
  },
  { username: 'grace', profile: { firstName: 'Grace', lastName: 'Hopper', country: 'US', mood: 'Debugging' } },
  { username: 'greta', profile: { firstName: 'Greta', lastName: 'Garbo', country: 'SE', mood: 'Alone' } },
  { username: 'alan', profile: { firstName: 'Alan', lastName: 'Turing', country: 'GB' } },
];

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const runtime = await startRuntimeProcess({ EVENTLINE_BACKEND: 'embedded' });
  const browser = await launchChromium();
  try {
    const api = async (method: string, url: string, body: unknown, token?: string) => {
      const res = await fetch(`${runtime.url}${url}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    for (const { username, profile } of PEOPLE) {
      await api('POST', '/v1/accounts', { username, email: `${username}@example.com`, password: PASSWORD });
      const { accessToken } = await api('POST', '/v1/sessions', { username, password: PASSWORD });
      await api('PUT', `/v1/people/${username}`, profile, accessToken as string);
    }
    await eventually(async () => {
      const res = await fetch(`${runtime.url}/v1/people?q=gr`);
      return ((await res.json()) as { items: unknown[] }).items.length >= 2 ? true : undefined;
    }, 30_000);

    const context = await browser.newContext({ baseURL: runtime.url, viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    const shot = async (name: string, target: Page = page) => {
      await target.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
      console.log(`wrote docs/screenshots/${name}.png`);
    };

    await page.goto('/sign-in');
    await shot('sign-in');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/people/ada');
    await shot('profile');

    await page.goto('/people');
    await page.getByLabel('Name').pressSequentially('gr', { delay: 50 });
    await page.locator('#search-status', { hasText: 'found for' }).waitFor();
    await shot('search');

    await page.goto('/people/ada/edit');
    await page.getByLabel('Background colour').fill('purple');
    await page.getByLabel('Mobile number').fill('call me');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.locator('#background-error').waitFor();
    await shot('edit-profile-errors');

    await page.goto('/people/nobody-here');
    await shot('not-found');
    await context.close();
  } finally {
    await browser.close();
    await runtime.stop();
  }
}

main().catch((error) => {
  console.error(`screenshots failed: ${(error as Error).message}`);
  process.exit(1);
});
