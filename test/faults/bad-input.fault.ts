import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStore } from '../../src/backup/export-store.js';
import { importStore } from '../../src/backup/import-store.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { parseConnectionUrl, validateConnectionUrl } from '../../src/connection/parse-connection-url.js';
import { isLockstepError } from '../../src/core/errors.js';
import { classroom } from '../../src/dataset/classroom.js';
import { validateDataset } from '../../src/dataset/validate-dataset.js';
import { LocalStore } from '../../src/store/local-store.js';
import { saveConnection } from '../../src/sync/saved-connection.js';
import { createTestServer, type TestServer } from '../integration/server/server-fixtures.js';
import { createDevice, createHub, tempDir } from '../helpers/sync-fixtures.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { scale, seededRandom } from './helpers/fault-mode.js';
import { databaseDigest, deviceTables, unsynced } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

const RUNS = scale(400, 60);
/** LOCKSTEP_FC_SEED replays a failure fast-check reported. */
const SEED = process.env.LOCKSTEP_FC_SEED ? { seed: Number(process.env.LOCKSTEP_FC_SEED) } : {};
const SLOW_RUNS = scale(200, 30);

/** Replaces (or deletes, for `undefined`) a node reached by following `choices` through the value. */
function mutate(value: unknown, choices: number[], replacement: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  let node = copy as Record<string, unknown> | unknown[];
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  for (const c of choices) {
    if (node === null || typeof node !== 'object') break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node;
    key = keys[c % keys.length] as string | number;
    node = (node as Record<string | number, unknown>)[key] as Record<string, unknown>;
  }
  if (parent === undefined || key === undefined) return replacement;
  if (replacement === undefined && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = replacement;
  return copy;
}

const mutation = fc.tuple(fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string()));
const codeOf = (e: unknown): string => (isLockstepError(e) ? e.code : `raw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);

function captureIo(env: Record<string, string | undefined>): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', env, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t), readStdin: async () => '' };
  return io;
}

describe('bad input never crashes and never changes a database', () => {
  it('dataset files: valid or E_DATASET_INVALID, never another outcome', () => {
    const n = counter();
    // Found by this test (fixed in validate-dataset.ts): `columns` not an array in a table with an
    // `onDelete: set null` key, and a malformed column before the key column, threw a TypeError.
    const withColumns = (table: string, columns: unknown): unknown => {
      const copy = JSON.parse(JSON.stringify(classroom)) as { tables: { name: string; columns: unknown }[] };
      for (const t of copy.tables) if (t.name === table) t.columns = columns;
      return copy;
    };
    const scoreColumns = classroom.tables.find((t) => t.name === 'score_events')?.columns ?? [];
    for (const known of [withColumns('score_events', {}), withColumns('score_events', [null, ...scoreColumns]), withColumns('students', [7, { name: 'id', type: 'uuid' }])]) {
      expect(() => validateDataset(known)).toThrow(expect.objectContaining({ code: 'E_DATASET_INVALID' }));
      n.inputs++;
      n.faults++;
    }
    fc.assert(
      fc.property(fc.oneof(mutation.map(([c, r]) => mutate(classroom, c, r)), fc.anything()), (input) => {
        n.inputs++;
        try {
          validateDataset(input);
        } catch (e) {
          expect(codeOf(e)).toBe('E_DATASET_INVALID');
          n.faults++;
        }
      }),
      { numRuns: RUNS * 3, ...SEED },
    );
    recordCounts('bad-input', 'dataset definitions (validateDataset)', n);
  });

  it('dataset files given to `lockstep init`: exit 2 and no file left behind', async () => {
    const n = counter();
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(mutation, async ([c, r]) => {
        const input = mutate(classroom, c, r);
        const file = join(dir, 'dataset.json');
        writeFileSync(file, typeof input === 'string' && c[0] === 0 ? input : JSON.stringify(input));
        const db = join(dir, `d${n.inputs++}.db`);
        const io = captureIo({ LOCKSTEP_KEY_FILE: join(dir, 'key'), HOME: dir });
        const exit = await runCli(['init', '--db', db, '--dataset', file, '--device', 'x'], io);
        if (exit !== 0) {
          expect(exit, io.err).toBe(2);
          expect(io.err).toMatch(/^E_DATASET_INVALID: /);
          expect(existsSync(db)).toBe(false);
          n.faults++;
        }
      }),
      { numRuns: SLOW_RUNS, ...SEED },
    );
    recordCounts('bad-input', 'dataset files (lockstep init)', n);
  });

  it('import files: E_IMPORT_INVALID and the device unchanged, or a clean import', async () => {
    const n = counter();
    const rnd = seededRandom();
    const hub = await createHub(classroom);
    const d = createDevice(hub, classroom, 'imp');
    randomEdits(d.store, 30, rnd.next, { deletes: false });
    const good = join(tempDir(), 'good.json');
    exportStore(d.store, good);
    const text = readFileSync(good, 'utf8');
    const parsed = JSON.parse(text) as unknown;
    const file = join(tempDir(), 'bad.json');
    const broken = fc.oneof(
      fc.nat(text.length - 1).map((k) => text.slice(0, k)), // truncated
      fc.tuple(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 3 })).map(([k, s]) => text.slice(0, k) + s + text.slice(k + 1)), // changed bytes
      mutation.map(([c, r]) => JSON.stringify(mutate(parsed, c, r))), // a changed value
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(broken, fc.constantFrom('replace' as const, 'merge' as const), async (content, mode) => {
        n.inputs++;
        writeFileSync(file, content);
        const before = { tables: deviceTables(d.store), unsynced: unsynced(d.store) };
        const outcome = await importStore(d.store, file, { mode, backupDir: join(tempDir(), 'b'), backupRetention: 2 }).then(
          () => 'ok',
          codeOf,
        );
        if (outcome === 'ok') {
          // Accepted only when the data is the export's own (exportedAt and deviceId are not covered by the checksum).
          const got = JSON.parse(content) as { tables?: unknown; dataset?: unknown; datasetVersion?: unknown };
          const was = parsed as typeof got;
          expect(JSON.stringify([got.tables, got.dataset, got.datasetVersion]), content.slice(0, 300)).toBe(JSON.stringify([was.tables, was.dataset, was.datasetVersion]));
        } else {
          expect(outcome).toBe('E_IMPORT_INVALID');
          expect({ tables: deviceTables(d.store), unsynced: unsynced(d.store) }).toEqual(before);
          n.faults++;
        }
      }),
      { numRuns: SLOW_RUNS, ...SEED },
    );
    d.store.close();
    recordCounts('bad-input', 'import files (importStore)', n);
  });

  it('connection URLs: settings or E_URL_INVALID / E_URL_FORBIDDEN, never a crash', () => {
    const n = counter();
    const base = 'postgres://user:pa%40ss@db.example.com:5432/app?sslmode=verify-full&sslrootcert=system';
    const url = fc.oneof(
      fc.string(),
      fc.webUrl(),
      fc.tuple(fc.nat(base.length - 1), fc.string({ maxLength: 4 })).map(([k, s]) => base.slice(0, k) + s + base.slice(k + 1)),
      fc.tuple(fc.constantFrom('postgres', 'postgresql', 'mysql', 'http', ''), fc.string(), fc.string(), fc.oneof(fc.string(), fc.integer().map(String)), fc.string(), fc.string()).map(
        ([s, u, h, p, d, q]) => `${s}://${u}@${h}:${p}/${d}?${q}`,
      ),
    );
    fc.assert(
      fc.property(url, fc.boolean(), (u, forbid) => {
        n.inputs++;
        const v = validateConnectionUrl(u, { forbidPrivateAddresses: forbid });
        try {
          const s = parseConnectionUrl(u, { forbidPrivateAddresses: forbid });
          expect(v.ok).toBe(true);
          expect(typeof s.host).toBe('string');
        } catch (e) {
          expect(['E_URL_INVALID', 'E_URL_FORBIDDEN']).toContain(codeOf(e));
          expect(v.ok).toBe(false);
          n.faults++;
        }
      }),
      { numRuns: RUNS * 5, ...SEED },
    );
    recordCounts('bad-input', 'connection URLs', n);
  });

  describe('with a hub and a connected device', () => {
    let hub: string;
    let dbPath: string;
    let dir: string;
    beforeAll(async () => {
      hub = await createHub(classroom);
      dir = tempDir();
      const d = createDevice(hub, classroom, 'cli', dir);
      randomEdits(d.store, 10, seededRandom().next, { deletes: false });
      await d.client.sync();
      randomEdits(d.store, 5, seededRandom().next, { deletes: false });
      saveConnection(d.store, parseConnectionUrl(hub), { encrypt: (s) => s, decrypt: (s) => s });
      d.store.close();
      dbPath = d.path;
    });

    it('CLI arguments: a documented exit code, never E_INTERNAL or an exception; refused input changes nothing', async () => {
      const n = counter();
      const words = [
        'init', 'connect', 'hub', 'precheck', 'preview', 'push', 'pull', 'sync', 'conflicts', 'resolve', 'log', 'export', 'import', 'secrets', 'rotate',
        'replicate', 'add', 'list', 'show', 'edit', 'remove', 'run', 'history', 'schema', 'grant', '--db', '--url', '--dataset', '--device', '--json',
        '--limit', '--lock-timeout', '--plan', '--for', '--keep', '--all', '--set', '--mode', '--out', '--name', '--scope', '--target-url', '--interval',
        '--hub-url', '--ssl-mode', '--port', '--host', '--yes', '--full', '--print', '--role', '--save', '-x', '--', 'students', 'classroom', 'learning',
      ];
      const values = fc.oneof(
        fc.constantFrom('0', '-1', '1e309', 'NaN', '', ' ', 'local', 'server', 'merge', 'sync', 'nope', 'postgres://', 'postgres://u@/x', 'all', 'users:x',
          '5m', '0s', '99999999999', '../../etc/passwd', '{}', 'x=y', 'é\u0000', 'a'.repeat(300)),
        fc.string({ maxLength: 12 }),
      );
      const arg = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...words) }, { weight: 2, arbitrary: values }, { weight: 1, arbitrary: fc.constant('@DB') });
      const argv = fc.array(arg, { minLength: 1, maxLength: 7 }).map((a) => a.map((x) => (x === '@DB' ? dbPath : x)));
      const allowed = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
      let hubBefore = await databaseDigest(hub);
      let fileBefore = JSON.stringify(deviceState(dbPath));
      await fc.assert(
        fc.asyncProperty(argv, async (args) => {
          n.inputs++;
          const io = captureIo({ LOCKSTEP_KEY_FILE: join(dir, 'key'), HOME: dir, LOCKSTEP_HUB_URL: hub });
          const exit = await runCli(args, io);
          expect(allowed.has(exit), `lockstep ${args.join(' ')} → ${exit}: ${io.err}${io.out}`).toBe(true);
          expect(`${io.err}${io.out}`).not.toMatch(/E_INTERNAL|unexpected error/);
          const hubNow = await databaseDigest(hub);
          const fileNow = JSON.stringify(deviceState(dbPath));
          if (exit !== 0 && exit !== 3) {
            expect(hubNow, `lockstep ${args.join(' ')} changed the hub`).toEqual(hubBefore);
            expect(fileNow, `lockstep ${args.join(' ')} changed the device`).toBe(fileBefore);
            n.faults++;
          }
          hubBefore = hubNow;
          fileBefore = fileNow;
        }),
        { numRuns: SLOW_RUNS, ...SEED },
      );
      recordCounts('bad-input', 'CLI arguments (runCli)', n);
    });
  });

  describe('HTTP bodies', () => {
    let s: TestServer;
    const internal: unknown[] = [];
    beforeAll(async () => {
      s = await createTestServer({ devices: ['pc'], server: { onInternalError: (e) => internal.push(e), forbidPrivateAddresses: true } });
      // The replication tables are created on first use (by an accepted request, possibly in the background
      // of a 202): create them now, so a later comparison sees only what each request itself did.
      expect((await s.call('GET', '/api/devices/pc/replications')).status).toBe(200);
    });
    afterAll(() => s.close());

    it('every body gets a status and { code, message }: never 500, never E_INTERNAL; refused bodies change nothing', async () => {
      const n = counter();
      const routes: [string, string][] = [
        ['POST', '/api/devices/pc/classroom/students'], ['PATCH', '/api/devices/pc/classroom/students/00000000-0000-4000-8000-000000000000'],
        ['POST', '/api/devices/pc/classroom/reasons'], ['POST', '/api/devices/pc/classroom/events'], ['PUT', '/api/devices/pc/connection'],
        ['POST', '/api/devices/pc/connection/test'], ['POST', '/api/devices/pc/hub/init'], ['POST', '/api/devices/pc/precheck'],
        ['POST', '/api/devices/pc/push'], ['POST', '/api/devices/pc/pull'], ['POST', '/api/devices/pc/sync'], ['POST', '/api/devices/pc/conflicts/resolve'],
        ['POST', '/api/devices/pc/conflicts/resolve-all'], ['POST', '/api/devices/pc/replications'], ['POST', '/api/devices/pc/replications/check-url'],
        ['PATCH', '/api/devices/pc/replications/x'], ['POST', '/api/devices/pc/replications/x/run'], ['GET', '/api/devices/pc/log'],
      ];
      const field = fc.constantFrom('name', 'groupName', 'notes', 'content', 'delta', 'studentId', 'reasonId', 'reasonText', 'host', 'port', 'database', 'user',
        'password', 'sslMode', 'fingerprint', 'discardLocal', 'table', 'id', 'keep', 'set', 'url', 'scope', 'mode', 'intervalSeconds', 'full', 'category');
      const body = fc.oneof(
        fc.jsonValue(),
        fc.dictionary(field, fc.jsonValue(), { maxKeys: 5 }),
        fc.dictionary(field, fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 5 }),
        fc.string().map((t) => ({ raw: t })),
      );
      let hubBefore = await databaseDigest(s.hubUrl);
      let fileBefore = JSON.stringify(deviceState(s.paths.pc as string));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, url], b) => {
          n.inputs++;
          const raw = typeof b === 'object' && b !== null && 'raw' in b && Object.keys(b).length === 1;
          const r = await s.call(method as 'POST', url, raw ? (b as { raw: string }).raw : method === 'GET' ? undefined : b, { 'content-type': 'application/json' });
          expect(r.status, `${method} ${url} ${JSON.stringify(b)} → ${r.text}`).not.toBe(500);
          if (r.status >= 400) {
            expect(typeof r.body?.code, r.text).toBe('string');
            expect(typeof r.body?.message, r.text).toBe('string');
            expect(r.body.code).not.toBe('E_INTERNAL');
          }
          const hubNow = await databaseDigest(s.hubUrl);
          const fileNow = JSON.stringify(deviceState(s.paths.pc as string));
          if (r.status >= 400 && r.status !== 409) {
            expect(hubNow, `${method} ${url} ${JSON.stringify(b)} changed the hub`).toEqual(hubBefore);
            expect(fileNow, `${method} ${url} ${JSON.stringify(b)} changed the device`).toBe(fileBefore);
            n.faults++;
          }
          hubBefore = hubNow;
          fileBefore = fileNow;
        }),
        { numRuns: SLOW_RUNS * 2, ...SEED },
      );
      expect(internal).toEqual([]);
      recordCounts('bad-input', 'HTTP bodies (fastify inject)', n);
    });
  });
});

/** The data of a device file and its unsynced changes (not its log, which records refused runs too). */
function deviceState(path: string): unknown {
  const s = LocalStore.open(path);
  try {
    return { tables: deviceTables(s), unsynced: unsynced(s), conflicts: s.db.prepare('SELECT * FROM _lockstep_conflicts').all() };
  } finally {
    s.close();
  }
}
