// Keyboard-only use and a phone-width layout (issue 5: "works by keyboard, readable at 1280×800
// and on a phone width"), in headless Chromium. Every control used here is reached with Tab and
// operated with Enter / Space / arrow keys; nothing is clicked.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launch, openSite } from './browser.mjs';
import { startServer } from './server.mjs';

const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });

describe('keyboard and phone width', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer({ isolated: true });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Presses Tab (or Shift+Tab) until `selector` has focus; fails if it is not reachable. */
  async function tabTo(page, selector, { back = false, max = 150 } = {}) {
    for (let i = 0; i < max; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    }
    assert.fail(`${selector} is not reachable with ${back ? 'Shift+' : ''}Tab`);
  }

  test('an optimization by keyboard alone: tabs, fields, submit, ranked table, heatmap cell', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await openSite(ctx, `${server.url}?nostore`);
    await page.waitForSelector('body[data-ready="true"]');
    // The panel's run button has focus after start.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'nr-submit');
    await tabTo(page, '#nr-tab-optimization', { back: true });
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#nr-tab-optimization', 'aria-selected'), 'true');
    await tabTo(page, '#nr-strategy');
    await page.keyboard.press('ArrowDown'); // ema_cross follows sma_cross in the catalog
    await page.waitForSelector('#ax-fast-min');
    await tabTo(page, '#ax-fast-min');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('4');
    await tabTo(page, '#ax-fast-max');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('8');
    assert.match(await page.textContent('#nr-combos'), /combinations/);
    await tabTo(page, '#nr-submit');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="trials-table"] tbody tr[data-key]', { timeout: 60000 });
    // A ranked row opens its trial with Enter.
    await tabTo(page, '[data-testid="trials-table"] tbody tr[data-key]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="picked-trial"] h3:has-text("Trial #")');
    // The heatmap takes focus; arrows move between cells and Enter picks one.
    await tabTo(page, '[data-testid="heatmap"]', { back: true });
    const before = await page.textContent('[data-testid="picked-trial"] h3');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForFunction((b) => document.querySelector('[data-testid="picked-trial"] h3')?.textContent !== b, before);
    // Focus is always visible (an outline on :focus-visible).
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await page.screenshot({ path: `${SHOTS}keyboard-heatmap-focus.png` });
    await ctx.close();
  });

  test('a Pine script by keyboard alone: script mode, a template, an edit in the editor, Ctrl+Enter, the report', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await openSite(ctx, `${server.url}?nostore`);
    await page.waitForSelector('body[data-ready="true"]');
    await tabTo(page, '#nr-src-script', { back: true });
    await page.keyboard.press('Enter');
    await page.waitForSelector('.cm-content');
    // A template, chosen with the arrow keys, fills the editor (the template list is a select).
    await tabTo(page, '#nr-template');
    const initial = await page.textContent('.cm-content');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((t) => { const c = document.querySelector('.cm-content')?.textContent ?? ''; return c !== t && c.includes('strategy('); }, initial);
    const title = await page.evaluate(() => /strategy\("([^"]+)"/.exec(document.querySelector('.cm-content').textContent)?.[1]);
    assert.ok(title, 'the template declares a strategy title');
    // Into the editor with Tab; typing edits the script; Escape then Tab leaves it (Tab indents inside).
    await tabTo(page, '.cm-content');
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('// typed by keyboard');
    await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent?.includes('// typed by keyboard'));
    // (The first Escape closes the completion list typing may have opened.)
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.cm-editor') === null), true, 'Escape, Tab leaves the editor');
    // Back into it and Ctrl+Enter runs: the report opens with the script's title and its trades.
    await tabTo(page, '.cm-content', { back: true });
    await page.keyboard.press('ControlOrMeta+Enter');
    await page.waitForSelector(`article.report[data-kind="backtest"]:has-text("${title}")`, { timeout: 60000 });
    await page.waitForSelector('[data-testid="trades-table"] tbody tr');
    const run = await page.evaluate((id) => window.atf.getBacktestRun(id), await page.getAttribute('article.report', 'data-run'));
    assert.equal(run.status, 'Completed');
    assert.match(run.request.script, /\/\/ typed by keyboard\s*$/, 'the run used the edited text');
    await ctx.close();
  });

  test('at a phone width nothing overflows sideways and the panel, progress and report stack', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await openSite(ctx, `${server.url}?nostore`);
    await page.waitForSelector('body[data-ready="true"]');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(await overflow(), 0, 'the new-run page scrolls sideways');
    // The top bar's links and the mode badge are on screen.
    for (const sel of ['nav.top a[data-nav="data"]', '#mode']) {
      const box = await page.locator(sel).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${sel} is off screen: ${JSON.stringify(box)}`);
    }
    await page.selectOption('#nr-dataset', 'NVDA-1d-1999-2014.csv');
    await page.click('#nr-submit');
    await page.waitForSelector('article.report [data-testid="metric-cards"]', { timeout: 30000 });
    assert.equal(await overflow(), 0, 'the report scrolls sideways');
    const side = await page.locator('#side').boundingBox();
    const main = await page.locator('#main').boundingBox();
    assert.ok(main.y >= side.y + side.height - 1, 'the report is below the panel');
    await page.evaluate(() => document.querySelector('article.report').scrollIntoView());
    await page.screenshot({ path: `${SHOTS}phone-report.png` });
    await ctx.close();
  });
});
