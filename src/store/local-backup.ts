import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStore } from './local-store.js';

/** Writes a consistent copy of the local file to `dir` and keeps only the newest `retention` copies. */
export async function backupLocalStore(store: LocalStore, dir: string, reason: string, retention: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${stamp}-${reason}.sqlite`);
  await store.backup(file);
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.sqlite'))
    .sort();
  for (const old of all.slice(0, Math.max(0, all.length - retention))) rmSync(join(dir, old), { force: true });
  return file;
}
