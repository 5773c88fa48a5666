import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import { parseConnectionUrl, formatConnectionUrl } from '../../connection/parse-connection-url.js';
import { isLockstepError, LockstepError } from '../../core/errors.js';
import { classroom } from '../../dataset/classroom.js';
import type { EmbeddedPostgres } from '../../embedded/embedded-postgres-server.js';
import { spawnEmbeddedPostgres } from '../../embedded/spawn-embedded-postgres.js';
import { connectHub } from '../../hub/connect-hub.js';
import { initHub } from '../../hub/hub-init.js';
import { createReplicationService } from '../../replicate/replication-service.js';
import { isLoopbackHost } from '../../server/request-guard.js';
import { LocalStore } from '../../store/local-store.js';
import { saveConnection, type SecretCipher } from '../../sync/saved-connection.js';
import { createSyncClient, type SyncClient } from '../../sync/sync-client.js';
import { emit, parseIntOption, type CliIo } from '../cli-io.js';
import { cipherFor } from '../device-context.js';
import { formatConflicts, formatReport } from '../format-report.js';
import { serveUntilStopped, webRootFor } from './serve-command.js';

const DEMO_DB = 'lockstep_demo';

export interface DemoEnvironment {
  hubUrl: string;
  /** The hub's database (the replication target is `<database>_copy`). */
  database: string;
  devices: { name: string; path: string; store: LocalStore; client: SyncClient }[];
  embedded: EmbeddedPostgres | undefined;
}

/**
 * Sets up the demo: PostgreSQL (LOCKSTEP_DATABASE_URL, else an embedded server under `dir`), a fresh
 * classroom hub database (`database`, dropped and re-created), and two classroom devices whose saved
 * connections are encrypted.
 *
 * @example
 * const env = await prepareDemo(processIo, '.lockstep');
 */
export async function prepareDemo(io: CliIo, dir: string, database = DEMO_DB): Promise<DemoEnvironment> {
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(database)) throw new LockstepError('E_USAGE', `--database must be lower-case letters, digits and _, not "${database}"`);
  let adminUrl = io.env.LOCKSTEP_DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  if (!adminUrl) {
    io.stderr('starting an embedded PostgreSQL (set LOCKSTEP_DATABASE_URL to use your own server)…');
    embedded = await startDemoPostgres(io, join(dir, 'pg'));
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const settings = { ...parseConnectionUrl(adminUrl), database };
  const hubUrl = formatConnectionUrl(settings, { maskPassword: false });
  const hub = await connectHub(settings);
  await initHub(hub, classroom).finally(() => hub.end());
  const deviceDir = join(dir, 'devices');
  rmSync(deviceDir, { recursive: true, force: true });
  mkdirSync(deviceDir, { recursive: true });
  const cipher = cipherFor(io);
  const devices = ['classroom-pc', 'teacher-laptop'].map((name) => {
    const path = join(deviceDir, `${name}.db`);
    const store = LocalStore.init({ path, dataset: classroom, deviceName: name });
    saveConnection(store, settings, cipher);
    const client = createSyncClient({ store, connect: () => connectHub(settings, { deviceName: name }) });
    return { name, path, store, client };
  });
  return { hubUrl, database, devices, embedded };
}

/**
 * The demo's embedded PostgreSQL. Its data is throwaway (the demo re-creates its databases every time), so
 * a cluster that no longer starts — e.g. one made by an older Lockstep with other credentials — is moved
 * aside (not deleted) and a fresh one is made.
 */
async function startDemoPostgres(io: CliIo, dataDir: string): Promise<EmbeddedPostgres> {
  try {
    return await spawnEmbeddedPostgres({ dataDir, port: 54329 });
  } catch (e) {
    if (!existsSync(dataDir)) throw e;
    const aside = `${dataDir}.unusable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    io.stderr(`the demo's PostgreSQL in ${dataDir} did not start (made by an older Lockstep?); moved it to ${aside}, starting a fresh one…`);
    renameSync(dataDir, aside);
    return spawnEmbeddedPostgres({ dataDir, port: 54329 });
  }
}

/** The scripted walk-through: record scores on one device, pull on the other, merge, a conflict, resolve. */
async function walkThrough(io: CliIo, env: DemoEnvironment, json: boolean): Promise<unknown> {
  const [pc, laptop] = env.devices as [DemoEnvironment['devices'][0], DemoEnvironment['devices'][0]];
  const say = (t: string): void => {
    if (!json) io.stdout(t);
  };
  const ids = { ann: crypto.randomUUID(), bo: crypto.randomUUID(), reason: crypto.randomUUID() };
  const now = new Date().toISOString();
  const db = pc.store.db;
  db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?), (?, ?, ?)').run(ids.ann, 'Ann', now, ids.bo, 'Bo', now);
  db.prepare('INSERT INTO reasons (id, content, category, delta, archived) VALUES (?, ?, ?, ?, 0)').run(ids.reason, 'Helped a classmate', 'kindness', 2);
  const event = db.prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  for (const s of [ids.ann, ids.ann, ids.bo]) event.run(crypto.randomUUID(), s, ids.reason, 'Helped a classmate', 2, now);
  say('\n## 1. classroom-pc recorded two students and three scores. Preview:');
  say(formatReport(await pc.client.preview()));
  say('\n## 2. classroom-pc pushes; teacher-laptop pulls:');
  await pc.client.push();
  say(formatReport(await laptop.client.pull()));
  say('\n## 3. Both edit Ann: the PC renames her, the laptop sets her group (different fields merge) and both change her notes (a conflict):');
  db.prepare("UPDATE students SET name = 'Ann Lee', notes = 'front row' WHERE id = ?").run(ids.ann);
  laptop.store.db.prepare("UPDATE students SET group_name = 'Blue', notes = 'back row' WHERE id = ?").run(ids.ann);
  await pc.client.sync();
  const preview = await laptop.client.preview();
  say(formatReport(preview));
  await laptop.client.sync();
  say('\n## 4. The laptop resolves the conflict by merging, then both sync:');
  laptop.client.resolve('students', ids.ann, 'merge', { notes: 'middle row' });
  await laptop.client.sync();
  await pc.client.sync();
  const totals = pc.store.db.prepare('SELECT name, total_score FROM student_scores ORDER BY name').all();
  say(formatConflicts(laptop.client.conflicts()));
  say(`scores on both devices: ${JSON.stringify(totals)}`);
  return { hub: env.hubUrl.replace(/:[^:@/]*@/, ':****@'), devices: env.devices.map((d) => d.path), totals };
}

interface DemoOpts {
  dir: string;
  database: string;
  json?: boolean;
  serve?: boolean;
  host: string;
  port: string;
}

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run the walk-through: embedded PostgreSQL, a classroom hub and two devices (--serve: open them in the web UI)')
    .option('--dir <path>', 'where the demo keeps its files', '.lockstep')
    .option('--database <name>', 'the demo hub database (dropped and re-created)', DEMO_DB)
    .option('--serve', 'instead of the scripted walk-through, serve the two devices in the web UI until Ctrl-C')
    .option('--host <address>', 'with --serve: address to listen on', '127.0.0.1')
    .option('--port <port>', 'with --serve: port (another free one if taken)', '4870')
    .option('--json', 'print JSON')
    .action(async (o: DemoOpts) => {
      if (o.serve) return serveDemo(io, resolve(o.dir), o);
      const env = await prepareDemo(io, resolve(o.dir), o.database);
      try {
        const summary = await walkThrough(io, env, o.json === true);
        emit(io, o.json, summary, () => `\ndemo devices: ${env.devices.map((d) => d.path).join(', ')}\ntry: npm run lockstep -- preview --db ${env.devices[1]?.path}`);
      } finally {
        for (const d of env.devices) d.store.close();
        await env.embedded?.stop();
      }
    });
}

/**
 * `npm start`: the demo environment with some classroom data, a conflict waiting on the teacher's laptop
 * and a replication to a second local database, served in the web UI until Ctrl-C; then the embedded
 * PostgreSQL (if one was started) is stopped cleanly.
 */
async function serveDemo(io: CliIo, dir: string, o: DemoOpts): Promise<void> {
  const webRoot = await webRootFor(io);
  const env = await prepareDemo(io, dir, o.database);
  const stopEmbedded = async (): Promise<void> => {
    await env.embedded?.stop();
  };
  try {
    await seedDemo(env, cipherFor(io));
  } catch (e) {
    for (const d of env.devices) d.store.close();
    await stopEmbedded();
    throw e;
  }
  for (const d of env.devices) d.store.close();
  io.stdout(`demo hub: ${env.hubUrl.replace(/:[^:@/]*@/, ':****@')}; devices: ${env.devices.map((d) => d.name).join(', ')} (files under ${join(dir, 'devices')})`);
  // The demo replicates to a database on this machine; that is allowed only while it serves this machine alone.
  const local = isLoopbackHost(o.host);
  io.stdout(`teacher-laptop has a conflict waiting on its Sync page.${local ? '' : ' Served beyond this machine, replication targets on private addresses are refused.'}`);
  const options = {
    devices: env.devices.map((d) => d.path),
    cipher: cipherFor(io),
    host: o.host,
    forbidPrivateAddresses: !local,
    webRoot,
  };
  const port = parseIntOption('--port', o.port, 0) ?? 4870;
  const inUse = (e: unknown): boolean => isLockstepError(e) && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
  try {
    await serveUntilStopped(io, { ...options, port }, stopEmbedded).catch(async (e: unknown) => {
      if (!inUse(e)) throw e;
      io.stderr(`port ${port} is taken; using another`);
      await serveUntilStopped(io, { ...options, port: 0 }, stopEmbedded);
    });
  } catch (e) {
    await stopEmbedded();
    throw e;
  }
}

/**
 * The demo's starting point: students, preset reasons and scores made on the classroom PC and pulled by the
 * laptop; then both edit Ann (the PC syncs, the laptop has not) so the laptop's preview shows a merge and a
 * conflict; a score recorded on the laptop; and a replication of the hub to a second local database.
 */
async function seedDemo(env: DemoEnvironment, cipher: SecretCipher): Promise<void> {
  const [pc, laptop] = env.devices as [DemoEnvironment['devices'][0], DemoEnvironment['devices'][0]];
  const now = new Date().toISOString();
  const id = (): string => crypto.randomUUID();
  const students = { ann: id(), bo: id(), cy: id(), dee: id() };
  const reasons = { helped: id(), homework: id(), late: id() };
  const db = pc.store.db;
  const student = db.prepare('INSERT INTO students (id, name, group_name, created_at) VALUES (?, ?, ?, ?)');
  student.run(students.ann, 'Ann', 'Red', now);
  student.run(students.bo, 'Bo', 'Red', now);
  student.run(students.cy, 'Cy', 'Blue', now);
  student.run(students.dee, 'Dee', 'Blue', now);
  const reason = db.prepare('INSERT INTO reasons (id, content, category, delta, archived) VALUES (?, ?, ?, ?, 0)');
  reason.run(reasons.helped, 'Helped a classmate', 'kindness', 2);
  reason.run(reasons.homework, 'Homework done', 'work', 1);
  reason.run(reasons.late, 'Late to class', 'conduct', -1);
  const event = db.prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const scores: [string, keyof typeof reasons, string, number][] = [
    [students.ann, 'helped', 'Helped a classmate', 2],
    [students.ann, 'homework', 'Homework done', 1],
    [students.bo, 'homework', 'Homework done', 1],
    [students.cy, 'late', 'Late to class', -1],
    [students.dee, 'helped', 'Helped a classmate', 2],
  ];
  for (const [s, r, text, delta] of scores) event.run(id(), s, reasons[r], text, delta, now);
  await pc.client.push();
  await laptop.client.pull();
  db.prepare("UPDATE students SET name = 'Ann Lee', notes = 'front row' WHERE id = ?").run(students.ann);
  await pc.client.sync();
  laptop.store.db.prepare("UPDATE students SET group_name = 'Green', notes = 'back row' WHERE id = ?").run(students.ann);
  laptop.store.db
    .prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id(), students.bo, reasons.helped, 'Helped a classmate', 2, new Date().toISOString());
  await addDemoReplication(env, cipher);
}

/** A second database on the same server, and a replication of the whole hub to it. */
async function addDemoReplication(env: DemoEnvironment, cipher: SecretCipher): Promise<void> {
  const hub = parseConnectionUrl(env.hubUrl);
  const admin = await connectHub(hub);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${env.database}_copy WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${env.database}_copy`);
  } finally {
    await admin.end();
  }
  const service = createReplicationService({ hub: () => connectHub(hub, { deviceName: 'demo' }), cipher, policy: { forbidPrivateAddresses: false } });
  await service.add({ name: 'Backup copy', owner: 'demo', url: formatConnectionUrl({ ...hub, database: `${env.database}_copy` }, { maskPassword: false }), scope: 'all' });
}
