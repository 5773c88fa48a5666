// Initial push of N score events from a device to an empty hub, against raw COPY FROM STDIN of the same rows.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { chunked } from '../../src/hub/sql/copy-rows.js';
import { device, fillDeviceEvents, freshHub, report, timed, withClient } from '../bench-db.js';

const n = Number(process.argv[2] ?? 100_000);
const hub = await freshHub('lockstep_bench_push');
const d = device(hub, 'bench');
const sid = fillDeviceEvents(d.store, n);
const push = await timed(() => d.client.push());
if (push.value.totals.up.add !== n + 1) throw new Error(`pushed ${push.value.totals.up.add}, expected ${n + 1}`);

// Baseline: the same rows into an identical table with COPY, in one transaction.
const rows = d.store.db.prepare('SELECT id, student_id, reason_text, delta, created_at FROM score_events').iterate() as Iterable<Record<string, string | number>>;
const copy = await timed(() =>
  withClient(hub, async (c) => {
    await c.query('BEGIN');
    await c.query('CREATE TABLE classroom.copy_baseline (LIKE classroom.score_events INCLUDING ALL)');
    const lines = (function* () {
      for (const r of rows) yield `${r.id}\t${r.student_id}\t\\N\t${r.reason_text}\t${r.delta}\t${r.created_at}\n`;
    })();
    await pipeline(Readable.from(chunked(lines)), c.query(copyFrom('COPY classroom.copy_baseline (id, student_id, reason_id, reason_text, delta, created_at) FROM STDIN')));
    await c.query('COMMIT');
  }),
);
void sid;
report({ rows: n, pushMs: Math.round(push.ms), copyMs: Math.round(copy.ms), pushRowsPerSec: Math.round(n / (push.ms / 1000)), ratio: +(copy.ms / push.ms).toFixed(3) });
d.store.close();
