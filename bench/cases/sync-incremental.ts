// Incremental sync of 100 changed rows (50 made on the device, 50 on the hub) with `size` rows already in
// step: the cost must follow the changes, not the data.
import { randomUUID } from 'node:crypto';
import { device, freshHub, report, timed, withClient } from '../bench-db.js';

const size = Number(process.argv[2] ?? 10_000);
const repeats = Number(process.argv[3] ?? 5);
const hub = await freshHub('lockstep_bench_incr');
const sid = randomUUID();
await withClient(hub, async (c) => {
  await c.query(`INSERT INTO classroom.students (id, name, created_at) VALUES ($1, 'bench', now())`, [sid]);
  await c.query(
    `INSERT INTO classroom.score_events (id, student_id, reason_text, delta, created_at)
     SELECT gen_random_uuid(), $1, 'seed', i % 7, now() FROM generate_series(1, $2::int) i`,
    [sid, size],
  );
  await c.query('ANALYZE');
});
const d = device(hub, 'bench');
const setup = await timed(() => d.client.pull());
const ins = d.store.db.prepare('INSERT INTO score_events (id, student_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?)');
const times: number[] = [];
for (let r = 0; r < repeats; r++) {
  for (let i = 0; i < 50; i++) ins.run(randomUUID(), sid, 'local', 1, new Date().toISOString());
  await withClient(hub, (c) =>
    c.query(`INSERT INTO classroom.score_events (id, student_id, reason_text, delta, created_at) SELECT gen_random_uuid(), $1, 'hub', 1, now() FROM generate_series(1, 50)`, [sid]),
  );
  const t = await timed(() => d.client.sync());
  if (t.value.totals.up.add !== 50 || t.value.totals.down.add !== 50) throw new Error(`unexpected counts ${JSON.stringify(t.value.totals)}`);
  times.push(t.ms);
}
times.sort((a, b) => a - b);
report({ rows: size, setupPullMs: Math.round(setup.ms), syncMs: Math.round(times[Math.floor(times.length / 2)] as number) });
d.store.close();
