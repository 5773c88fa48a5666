import { homedir } from 'node:os';
import type { Command } from 'commander';
import { exportStore } from '../../backup/export-store.js';
import { importStore, type ImportMode } from '../../backup/import-store.js';
import { LockstepError } from '../../core/errors.js';
import { keySourceFor } from '../../secrets/key-source.js';
import { createSecretBox } from '../../secrets/secret-box.js';
import { LocalStore } from '../../store/local-store.js';
import { resolveSyncOptions } from '../../sync/sync-options.js';
import { loadConnection, readStoredConnection, saveConnection } from '../../sync/saved-connection.js';
import { emit, type CliIo } from '../cli-io.js';

/** export, import, secrets rotate. */
export function registerBackupCommands(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('write every dataset table of the device to a JSON file with a checksum')
    .requiredOption('--db <path>', 'the device database')
    .requiredOption('--out <file>', 'the JSON file to write')
    .option('--json', 'print JSON')
    .action((o: { db: string; out: string; json?: boolean }) => {
      const store = LocalStore.open(o.db);
      try {
        const rows = exportStore(store, o.out);
        emit(io, o.json, { file: o.out, rows }, () => `exported ${Object.values(rows).reduce((a, b) => a + b, 0)} row(s) to ${o.out}`);
      } finally {
        store.close();
      }
    });

  program
    .command('import')
    .description('restore a JSON export into the device (validated first; the device file is backed up)')
    .argument('<file>', 'a file written by lockstep export')
    .requiredOption('--db <path>', 'the device database')
    .option('--mode <mode>', 'replace (the tables become the file) or merge (upsert the file\'s rows)', 'replace')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { db: string; mode: string; json?: boolean }) => {
      if (o.mode !== 'replace' && o.mode !== 'merge') throw new LockstepError('E_USAGE', '--mode takes replace or merge');
      const store = LocalStore.open(o.db);
      try {
        const opts = resolveSyncOptions(o.db);
        const r = await importStore(store, file, { mode: o.mode as ImportMode, backupDir: opts.backupDir, backupRetention: opts.backupRetention });
        emit(io, o.json, r, () => `imported ${Object.values(r.rows).reduce((a, b) => a + b, 0)} row(s) (${r.mode}); the previous file is at ${r.backup}; run lockstep sync to send the changes`);
      } finally {
        store.close();
      }
    });

  program
    .command('secrets')
    .description('the key that encrypts saved passwords')
    .command('rotate')
    .description('make a new key and re-encrypt the saved passwords of the given devices with it')
    .option('--db <path...>', 'device databases whose saved connection to re-encrypt')
    .option('--json', 'print JSON')
    .action((o: { db?: string[]; json?: boolean }) => {
      const source = keySourceFor(io.env, io.env.HOME ?? homedir());
      const stores = (o.db ?? []).map((p) => LocalStore.open(p));
      try {
        // Decrypt everything with the old key first: if any fails, nothing has changed yet.
        const before = createSecretBox(source.load());
        const saved = stores.map((s) => ({ s, settings: readStoredConnection(s) ? loadConnection(s, before) : undefined }));
        const after = createSecretBox(source.rotate().newKey);
        for (const { s, settings } of saved) if (settings) saveConnection(s, settings, after);
        emit(io, o.json, { keyStore: source.where, keyId: after.keyId, reencrypted: o.db ?? [] }, () => `new key ${after.keyId} in ${source.where} (the old one is kept as ${source.previous}); re-encrypted ${stores.length} device(s)`);
      } finally {
        for (const s of stores) s.close();
      }
    });
}
