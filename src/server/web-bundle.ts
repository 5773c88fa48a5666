import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web app's folder (`web/` at the repository root).
 *
 * @example
 * join(webDir(), 'src');
 */
export function webDir(): string {
  return fileURLToPath(new URL('../../web', import.meta.url));
}

/**
 * Where `npm run build:web` puts the UI that `lockstep serve` serves.
 *
 * @example
 * createServer({ devices, cipher, webRoot: defaultWebRoot() });
 */
export function defaultWebRoot(): string {
  return join(webDir(), 'dist');
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/**
 * True when the built UI is missing or older than any of its sources.
 *
 * @example
 * if (webBundleIsStale()) await ensureWebBundle();
 */
export function webBundleIsStale(dir = webDir()): boolean {
  const built = join(dir, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(newestMtime(join(dir, 'src')), newestMtime(join(dir, 'index.html')), newestMtime(join(dir, 'vite.config.ts')));
  return sources > statSync(built).mtimeMs;
}

/**
 * Builds the web UI with Vite when it is missing or stale (a fresh clone, or edited sources), so `npm start`
 * works as the first command. Builds into a temporary folder and swaps it in, so a server reading the old
 * bundle, or a second build at the same time, never sees half a bundle. Needs the `vite` dev dependency.
 *
 * @example
 * await ensureWebBundle({ log: (m) => console.error(m) });
 */
export async function ensureWebBundle(opts: { log?: (message: string) => void; dir?: string } = {}): Promise<string> {
  const dir = opts.dir ?? webDir();
  const out = join(dir, 'dist');
  if (!webBundleIsStale(dir)) return out;
  const release = await buildLock(join(dir, '.build-lock'));
  try {
    if (!webBundleIsStale(dir)) return out; // another process built it while we waited
    opts.log?.('building the web UI (a few seconds, once)…');
    const tmp = join(dir, `.dist-${process.pid}-${Date.now()}`);
    const { build } = await import('vite');
    try {
      await build({ root: dir, configFile: join(dir, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
      rmSync(out, { recursive: true, force: true });
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return out;
  } finally {
    release();
  }
}

/** One build at a time across processes: a lock file, waited on (a lock older than two minutes is stale). */
async function buildLock(path: string): Promise<() => void> {
  for (;;) {
    try {
      closeSync(openSync(path, 'wx'));
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120_000) rmSync(path, { force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
