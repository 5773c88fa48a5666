import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import { parseConnectionUrl, formatConnectionUrl } from '../../connection/parse-connection-url.js';
import { classroom } from '../../dataset/classroom.js';
import type { EmbeddedPostgres } from '../../embedded/embedded-postgres-server.js';
import { spawnEmbeddedPostgres } from '../../embedded/spawn-embedded-postgres.js';
import { connectHub } from '../../hub/connect-hub.js';
import { initHub } from '../../hub/hub-init.js';
import { LocalStore } from '../../store/local-store.js';
import { saveConnection } from '../../sync/saved-connection.js';
import { createSyncClient, type SyncClient } from '../../sync/sync-client.js';
import { emit, type CliIo } from '../cli-io.js';
import { cipherFor } from '../device-context.js';
import { formatConflicts, formatReport } from '../format-report.js';

const DEMO_DB = 'lockstep_demo';

export interface DemoEnvironment {
  hubUrl: string;
  devices: { name: string; path: string; store: LocalStore; client: SyncClient }[];
  embedded: EmbeddedPostgres | undefined;
}

/**
 * Sets up the demo: PostgreSQL (LOCKSTEP_DATABASE_URL, else an embedded server under `dir`), a fresh
 * classroom hub database, and two classroom devices whose saved connections are encrypted.
 */
export async function prepareDemo(io: CliIo, dir: string): Promise<DemoEnvironment> {
  let adminUrl = io.env.LOCKSTEP_DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  if (!adminUrl) {
    io.stderr('starting an embedded PostgreSQL (set LOCKSTEP_DATABASE_URL to use your own server)…');
    embedded = await spawnEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54329 });
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DEMO_DB}`);
  } finally {
    await admin.end();
  }
  const settings = { ...parseConnectionUrl(adminUrl), database: DEMO_DB };
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
  return { hubUrl, devices, embedded };
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

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run the walk-through: embedded PostgreSQL, a classroom hub and two devices')
    .option('--dir <path>', 'where the demo keeps its files', '.lockstep')
    .option('--json', 'print JSON')
    .action(async (o: { dir: string; json?: boolean }) => {
      const env = await prepareDemo(io, resolve(o.dir));
      try {
        const summary = await walkThrough(io, env, o.json === true);
        emit(io, o.json, summary, () => `\ndemo devices: ${env.devices.map((d) => d.path).join(', ')}\ntry: npm run lockstep -- preview --db ${env.devices[1]?.path}`);
      } finally {
        for (const d of env.devices) d.store.close();
        await env.embedded?.stop();
      }
    });
}
