/**
 * A real headless Chromium for the browser tests (test/browser) and `npm run screenshots`:
 * Debian's `chromium` package (scripts/services/chromium.sh installs it), driven by
 * playwright-core. Each launch gets a fresh, empty profile: Playwright makes a temporary
 * user-data-dir per launch and removes it on close, so no cookie or cache survives a run.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run \`bash scripts/services/chromium.sh\` (npm run services:up does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
