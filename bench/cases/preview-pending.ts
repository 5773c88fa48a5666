// Preview with N pending local changes.
import { device, fillDeviceEvents, freshHub, report, timed } from '../bench-db.js';

const n = Number(process.argv[2] ?? 100_000);
const hub = await freshHub('lockstep_bench_preview');
const d = device(hub, 'bench');
fillDeviceEvents(d.store, n);
const t = await timed(() => d.client.preview());
if (t.value.totals.up.add !== n + 1) throw new Error('wrong preview');
report({ pending: n, previewMs: Math.round(t.ms) });
d.store.close();
