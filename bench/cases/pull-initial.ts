// Pull of N rows to an empty device, against COPY TO STDOUT plus a bulk SQLite insert of the same rows.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { to as copyTo } from 'pg-copy-streams';
import pg from 'pg';
import { device, freshHub, report, timed, withClient } from '../bench-db.js';

const n = Number(process.argv[2] ?? 100_000);
const hub = await freshHub('lockstep_bench_pull');
const sid = randomUUID();
await withClient(hub, async (c) => {
  await c.query(`INSERT INTO classroom.students (id, name, created_at) VALUES ($1, 'bench', now())`, [sid]);
  await c.query(
    `INSERT INTO classroom.score_events (id, student_id, reason_text, delta, created_at)
     SELECT gen_random_uuid(), $1, 'seed', i % 7, now() FROM generate_series(1, $2::int) i`,
    [sid, n],
  );
});
const d = device(hub, 'bench');
const pull = await timed(() => d.client.pull());
if (pull.value.totals.down.add !== n + 1) throw new Error('wrong pull');

// Baseline: COPY the table out and insert it into a plain SQLite table in one transaction.
const base = await timed(async () => {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'lockstep-bench-')), 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE score_events (id TEXT PRIMARY KEY, student_id TEXT, reason_id TEXT, reason_text TEXT, delta INTEGER, created_at TEXT)');
  const ins = db.prepare('INSERT INTO score_events VALUES (?, ?, ?, ?, ?, ?)');
  const c = new pg.Client({ connectionString: hub });
  await c.connect();
  db.exec('BEGIN');
  let rest = '';
  const stream = c.query(copyTo('COPY classroom.score_events TO STDOUT'));
  for await (const chunk of stream) {
    const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const f = line.split('\t');
      ins.run(f[0], f[1], f[2] === '\\N' ? null : f[2], f[3], Number(f[4]), f[5]);
    }
  }
  db.exec('COMMIT');
  await c.end();
  db.close();
});
report({ rows: n, pullMs: Math.round(pull.ms), baselineMs: Math.round(base.ms), ratio: +(base.ms / pull.ms).toFixed(3) });
d.store.close();
