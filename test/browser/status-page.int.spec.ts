import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Module } from '@nestjs/common';
import { sha256Of } from '@import-jobs/application/access/api-keys';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';
import { ApiModule } from '@import-jobs/wiring/api.module';
import { ProjectorModule } from '@import-jobs/wiring/projector.module';
import type { Page } from 'playwright-core';
import { cityFile, peopleFile, peopleSchema } from '../pipeline/support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { startSecondWorker, type SecondWorker } from '../pipeline/support/second-worker';
import { createDestinationTopic } from '../pipeline/support/topics';
import { launchChromium, type Browser } from './support/chromium';

/**
 * The api and the projector without workers: the job the page cancels waits on the pieces topic
 * until the test starts a worker, so that the cancel lands while the job is processing.
 */
@Module({ imports: [InfrastructureModule, ApiModule, ProjectorModule] })
class WithoutWorkersAppModule {}

const apiKey = 'acme-key-for-the-status-page';
/**
 * The page with a finished job's charts open: a test artefact, or README's picture when
 * `STATUS_PAGE_SCREENSHOT=docs/status-page.png` asks for it.
 */
const screenshotPath = process.env['STATUS_PAGE_SCREENSHOT'] ?? '.cache/artefacts/status-page.png';
/** Every wait on the page: long enough for a loaded 2-core machine, short enough to fail clearly. */
const timeout = 60_000;

describe('the status page at /ui, in Chromium', () => {
  let browser: Browser | undefined;
  let worker: SecondWorker | undefined;
  const suite = usePipelineSuite({
    pieceSizeBytes: 1024,
    module: WithoutWorkersAppModule,
    apiKeys: `acme:${sha256Of(apiKey).toString('hex')}`,
    closeBeforeApp: async () => {
      await browser?.close();
      await worker?.app.close();
    },
  });
  const page = (): Page => {
    if (browser === undefined) throw new Error('the browser did not start');
    return browser.page;
  };

  /** Whatever the page logs as an error, throws, or has refused by its Content-Security-Policy. */
  const problems: string[] = [];
  const problemsWithoutKey: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page().on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page().on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    await page().addInitScript(cspViolationRecorder);
    await page().goto(`${suite.pipeline.url}/ui`);
    // Opened without a key, the page lists nothing and asks for one: the listing's 401 is expected.
    await page().locator('#problem', { hasText: 'Enter your API key above.' }).waitFor({ timeout });
    problemsWithoutKey.push(...problems.splice(0));
    await page().fill('#api-key', apiKey);
    await page().click('#key-form button');
    await page().locator('#connection.live').waitFor({ timeout });
  });

  /** Uploads a file with the page's form; the job id the page reports. */
  async function uploadThroughThePage(filename: string, body: string, fields: { keyField?: string; schema?: unknown }): Promise<string> {
    await page().setInputFiles('#upload-form input[name=file]', { name: filename, mimeType: 'text/csv', buffer: Buffer.from(body) });
    await page().fill('#upload-form input[name=destinationTopic]', await createDestinationTopic(suite.messaging, filename.replace(/\W/g, '-')));
    await page().fill('#upload-form input[name=keyField]', fields.keyField ?? '');
    await page().fill('#upload-form textarea[name=schema]', fields.schema === undefined ? '' : JSON.stringify(fields.schema));
    await page().click('#upload-form button[type=submit]');
    const accepted = page().locator('#upload-result', { hasText: /^Accepted: job / });
    await accepted.waitFor({ timeout });
    const jobId = (await accepted.textContent())!.replace('Accepted: job ', '');
    suite.jobIds.push(jobId);
    return jobId;
  }

  const row = (jobId: string) => page().locator(`#jobs tr[data-job-id="${jobId}"]`);
  const shownStatus = (jobId: string, status: string) => row(jobId).locator('.status', { hasText: new RegExp(`^${status}$`) }).waitFor({ timeout });

  it('cancels a processing job with its Cancel button, and shows it Cancelling, then Cancelled, as it happens', async () => {
    const { api } = suite;
    const jobId = await uploadThroughThePage('to-cancel.csv', cityFile('to-cancel', 150).body, { keyField: 'id' });
    await shownStatus(jobId, 'Processing');
    expect((await api.as(`Bearer ${apiKey}`).getJob(jobId)).body.pieces.total).toBeGreaterThan(1);

    await row(jobId).locator('button.cancel').click();
    await shownStatus(jobId, 'Cancelling');
    expect((await api.as(`Bearer ${apiKey}`).getJob(jobId)).body.status).toBe('Cancelling');
    worker = await startSecondWorker(suite.pipeline);
    await shownStatus(jobId, 'Cancelled');

    expect(await row(jobId).locator('button.cancel').count()).toBe(0);
    expect(await api.as(`Bearer ${apiKey}`).waitUntilFinished(jobId)).toMatchObject({ status: 'Cancelled' });
  });

  it('imports an uploaded file, moves its progress bar to 100% live, and opens its failures, report and history', async () => {
    const { api } = suite;
    worker ??= await startSecondWorker(suite.pipeline);
    await recordProgressBars(page());
    const file = peopleFile(150);

    const jobId = await uploadThroughThePage('people.csv', file.body, { keyField: 'id', schema: peopleSchema });
    await shownStatus(jobId, 'Completed');

    const bars = await shownProgress(page(), jobId);
    expect(bars.at(-1)).toBe(100);
    expect(bars).toEqual([...bars].sort((a, b) => a - b));
    expect(bars.some((value) => value > 0 && value < 100)).toBe(true);
    // Drawn live, without a reload: the recorder set this on the page's document before the upload.
    expect(await page().evaluate('window.sameDocument')).toBe(true);
    const job = await api.as(`Bearer ${apiKey}`).waitUntilFinished(jobId);
    expect(job.rows).toEqual({ processed: 150, failed: file.invalid.length, imported: file.valid.length });
    await row(jobId).locator('.rows', { hasText: `150 processed, ${file.valid.length} imported, ${file.invalid.length} failed` }).waitFor({ timeout });

    await row(jobId).locator('button.open-failures').click();
    const failures = page().locator('#failures tbody tr');
    await failures.nth(file.invalid.length - 1).waitFor({ timeout });
    expect(await failures.count()).toBe(file.invalid.length);
    const lines = (await failures.locator('td:nth-child(2)').allTextContents()).map(Number);
    expect(lines.sort((a, b) => a - b)).toEqual(file.invalid.map((row) => row.line));
    const report = await page().locator('#report-link').getAttribute('href');
    const csv = await (await fetch(report!)).text();
    expect(csv.trim().split('\n').length).toBeGreaterThan(file.invalid.length);

    await row(jobId).click();
    const history = page().locator('#history li .event-type');
    const events = (await api.as(`Bearer ${apiKey}`).history(jobId)).body.events;
    await history.nth(events.length - 1).waitFor({ timeout });
    expect(await history.allTextContents()).toEqual(events.map((event) => event.type));
  });

  it("draws a running job's rows per second as its progress arrives, then its pieces on a timeline, one bar per piece", async () => {
    const { api } = suite;
    // Without a worker the job waits, processing, until the page shows it: every piece it then
    // imports reaches the open chart.
    await worker?.app.close();
    worker = undefined;
    const jobId = await uploadThroughThePage('timeline.csv', cityFile('timeline', 300).body, { keyField: 'id' });
    await shownStatus(jobId, 'Processing');
    const total = (await api.as(`Bearer ${apiKey}`).getJob(jobId)).body.pieces.total;
    expect(total).toBeGreaterThanOrEqual(5);
    await page().evaluate(chartRecorder);
    await row(jobId).click();
    worker = await startSecondWorker(suite.pipeline);
    await page().locator('#rate').waitFor({ timeout });
    await shownStatus(jobId, 'Completed');

    const drawn = (await page().evaluate('window.chartDraws')) as Array<{ status: string; points: number }>;
    const whileProcessing = drawn.filter((draw) => draw.status === 'Processing').map((draw) => draw.points);
    expect(new Set(whileProcessing.filter((points) => points > 0)).size).toBeGreaterThanOrEqual(2);
    expect(whileProcessing).toEqual([...whileProcessing].sort((a, b) => a - b));
    expect(await page().locator('#rate-chart polyline').count()).toBe(1);
    expect(await page().locator('#rate-chart').getAttribute('aria-label')).toMatch(/^Rows per second of job .+: \d+ points over .+, latest .+, peak .+, 300 rows processed$/);

    const bars = page().locator('#timeline-chart rect.piece');
    await page().locator('#timeline').waitFor({ timeout });
    const settled = (await api.as(`Bearer ${apiKey}`).history(jobId)).body.events.filter((event) => event.type === 'PieceCompleted');
    expect(settled).toHaveLength(total);
    expect(await bars.count()).toBe(total);
    const titles = await bars.locator('title').allTextContents();
    expect(titles.map((title) => /^piece (\S+):/.exec(title)?.[1]).sort()).toEqual(settled.map((event) => (event.data as { pieceId: string }).pieceId).sort());
    const rowsShown = titles.map((title) => Number(/, (\d+) rows/.exec(title)?.[1]));
    expect(rowsShown.reduce((sum, rows) => sum + rows, 0)).toBe(300);
    expect(await page().locator('#timeline-chart').getAttribute('aria-label')).toContain(`its ${total} pieces, 300 rows`);

    await mkdir(dirname(screenshotPath), { recursive: true });
    await page().screenshot({ path: screenshotPath, fullPage: true });
  });

  it('logged no error, threw nothing and had nothing refused by its Content-Security-Policy', async () => {
    expect(await page().evaluate('window.cspViolations')).toEqual([]);
    expect(problemsWithoutKey).toEqual([expect.stringMatching(/^console: Failed to load resource: .*401/)]);
    expect(problems).toEqual([]);
  });

  itChecksEveryJobOfTheFile(suite);
});

/** Runs before the page's own script, on every document: notes what its CSP refuses. */
const cspViolationRecorder = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
`;

/**
 * Notes, for each time the page draws the open job's rate chart, the job's status and the chart's
 * number of points. The page sets a row's status and then redraws the chart for every version it
 * applies, and the observer lists changes in their order, with the values they replaced: so a burst
 * of versions applied at once still shows one entry per version.
 */
const chartRecorder = `
  window.chartDraws = [];
  const chart = document.querySelector('#rate-chart');
  let status;
  const observer = new MutationObserver((records) => {
    const pending = [];
    for (const record of records) {
      if (record.target === chart) pending.push({ kind: 'points', element: record.target, old: record.oldValue });
      else if (record.target.matches('tr.selected')) pending.push({ kind: 'status', element: record.target, old: record.oldValue });
    }
    // Each record holds the value replaced; the value set is the next record's for the same element, or the current one.
    pending.forEach((entry, index) => {
      const later = pending.slice(index + 1).find((other) => other.element === entry.element);
      const value = later ? later.old : entry.element.getAttribute(entry.kind === 'points' ? 'data-points' : 'data-status');
      if (entry.kind === 'status') status = value;
      else window.chartDraws.push({ status, points: Number(value) });
    });
  });
  observer.observe(document.querySelector('main'), { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-points', 'data-status'] });
`;

/**
 * Notes every value each job's progress bar shows, as the page draws it: the page draws a row
 * anew for each change, so a record per drawn bar catches values a later change replaced at once.
 * Plain JavaScript, as it runs in the page (the project's TypeScript knows no DOM).
 */
const progressRecorder = `
  window.sameDocument = true;
  window.shownProgress = {};
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        // A row is added whole when first drawn, and its cells are replaced on every later change.
        const row = node.closest('tr') || record.target.closest('tr');
        const bar = node.querySelector('progress');
        if (row && row.dataset.jobId && bar) (window.shownProgress[row.dataset.jobId] ??= []).push(Number(bar.getAttribute('value')));
      }
    }
  }).observe(document.querySelector('#jobs tbody'), { childList: true, subtree: true });
`;

async function recordProgressBars(page: Page): Promise<void> {
  await page.evaluate(progressRecorder);
}

async function shownProgress(page: Page, jobId: string): Promise<number[]> {
  return (await page.evaluate(`window.shownProgress[${JSON.stringify(jobId)}] || []`)) as number[];
}
