// D devices with C changes each, all syncing at once against one hub: throughput, and nothing lost or duplicated.
import { device, fillDeviceEvents, freshHub, report, timed, withClient } from '../bench-db.js';

const devices = Number(process.argv[2] ?? 20);
const changes = Number(process.argv[3] ?? 1_000);
const hub = await freshHub('lockstep_bench_concurrent');
const all = Array.from({ length: devices }, (_, i) => device(hub, `d${i}`));
for (const d of all) fillDeviceEvents(d.store, changes);
const t = await timed(() => Promise.all(all.map((d) => d.client.sync())));
for (const d of all) await d.client.sync();
const onHub = await withClient(hub, async (c) => Number((await c.query('SELECT count(*) AS n, count(DISTINCT id) AS d FROM classroom.score_events')).rows[0]?.n));
const expected = devices * changes;
const everyDevice = all.every((d) => (d.store.db.prepare('SELECT count(*) AS n FROM score_events').get() as { n: number }).n === expected);
report({ devices, changesEach: changes, totalMs: Math.round(t.ms), rowsPerSec: Math.round(expected / (t.ms / 1000)), allPresent: onHub === expected && everyDevice });
for (const d of all) d.store.close();
