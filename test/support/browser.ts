/**
 * Keyboard helpers for the browser tests (Chromium itself: scripts/chromium.ts).
 */
import type { Page } from 'playwright-core';

export { launchChromium } from '../../scripts/chromium';

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
