import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseConnectionUrl } from '../../../src/connection/parse-connection-url.js';
import { classroom } from '../../../src/dataset/classroom.js';
import { clientFor, createHub, hubRows } from '../../helpers/sync-fixtures.js';
import { openBrowser, startWebServer, type Browser, type WebServer } from './web-fixtures.js';

/** The page of a device: picks it in the device picker, then the tab. */
async function open(page: Page, device: string, tab: 'Connection' | 'Sync' | 'Replication' | 'Classroom'): Promise<void> {
  const picker = page.getByLabel('Device', { exact: true });
  if ((await picker.inputValue()) !== device) await picker.selectOption(device);
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: tab }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(tab);
  await expect.poll(() => picker.inputValue()).toBe(device);
}

/** Confirms the open dialog with `button` and waits for it to close. */
async function confirmDialog(page: Page, button: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

const status = (page: Page) => page.getByRole('status').filter({ hasText: /\S/ }).first();

describe('web UI: connect → preview → resolve a conflict → apply on one device → pull on the other', () => {
  let hubUrl: string;
  let server: WebServer;
  let b: Browser;

  beforeAll(async () => {
    hubUrl = await createHub(classroom);
    const now = new Date().toISOString();
    server = await startWebServer(hubUrl, [
      { name: 'classroom-pc', connected: false },
      {
        name: 'teacher-laptop',
        connected: true,
        // The laptop already has a class on the hub.
        setup: async (store) => {
          const reason = crypto.randomUUID();
          store.db.prepare('INSERT INTO reasons (id, content, category, delta, archived) VALUES (?, ?, ?, ?, 0)').run(reason, 'Helped a classmate', 'kindness', 2);
          for (const name of ['Ann', 'Bo']) {
            const id = crypto.randomUUID();
            store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(id, name, now);
            store.db.prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(crypto.randomUUID(), id, reason, 'Helped a classmate', 2, now);
          }
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

  it('walks the whole flow in the browser without a console error', async () => {
    const { page } = b;
    await page.goto(`${server.url}#/classroom-pc/connection`);

    // Connect the classroom PC: test, then save (the password is write-only).
    const s = parseConnectionUrl(hubUrl);
    await page.getByLabel('Host', { exact: true }).fill(s.host);
    await page.getByLabel('Port', { exact: true }).fill(String(s.port));
    await page.getByLabel('Database', { exact: true }).fill(s.database);
    await page.getByLabel('User', { exact: true }).fill(s.user);
    if (s.password) await page.getByLabel('Password', { exact: true }).fill(s.password);
    await page.getByLabel('SSL mode').selectOption('disable');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => status(page).textContent()).toMatch(/Connected to PostgreSQL \d+.*dataset “classroom”/);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => status(page).textContent()).toContain('Saved (the password is stored encrypted)');
    await expect.poll(() => page.locator('.device-status').textContent()).toContain('connected');
    await b.screenshot('connection');

    // Preview: everything comes down; pull it.
    await open(page, 'classroom-pc', 'Sync');
    const studentsRow = page.getByRole('row', { name: /^Students/ });
    await expect.poll(() => studentsRow.textContent()).toMatch(/^Students↓/);
    await page.getByRole('button', { name: 'Pull ↓' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('Students: 2 new');
    await page.keyboard.press('Escape'); // the dialog is keyboard-accessible: Escape cancels
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Pull ↓' }).click();
    await confirmDialog(page, 'Pull');
    await expect.poll(() => status(page).textContent()).toContain('Pulled: 5 rows brought to this device');

    // Both rename Ann: the PC keeps it local, the laptop applies first.
    await open(page, 'classroom-pc', 'Classroom');
    await page.getByRole('button', { name: 'Rename Ann' }).click();
    await page.getByLabel('New name for Ann').fill('Ann Lee');
    await page.getByLabel('New name for Ann').press('Enter');
    await expect.poll(() => page.getByRole('row', { name: /^Ann Lee/ }).count()).toBe(1);
    await open(page, 'teacher-laptop', 'Classroom');
    await page.getByRole('button', { name: 'Rename Ann' }).click();
    await page.getByLabel('New name for Ann').fill('Annie');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('row', { name: /^Annie/ }).count()).toBe(1);
    await open(page, 'teacher-laptop', 'Sync');
    await page.getByRole('button', { name: 'Apply ↑' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('Students: 1 changed');
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('1 row on the hub will be overwritten');
    await confirmDialog(page, 'Apply');
    await expect.poll(() => status(page).textContent()).toContain('Applied: 1 row sent to the hub');

    // The PC's preview shows the conflict, highlighted; a sync holds it back for resolving.
    await open(page, 'classroom-pc', 'Sync');
    await expect.poll(() => studentsRow.getAttribute('class')).toBe('has-conflict');
    await expect.poll(() => page.locator('.conflict-preview').textContent()).toContain('name: Ann Lee here, Annie on the hub');
    await page.getByRole('button', { name: 'Sync ⇅' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('1 conflicting row will be held back');
    await confirmDialog(page, 'Sync');
    await expect.poll(() => status(page).textContent()).toContain('1 conflict held back');
    const card = page.getByRole('article', { name: 'Students · Ann Lee' });
    await card.getByRole('radio', { name: 'other:' }).check();
    await card.getByLabel('New value of name').fill('Ann-Marie');
    await b.screenshot('sync');
    await card.getByRole('button', { name: 'Merge' }).click();
    await expect.poll(() => status(page).textContent()).toContain('Resolved (merged)');
    await expect.poll(() => card.count()).toBe(0);

    // Apply the resolution from the PC.
    await page.getByRole('button', { name: 'Apply ↑' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('Students: 1 changed');
    await confirmDialog(page, 'Apply');
    await expect.poll(() => status(page).textContent()).toContain('Applied: 1 row sent to the hub');
    expect((await hubRows(hubUrl, 'students', 'name')).map((r) => r.name)).toEqual(['Ann-Marie', 'Bo']);

    // The laptop records a score it has not synced, then pulls: the dialog names what is discarded.
    await open(page, 'teacher-laptop', 'Classroom');
    await page.getByLabel('Student', { exact: true }).selectOption({ label: 'Bo' });
    await page.getByRole('button', { name: 'Record' }).click();
    await expect.poll(() => status(page).textContent()).toContain('Recorded +2 for Bo (Helped a classmate)');
    await open(page, 'teacher-laptop', 'Sync');
    await page.getByRole('button', { name: 'Pull ↓' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Students: 1 changed');
    await expect.poll(() => dialog.textContent()).toContain('1 unsynced local change will be replaced by the hub’s version');
    expect(await dialog.getByRole('button', { name: 'Pull', exact: true }).isDisabled()).toBe(true);
    await dialog.getByLabel('Discard 1 unsynced local change').check();
    await b.screenshot('sync-pull-confirmation', { fullPage: false });
    await confirmDialog(page, 'Pull');
    await expect.poll(() => status(page).textContent()).toContain('1 local change discarded');

    await open(page, 'teacher-laptop', 'Classroom');
    await expect.poll(() => page.getByRole('row', { name: /^Ann-Marie/ }).textContent()).toContain('2');
    await expect.poll(() => page.getByRole('row', { name: /^Bo/ }).textContent()).toMatch(/^Bo2/);
    await b.screenshot('classroom');
    expect(b.problems).toEqual([]);
  });
});
