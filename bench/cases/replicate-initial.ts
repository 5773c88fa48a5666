// Replication of an N-row scope (one parent's family, `users:<parent>`) to an empty external database,
// against `pg_dump -t <the same tables> | psql` into another empty database in the same run.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freshDatabase, report, timed, withClient } from '../bench-db.js';
import { benchReplicationService, LEARNING_TABLES, learningHubWithFamily } from '../replication-fixture.js';

const n = Number(process.argv[2] ?? 100_000);
const { url: hub, family } = await learningHubWithFamily('lockstep_bench_repl_hub', n);
const target = await freshDatabase('lockstep_bench_repl_target');
const service = benchReplicationService(hub);
const cfg = await service.add({ name: 'bench', owner: family.parent, url: target, scope: `users:${family.parent}` });
const run = await timed(() => service.run(cfg.id));
const copied = Object.values(run.value.rowsCopied).reduce((a, b) => a + b, 0);
if (run.value.status !== 'COMPLETED' || copied !== n) throw new Error(`replicated ${copied} of ${n} rows (${run.value.status})`);

const dump = await pgDumpBaseline(hub);
const ratio = dump === undefined ? 'no pg_dump' : +(run.ms / dump).toFixed(3);
report({ rows: n, replicateMs: Math.round(run.ms), pgDumpMs: dump === undefined ? 'skipped' : Math.round(dump), ratio });

/**
 * `pg_dump -t … | psql` of the dataset's tables into an empty database (the hub holds only this family,
 * so the tables are the scope). The dump's trigger definitions name the hub's change-capture function;
 * the baseline database gets a do-nothing one so they restore (they are created after the data).
 * Undefined when pg_dump or psql is not installed.
 */
async function pgDumpBaseline(hubUrl: string): Promise<number | undefined> {
  const run = promisify(execFile);
  const found = await run('sh', ['-c', 'command -v pg_dump && command -v psql']).catch(() => undefined);
  if (!found) return undefined;
  const into = await freshDatabase('lockstep_bench_repl_dump');
  await withClient(into, (c) =>
    c.query(`CREATE SCHEMA learning; CREATE SCHEMA lockstep;
             CREATE FUNCTION lockstep.capture_changes() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$`),
  );
  const tables = LEARNING_TABLES.flatMap((t) => ['-t', t]).join(' ');
  const t = await timed(() =>
    run('bash', ['-o', 'pipefail', '-c', `pg_dump -d "$1" ${tables} | psql -q -X -v ON_ERROR_STOP=1 -d "$2" >/dev/null`, 'bench', hubUrl, into], { maxBuffer: 1 << 24 }),
  );
  const rows = await withClient(into, async (c) => {
    const { rows: r } = await c.query<{ n: string }>(`SELECT (${LEARNING_TABLES.map((x) => `(SELECT count(*) FROM ${x})`).join(' + ')}) AS n`);
    return Number(r[0]?.n);
  });
  if (rows !== n) throw new Error(`pg_dump | psql restored ${rows} of ${n} rows`);
  return t.ms;
}
