import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { parseConnectionUrl } from '../../../src/connection/parse-connection-url.js';
import { classroom } from '../../../src/dataset/classroom.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { startServer, type RunningServer } from '../../../src/server/start-server.js';
import { defaultWebRoot, ensureWebBundle } from '../../../src/server/web-bundle.js';
import { LocalStore } from '../../../src/store/local-store.js';
import { saveConnection, type SecretCipher } from '../../../src/sync/saved-connection.js';
import { tempDir } from '../../helpers/sync-fixtures.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Where screenshots go: the README's folder with LOCKSTEP_UPDATE_SCREENSHOTS=1, else a temporary folder (so
 * an ordinary test run takes them too, without changing tracked files).
 */
export const SCREENSHOTS = process.env.LOCKSTEP_UPDATE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : join(tmpdir(), 'lockstep-screenshots');

export interface Browser {
  page: Page;
  /** Console errors and uncaught page errors seen so far (the tests expect none). */
  problems: string[];
  /** Saves the page (the whole page, or only the window with `{ fullPage: false }`, e.g. for a dialog). */
  screenshot: (name: string, opts?: { fullPage?: boolean }) => Promise<void>;
  close: () => Promise<void>;
}

/** Debian's chromium through playwright-core, with a fresh profile, at a laptop's screen size. */
export async function openBrowser(): Promise<Browser> {
  const context: BrowserContext = await chromium.launchPersistentContext(tempDir('lockstep-chromium-'), {
    executablePath: process.env.LOCKSTEP_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return {
    page,
    problems,
    screenshot: async (name, opts = {}) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: opts.fullPage ?? true, animations: 'disabled', caret: 'hide' });
    },
    close: () => context.close(),
  };
}

export interface WebServer extends RunningServer {
  cipher: SecretCipher;
  paths: Record<string, string>;
}

/** Classroom device stores (those in `connected` with the hub's connection saved) and a listening server with the built UI. */
export async function startWebServer(hubUrl: string, devices: { name: string; connected: boolean; setup?: (store: LocalStore) => Promise<void> | void }[]): Promise<WebServer> {
  await ensureWebBundle();
  const cipher = createSecretBox(randomBytes(32));
  const dir = tempDir('lockstep-web-');
  const paths: Record<string, string> = {};
  for (const d of devices) {
    const path = join(dir, `${d.name}.db`);
    const store = LocalStore.init({ path, dataset: classroom, deviceName: d.name });
    try {
      if (d.connected) saveConnection(store, parseConnectionUrl(hubUrl), cipher);
      await d.setup?.(store);
    } finally {
      store.close();
    }
    paths[d.name] = path;
  }
  const server = await startServer({ devices: Object.values(paths), cipher, port: 0, webRoot: defaultWebRoot(), forbidPrivateAddresses: false, replication: { heartbeatMs: 200 } });
  return { ...server, cipher, paths };
}
