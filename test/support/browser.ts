/**
 * A real headless Chromium for the browser tests and the screenshots: Debian's `chromium`
 * package (scripts/services/chromium.sh installs it), driven by playwright-core. Each launch gets
 * a fresh, empty profile directory (Playwright creates a temporary user-data-dir per launch and
 * removes it on close), so no cookie or cache survives from one run to the next.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

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

/** What has the keyboard focus: its tag, id, name, text (for assertions and failure messages). */
export async function focused(page: Page): Promise<{ tag: string; id: string; name: string; text: string; href: string }> {
  // A string, evaluated in the page (this project compiles without the DOM's types).
  return page.evaluate(`(() => {
    const el = document.activeElement;
    return {
      tag: el ? el.tagName.toLowerCase() : '',
      id: (el && el.id) || '',
      name: (el && el.getAttribute('name')) || '',
      text: ((el && el.textContent) || '').trim().slice(0, 80),
      href: (el && el.getAttribute('href')) || '',
    };
  })()`);
}

/** Evaluates `expression` in the page (a string: this project compiles without the DOM's types). */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/**
 * Presses Tab until the focused element matches `selector` (at most `maxPresses`): how a
 * keyboard user reaches a control. Fails naming every element the focus passed through.
 */
export async function tabTo(page: Page, selector: string, maxPresses = 60): Promise<void> {
  const passed: string[] = [];
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await inPage<boolean>(page, `document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    const f = await focused(page);
    passed.push(`${f.tag}#${f.id}[${f.name}] ${f.text || f.href}`);
  }
  throw new Error(`Tab never reached ${selector}; focus went through:\n${passed.join('\n')}`);
}
