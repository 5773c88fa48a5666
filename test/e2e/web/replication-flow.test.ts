import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { classroom } from '../../../src/dataset/classroom.js';
import { clientFor, createHub, withClient } from '../../helpers/sync-fixtures.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { openBrowser, startWebServer, type Browser, type WebServer } from './web-fixtures.js';

const card = (page: Page, name: string): Locator => page.getByRole('article', { name });
const badge = (c: Locator): Locator => c.locator('.badge');
/** The computed background colour (the test files are typed without the DOM library, hence the cast). */
const background = (l: Locator): Promise<string> =>
  l.evaluate((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor);

async function addReplication(page: Page, name: string, url: string): Promise<void> {
  await page.getByRole('button', { name: 'New replication' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Target database URL').fill(url);
  await expect.poll(() => page.getByRole('list', { name: 'Problems with the URL' }).locator('li').count()).toBe(0);
  await page.getByRole('button', { name: 'Add replication' }).click();
  await card(page, name).waitFor();
}

describe('web UI: a replication card from creation through COMPLETED and FAILED', () => {
  let hubUrl: string;
  let target: string;
  let server: WebServer;
  let b: Browser;

  beforeAll(async () => {
    hubUrl = await createHub(classroom);
    target = await createTestDatabase('lockstep_target');
    const now = new Date().toISOString();
    server = await startWebServer(hubUrl, [
      {
        name: 'classroom-pc',
        connected: true,
        setup: async (store) => {
          for (const name of ['Ann', 'Bo', 'Cy']) store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(crypto.randomUUID(), name, now);
          await clientFor(store, hubUrl).push();
        },
      },
    ]);
    b = await openBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await server?.app.close();
  });

  it('validates the URL inline, runs to COMPLETED (live IN_PROGRESS meanwhile), records FAILED, edits, shows history, deletes', async () => {
    const { page } = b;
    await page.goto(`${server.url}#/classroom-pc/replication`);
    await expect.poll(() => page.getByText('No replications yet.').count()).toBe(1);

    // Inline URL validation, field by field, before anything is saved.
    await page.getByRole('button', { name: 'New replication' }).click();
    const problems = page.getByRole('list', { name: 'Problems with the URL' });
    await page.getByLabel('Target database URL').fill('mysql://me@db.example.com/x');
    await expect.poll(() => problems.textContent()).toContain('scheme');
    await page.getByLabel('Target database URL').fill('postgres://@db.example.com:99999/');
    await expect.poll(() => problems.textContent()).toMatch(/port: must be a number.*user: is missing|user: is missing.*port/s);
    expect(await page.getByLabel('Target database URL').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Created IDLE (gray), run to COMPLETED (green).
    await addReplication(page, 'Nightly copy', target);
    const nightly = card(page, 'Nightly copy');
    await expect.poll(() => badge(nightly).textContent()).toBe('Idle');
    expect(await background(badge(nightly))).toBe('rgb(107, 114, 128)');
    await nightly.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => badge(nightly).textContent(), { timeout: 20_000 }).toBe('Completed');
    expect(await background(badge(nightly))).toBe('rgb(28, 124, 60)');
    await expect.poll(() => nightly.textContent()).toMatch(/Rows copied, last run3 \(Students 3\)/);
    expect(await nightly.textContent()).not.toContain('Last syncnever');

    // While a run waits on the target it shows IN_PROGRESS (blue) with live progress. An incremental run only
    // touches tables with changes, so a student changes on the hub first and the run has to write that table.
    await withClient(hubUrl, (c) => c.query(`UPDATE classroom.students SET notes = 'changed on the hub' WHERE name = 'Ann'`));
    const blocker = new pg.Client({ connectionString: target });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE classroom.students IN ACCESS EXCLUSIVE MODE');
      await nightly.getByRole('button', { name: 'Run now' }).click();
      await expect.poll(() => badge(nightly).textContent()).toBe('In progress');
      expect(await background(badge(nightly))).toBe('rgb(29, 95, 208)');
      await expect.poll(() => nightly.getByRole('progressbar').count()).toBe(1);
      expect(await nightly.getByRole('button', { name: 'Running…' }).isDisabled()).toBe(true);
      await b.screenshot('replication-in-progress', { fullPage: false });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    await expect.poll(() => badge(nightly).textContent(), { timeout: 20_000 }).toBe('Completed');

    // An unreachable target: FAILED (red) with the error text.
    await addReplication(page, 'Broken target', 'postgres://nobody@127.0.0.1:1/nowhere');
    const broken = card(page, 'Broken target');
    await broken.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => badge(broken).textContent(), { timeout: 20_000 }).toBe('Failed');
    expect(await background(badge(broken))).toBe('rgb(179, 38, 30)');
    await expect.poll(() => broken.textContent()).toContain('E_CONNECTION');
    await b.screenshot('replication');

    // Edit (the masked password stays), then the history.
    await nightly.getByRole('button', { name: 'Edit' }).click();
    await nightly.getByLabel('Name', { exact: true }).fill('Nightly backup');
    await nightly.getByRole('button', { name: 'Save changes' }).click();
    const renamed = card(page, 'Nightly backup');
    await renamed.waitFor();
    await renamed.getByRole('button', { name: 'History' }).click();
    await expect.poll(() => renamed.getByRole('table').locator('tbody tr').count()).toBe(2);
    await expect.poll(() => renamed.getByRole('table').textContent()).toContain('Completed');

    // Delete, after confirming.
    await broken.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('The tables and rows already copied to the target stay there');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => broken.count()).toBe(0);
    const copied = await withClient(target, async (c) => (await c.query('SELECT count(*)::int AS n FROM classroom.students')).rows[0]?.n);
    expect(copied).toBe(3);
    const notes = await withClient(target, async (c) => (await c.query(`SELECT notes FROM classroom.students WHERE name = 'Ann'`)).rows[0]?.notes);
    expect(notes).toBe('changed on the hub');
    expect(b.problems).toEqual([]);
  });
});
