// The HTML report of a synthetic run opened in Chromium: what a person sees (satisfaction, a failing cell, the contamination flag, a transcript, the twins' fidelity per trial) and that nothing in it runs.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSummary, writeRun } from '../../harness/report/index.ts';
import { fidelityTrials } from '../harness/fidelity-trials.ts';
import { meta, mixedTrials } from '../harness/synthetic-trials.ts';
import { browserUnavailable, launchChromium } from '../support/browser.ts';

const unavailable = browserUnavailable();
if (unavailable) console.warn(`browser tests skipped: ${unavailable}`);

describe.skipIf(unavailable)('HTML report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  const dialogs: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'twins-report-browser-'));
    writeRun(dir, buildSummary(meta(), mixedTrials()));
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'report.html')).toString());
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the satisfaction figure with its interval', async () => {
    await expect(page.title()).resolves.toBe('twins report: incident-bot × reference');
    const card = page.locator('#satisfaction');
    expect(await card.locator('.figure').textContent()).toBe('58.3 %');
    expect(await card.textContent()).toMatch(/95 % interval \d+\.\d–\d+\.\d %/);
    expect(await card.textContent()).toContain('7 of 12 scenario-trials passed');
    expect(await page.locator('#pass-k tbody tr').count()).toBe(4);
  });

  it('shows a failing cell whose error opens on click and shows on hover', async () => {
    const cell = page.locator('td[data-scenario="canary-b"][data-trial="1"]');
    expect(await cell.getAttribute('class')).toBe('cell fail');
    expect(await cell.getAttribute('title')).toContain('expected alice among [bot]');
    const error = cell.locator('pre');
    expect(await error.isVisible()).toBe(false);
    await cell.locator('summary').click();
    expect(await error.isVisible()).toBe(true);
    // The error's markup is text, not elements.
    expect(await error.textContent()).toContain('within 5 s <b>bold</b> & more');
    expect(await cell.locator('b').count()).toBe(0);
    // The passing and agent-failed cells beside it.
    expect(await page.locator('td[data-scenario="canary-a"][data-trial="1"]').textContent()).toBe('✓');
    expect(await page.locator('td[data-scenario="canary-a"][data-trial="2"]').getAttribute('class')).toBe('cell error');
  });

  it('flags contamination big and red, with the hits', async () => {
    const banner = page.locator('#contamination');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.locator('h2').textContent()).toContain('CONTAMINATED: 1 of 4 trials saw holdout content');
    expect(await banner.textContent()).toContain('canary canary-c in the workspace (src/<evil>.js)');
    const style = await banner.evaluate((el) => {
      const s = getComputedStyle(el);
      return { background: s.backgroundColor, size: Number.parseFloat(getComputedStyle(el.querySelector('h2') as Element).fontSize) };
    });
    expect(style.background).toBe('rgb(207, 34, 46)');
    expect(style.size).toBeGreaterThanOrEqual(24);
    expect(await page.locator('#trial-3 .badge.contaminated').textContent()).toBe('CONTAMINATED');
    // The banner's link goes to the trial.
    await banner.getByRole('link', { name: 'Trial 3' }).click();
    expect(new URL(page.url()).hash).toBe('#trial-3');
  });

  it('shows a hostile transcript as text, and nothing in the page runs or loads', async () => {
    const transcript = page.locator('#trial-3 details.transcript');
    expect(await transcript.locator('pre').isVisible()).toBe(false);
    await transcript.locator('summary').click();
    const text = await transcript.locator('pre').textContent();
    expect(text).toContain('<script>window.__pwned = true; alert(1)</script> & done ]]>');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  });

  it('lists each trial with its failure, agent details and journal', async () => {
    expect(await page.locator('section.trial').count()).toBe(4);
    const t2 = page.locator('#trial-2');
    expect(await t2.locator('.failure').textContent()).toBe('Agent failure at stage "agent": the agent timed out after 600 s');
    expect(await t2.locator('table.facts').textContent()).toContain('timed out');
    const journal = page.locator('#trial-0 details.journal');
    await journal.locator('summary').click();
    expect(await journal.locator('tbody tr').first().textContent()).toContain('chat.postMessage');
  });

  it('writes JUnit XML that Chromium parses as XML', async () => {
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        suites: doc.querySelectorAll('testsuite').length,
        cases: doc.querySelectorAll('testcase').length,
        failure: doc.querySelector('testsuite[name="trial 1"] failure')?.getAttribute('message') ?? null,
      };
    }, xml);
    expect(parsed).toEqual({ error: null, suites: 4, cases: 13, failure: 'Then "#inc-1" has member "alice"' });
  });
});

describe.skipIf(unavailable)('HTML report in Chromium: how far to trust the twins', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'twins-report-fidelity-browser-'));
    writeRun(dir, buildSummary(meta({ trialsRequested: 3 }), await fidelityTrials()));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, 'report.html')).toString());
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows each trial's operations table with calls, implemented, limitations, SDK tests and trusted", async () => {
    const table = page.locator('#trial-0 table.fidelity');
    expect(await table.isVisible()).toBe(true);
    const headers = await table.locator('thead th').allTextContents();
    expect(headers).toEqual(['Twin', 'Operation', 'Calls', 'Implemented', 'Documented limitations', 'Official SDK tests', 'Trusted']);
    const post = table.locator('tr[data-operation="chat.postMessage"] td');
    const cells = await post.allTextContents();
    expect(cells.slice(0, 4)).toEqual(['slack', 'chat.postMessage', '3', 'yes']);
    expect(cells[5]).toContain('@slack/web-api');
    const open = await table.locator('tr[data-operation="conversations.open"] td').allTextContents();
    expect(open[4]).toContain('prevent_creation');
    expect(open[6]).toBe('no');
    expect(await table.locator('tr[data-operation="auth.test"] td').last().textContent()).toBe('yes');
    expect(await page.locator('#trial-0 h4').textContent()).toMatch(/^Twin fidelity: \d+\.\d % \(\d of 6 calls on trusted operations\)$/);
  });

  it('marks the trial graded on an unmodelled operation, and shows the run figure', async () => {
    expect(await page.locator('#trial-1 .badge.unmodelled').textContent()).toBe('GRADED ON AN UNMODELLED OPERATION');
    expect(await page.locator('#trial-0 .badge.unmodelled').count()).toBe(0);
    const row = page.locator('#trial-1 table.fidelity tr.unmodelled');
    expect(await row.locator('td').nth(1).textContent()).toBe('POST /api/admin.teams.create<b>');
    expect(await row.locator('td').nth(3).textContent()).toBe('unknown operation');
    expect(await row.locator('b').count()).toBe(0);
    const background = await row
      .locator('td')
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(255, 248, 197)');
    const card = page.locator('#fidelity');
    expect(await card.locator('.figure').textContent()).toMatch(/^\d+\.\d %$/);
    expect(await card.textContent()).toContain('1 graded on an unmodelled operation');
    expect(await page.locator('#trial-2 .fidelity-of-trial').textContent()).toContain('The app made no vendor call.');
  });
});
