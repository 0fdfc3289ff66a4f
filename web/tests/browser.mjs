// Headless Chromium (Debian's, via playwright-core) for the tests and the benchmark.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.ATF_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Opens the site and waits for window.atf (or the page's start-up error). */
export async function openSite(browser, url, { consoleSink } = {}) {
  const page = await browser.newPage();
  page.on('console', (m) => consoleSink?.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleSink?.push(`pageerror: ${e.message}`));
  await page.goto(url);
  const state = await page.waitForFunction(() => (window.atf ? 'ready' : window.atfError ? `error: ${window.atfError}` : null), null, {
    timeout: 30000,
  });
  const s = await state.jsonValue();
  if (s !== 'ready') throw new Error(`site did not start: ${s}`);
  return page;
}
