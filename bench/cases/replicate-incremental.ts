// Incremental replication of an N-row scope with 1% of its rows changed on the hub (a third inserted, a
// third updated, a third deleted), against the initial replication of the same scope in the same run.
import { freshDatabase, report, timed } from '../bench-db.js';
import { benchReplicationService, changeOnePercent, learningHubWithFamily } from '../replication-fixture.js';

const n = Number(process.argv[2] ?? 100_000);
const { url: hub, family } = await learningHubWithFamily('lockstep_bench_repl_incr_hub', n);
const target = await freshDatabase('lockstep_bench_repl_incr_target');
const service = benchReplicationService(hub);
const cfg = await service.add({ name: 'bench', owner: family.parent, url: target, scope: `users:${family.parent}` });
const initial = await timed(() => service.run(cfg.id));
if (initial.value.status !== 'COMPLETED' || initial.value.kind !== 'full') throw new Error(`initial run: ${initial.value.status} ${initial.value.kind}`);

const changed = await changeOnePercent(hub, Math.round(n / 100));
const incremental = await timed(() => service.run(cfg.id));
const v = incremental.value;
const written = Object.values(v.rowsCopied).reduce((a, b) => a + b, 0);
const deleted = Object.values(v.rowsDeleted).reduce((a, b) => a + b, 0);
if (v.status !== 'COMPLETED' || v.kind !== 'incremental' || written !== changed.inserted + changed.updated || deleted !== changed.deleted)
  throw new Error(`incremental run: ${v.status} ${v.kind}, wrote ${written}, deleted ${deleted}, expected ${JSON.stringify(changed)}`);
report({
  rows: n,
  changed: changed.inserted + changed.updated + changed.deleted,
  initialMs: Math.round(initial.ms),
  incrementalMs: Math.round(incremental.ms),
  ratio: +(incremental.ms / initial.ms).toFixed(3),
});
