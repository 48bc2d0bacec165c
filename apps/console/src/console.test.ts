/**
 * The console in a real browser (Debian's chromium, driven by playwright-core) against a real
 * stack: a test database, the ingress served on a local port, workers started when the scenario
 * wants them (so a step can be held back deterministically), log events at fixed past instants.
 * Screenshots of every screen, laptop and phone width, go to test-artifacts/console/ (ignored).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_PATTERNS, type LogEvent } from '@loglore/core';
import { switchOutage } from '@loglore/core/testing';
import { insertLogEvents, seedReferencePatterns } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { startWorker, type RunningWorker } from '@loglore/worker';
import { createTestIngress, type TestIngress } from '../../ingress/src/testing.ts';
import { createTestWorkerDeps } from '../../worker/src/testing.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/console');
const AT = '2026-11-25T10:30:00Z';
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const ALL_STEPS = ['params', 'similar', 'known_pattern', 'analysis', 'verification', 'completed'];

/** A burst of switch errors from 10:12 on (dense, then thinning), and noise in the hour before (the baseline). */
function incident(project: string): LogEvent[] {
  const burst = switchOutage(project, { from: '2026-11-25T10:12:00Z', offsetMs: (i) => i * i * 1_500 });
  const before = Array.from({ length: 6 }, (_, i) => ({
    ts: new Date(Date.parse('2026-11-25T09:05:00Z') + i * 300_000).toISOString(),
    project,
    env: 'prod',
    domain: 'transactions',
    service: 'npsb-gateway',
    level: 'info' as const,
    trace_id: randomBytes(8).toString('hex'),
    message: `transfer ${1000 + i} settled in 120 ms`,
    attrs: {},
  }));
  return [...before, ...burst];
}

/**
 * The browser's environment without libfaketime: the calendar guard (.ci/run) fakes the clock of
 * the test process and its children, and chromium under LD_PRELOAD'ed faketime never paints. The
 * clock under test is the server's; the browser only displays the instants it is given.
 */
function browserEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === 'LD_PRELOAD' || name.startsWith('FAKETIME') || name === 'DONT_FAKE_MONOTONIC') continue;
    env[name] = value;
  }
  return env;
}

interface Served {
  url: string;
  close(): Promise<void>;
}

async function listen(ingress: TestIngress): Promise<Served> {
  const server = serve({ fetch: ingress.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Skipped on a machine without chromium, except in CI (.ci/run installs it): there a missing
// browser fails the run instead of passing it silently.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('the web console in chromium', () => {
  let database: TestDatabase;
  let ingress: TestIngress;
  let keyed: TestIngress;
  let site: Served;
  let keyedSite: Served;
  let browser: Browser;
  let workerDeps: ReturnType<typeof createTestWorkerDeps>;
  const workers: RunningWorker[] = [];
  const project = `bank${randomBytes(3).toString('hex')}`;
  const offHost: string[] = [];
  let analysisId = '';
  let patternKey = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await createTestDatabase();
    await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
    await insertLogEvents(database.db, incident(project));
    ingress = createTestIngress(database.db);
    keyed = createTestIngress(database.db, { env: { LOGLORE_API_KEYS: `sesame=${project}` } });
    workerDeps = createTestWorkerDeps(database.db, ingress.prefix);
    site = await listen(ingress);
    keyedSite = await listen(keyed);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      env: browserEnv(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const worker of workers) await worker.close(5_000);
    await workerDeps?.close();
    await site?.close();
    await keyedSite?.close();
    await ingress?.close();
    await keyed?.close();
    await database?.drop();
    // Every request of every page went to this machine.
    expect(offHost).toEqual([]);
  });

  async function openPage(viewport = LAPTOP): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('request', (request) => {
      const { protocol, hostname } = new URL(request.url());
      if (protocol !== 'data:' && hostname !== '127.0.0.1' && hostname !== 'localhost') offHost.push(request.url());
    });
    return page;
  }

  async function shoot(page: Page, name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}-laptop.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    // A timeline is redrawn at the new width (its labels keep their size on a phone).
    await page.waitForFunction(() => {
      const svg = (globalThis as unknown as { document: { querySelector(q: string): { viewBox: { baseVal: { width: number } } } | null } }).document.querySelector('svg.timeline');
      return !svg || svg.viewBox.baseVal.width <= (globalThis as unknown as { innerWidth: number }).innerWidth;
    });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize(LAPTOP);
  }

  const stepsShown = (page: Page) => page.locator('ol.steps li').evaluateAll((items) => items.map((li) => `${li.getAttribute('data-step')}#${li.getAttribute('data-seq')}`));

  it('asks in a conversation, resumes after a reload mid-stream without losing or repeating a step, then answers', async () => {
    // Only the first two steps run for now: the analysis stops after `similar`, deterministically.
    workers.push(startWorker(workerDeps, { concurrency: 2, reconciler: false, only: ['extract-params', 'find-similar'] }));
    const page = await openPage();
    await page.goto(`${site.url}/`);
    await page.getByLabel('Project (optional)').fill(project);
    await shoot(page, 'chat-home');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.getByLabel('Question').waitFor();
    await page.getByText('Options').click();
    await page.getByLabel(/As of/).fill(AT);
    await page.getByLabel('Question').fill('NPSB transfers failing in prod since 10:00?');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.locator('li[data-step="similar"]').waitFor();
    expect(await stepsShown(page)).toEqual(['params#1', 'similar#2']);

    // A reload restores the thread from the API and follows the stream after the last step.
    await page.reload();
    await page.locator('li[data-step="similar"]').waitFor();
    expect(await stepsShown(page)).toEqual(['params#1', 'similar#2']);
    workers.push(startWorker(workerDeps, { concurrency: 2, reconciler: false, only: ['analyze', 'persist', 'pattern-stats'] }));
    await page.locator('[data-testid="answer"]').waitFor({ timeout: 20_000 });
    expect(await stepsShown(page)).toEqual(ALL_STEPS.map((s, i) => `${s}#${i + 1}`));
    const answer = page.locator('[data-testid="answer"]');
    expect(await answer.textContent()).toContain('PAYMENT_SWITCH_UNAVAILABLE');
    expect(await answer.locator('ul.traces li').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('ol.steps').getAttribute('aria-live')).toBe('polite');
    await shoot(page, 'chat-thread');

    // A follow-up in the same thread.
    await page.getByLabel('Question').fill('and in staging?');
    await page.getByRole('button', { name: 'Ask' }).click();
    await expect.poll(() => page.locator('article.turn').count()).toBe(2);
    await page.locator('article.turn').nth(1).locator('li[data-step="completed"]').waitFor({ timeout: 20_000 });

    await page.locator('article.turn').first().getByRole('link', { name: 'Open the evidence' }).click();
    analysisId = page.url().split('#/analyses/')[1] ?? '';
    expect(analysisId).toMatch(/^[0-9a-f-]{36}$/);
    await page.context().close();
  });

  it('shows the evidence of an analysis: timeline, templates, trace ids, scope; feedback moves the success rate', async () => {
    const page = await openPage();
    await page.goto(`${site.url}/#/analyses/${analysisId}`);
    await page.getByRole('heading', { name: 'Top error templates' }).waitFor();
    const traces = await page.locator('[data-testid="trace-ids"] li').allTextContents();
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.every((t) => /^[0-9a-f]{16}$/.test(t))).toBe(true);
    expect(await page.locator('table').first().textContent()).toContain('NPSB switch unavailable');
    // The timeline: a bar per bucket, the spike's bucket marked.
    await page.locator('svg.timeline').waitFor();
    expect(await page.locator('svg.timeline rect.bar').count()).toBeGreaterThan(1);
    expect(await page.locator('svg.timeline rect.peak').count()).toBe(1);
    patternKey = (await page.locator('dl.facts a[href^="#/patterns/"]').first().getAttribute('href'))!.replace('#/patterns/', '');
    await shoot(page, 'analysis');

    await page.getByLabel('Resolution (optional)').fill('restarted the NPSB connector pool');
    await page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await page.getByText(/success rate now 100%/).waitFor();
    await shoot(page, 'analysis-feedback');

    await page.goto(`${site.url}/#/patterns`);
    const row = page.locator(`tr[data-pattern="${decodeURIComponent(patternKey)}"]`);
    await row.waitFor();
    expect(await row.locator('td.rate').textContent()).toMatch(/^100%/);
    await shoot(page, 'patterns');
    // Sortable: by success rate, ascending.
    await page.getByRole('button', { name: /Success rate/ }).click();
    await page.getByRole('button', { name: /Success rate/ }).click();
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Success rate');
    await page.getByLabel('Filter').fill(decodeURIComponent(patternKey));
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.context().close();
  });

  it('lists analyses newest first and opens a pattern page (the list and pattern routes)', async () => {
    const page = await openPage();
    await page.goto(`${site.url}/#/analyses?project=${project}`);
    await page.locator('table.list tbody tr').first().waitFor();
    const questions = await page.locator('table.list tbody tr td:nth-child(2)').allTextContents();
    expect(questions).toEqual(['and in staging?', 'NPSB transfers failing in prod since 10:00?']);
    await shoot(page, 'analyses');
    await page.goto(`${site.url}/#/patterns/${patternKey}`);
    await page.getByRole('heading', { name: 'Resolutions' }).waitFor();
    expect(await page.locator('section').filter({ hasText: 'Resolutions' }).textContent()).toContain('restarted the NPSB connector pool');
    await shoot(page, 'pattern');

    // The chat screen lists the conversation (from the API, not this browser's memory).
    await page.goto(`${site.url}/#/chat`);
    const conversation = page.locator('table.conversations tbody tr').first();
    await conversation.waitFor();
    expect(await conversation.locator('td').nth(1).textContent()).toBe('NPSB transfers failing in prod since 10:00?');
    expect(await conversation.locator('td').nth(3).textContent()).toBe('4');
    await shoot(page, 'chat-list');
    await conversation.getByRole('link').click();
    await expect.poll(() => page.locator('article.turn').count()).toBe(2);
    await page.context().close();
  });

  it('asks for an API key when the API answers 401 and keeps it for the tab', async () => {
    const page = await openPage();
    await page.goto(`${keyedSite.url}/#/patterns`);
    const dialog = page.getByRole('dialog', { name: 'API key required' });
    await dialog.waitFor();
    await shoot(page, 'api-key');
    await page.getByRole('textbox', { name: 'API key' }).fill('sesame');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('table.list tbody tr').first().waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('loglore.apiKey'))).toBe('sesame');
    // The same tab keeps it: another screen asks nothing.
    await page.goto(`${keyedSite.url}/#/chat`);
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.getByLabel('Question').waitFor();
    expect(await dialog.isVisible()).toBe(false);
    await page.context().close();
  });
});
