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

/** Waits for window.atf on a page that is already navigating (survives the page's own reload). */
export async function waitForApp(page, { timeout = 30000 } = {}) {
  const state = await page.waitForFunction(() => (window.atf ? 'ready' : window.atfError ? `error: ${window.atfError}` : null), null, {
    timeout,
  });
  const s = await state.jsonValue();
  if (s !== 'ready') throw new Error(`site did not start: ${s}`);
  return page;
}
