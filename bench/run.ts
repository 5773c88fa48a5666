// npm run bench [-- --quick] [-- --reps N]: runs every case in its own process (so peak memory is per case),
// repeats each for a median, prints a table and rewrites BENCHMARKS.md (bench-quick.md with --quick) after
// every case, so an interrupted run leaves the cases it finished. Every figure has its baseline from the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import { ADMIN_URL, withClient } from './bench-db.js';
import { NOTES } from './bench-notes.js';

const quick = process.argv.includes('--quick');
const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : quick ? 1 : 3;
type Figures = Record<string, number | string | boolean>;

interface Case {
  name: string;
  file: string;
  args: string[];
  baseline: string;
  target: string;
  verdict: (f: Figures) => string;
}

const big = quick ? 20_000 : 1_000_000;
const replicated = quick ? 10_000 : 1_000_000;
const mid = quick ? 10_000 : 100_000;
const ok = (b: boolean): string => (b ? 'met' : 'missed');
const cases: Case[] = [
  { name: `replication of a ${replicated.toLocaleString('en')}-row scope (one family) to an empty database`, file: 'replicate-initial', args: [String(replicated)], baseline: '`pg_dump -t <its tables> \\| psql` into an empty database', target: '≤ 1.2 × pg_dump time', verdict: (f) => (typeof f.ratio === 'number' ? ok(f.ratio <= 1.2) : 'no baseline') },
  { name: `incremental replication with 1% of ${replicated.toLocaleString('en')} rows changed`, file: 'replicate-incremental', args: [String(replicated)], baseline: 'the initial replication', target: '< 5% of its time', verdict: (f) => ok(Number(f.ratio) < 0.05) },
  { name: `${quick ? 5 : 20} devices syncing at once, ${quick ? 200 : 1000} changes each`, file: 'concurrent-devices', args: quick ? ['5', '200'] : ['20', '1000'], baseline: '—', target: 'all present; throughput', verdict: (f) => ok(f.allPresent === true) },
  { name: `initial push of ${big.toLocaleString('en')} score_events`, file: 'push-initial', args: [String(big)], baseline: 'COPY FROM STDIN of the same rows', target: '≥ 0.5 × COPY throughput', verdict: (f) => ok(Number(f.ratio) >= 0.5) },
  { name: `pull of ${big.toLocaleString('en')} rows to an empty device`, file: 'pull-initial', args: [String(big)], baseline: 'COPY TO + SQLite bulk insert', target: '≥ 0.5 × baseline', verdict: (f) => ok(Number(f.ratio) >= 0.5) },
  ...(quick ? [10_000] : [10_000, 100_000, 1_000_000]).map((n) => ({
    name: `incremental sync of 100 changed rows at ${n.toLocaleString('en')} rows`,
    file: 'sync-incremental',
    args: [String(n), '5'],
    baseline: 'itself across sizes',
    target: '< 100 ms at 1M, flat',
    verdict: (f: Figures) => ok(Number(f.syncMs) < 100),
  })),
  { name: `preview with ${mid.toLocaleString('en')} pending changes`, file: 'preview-pending', args: [String(mid)], baseline: '—', target: '< 1 s', verdict: (f) => ok(Number(f.previewMs) < 1000) },
];

/** Whether the load average says other work ran (a case alone keeps about two processes busy: Node and PostgreSQL). */
const busy = (): boolean => Math.max(loadAtStart, loadavg()[0] as number) > cpus().length + 0.5;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const pgVersion = await withClient(ADMIN_URL, async (cl) => (await cl.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?');
const sqliteVersion = (new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
const out = quick ? 'bench-quick.md' : 'BENCHMARKS.md';
const loadAtStart = loadavg()[0] as number;
const started = Date.now();
const results: { c: Case; figures: Figures; runs: Figures[] }[] = [];
for (const c of cases) {
  const runs: Figures[] = [];
  for (let r = 0; r < reps; r++) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/cases/${c.file}.ts`, ...c.args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !line.startsWith('{')) throw new Error(`${c.file} failed:\n${run.stderr}`);
    runs.push(JSON.parse(line) as Figures);
  }
  const figures: Figures = {};
  for (const k of Object.keys(runs[0] ?? {})) {
    const vals = runs.map((r) => r[k]);
    figures[k] = typeof vals[0] === 'number' ? median(vals as number[]) : (vals[0] as string | boolean);
  }
  results.push({ c, figures, runs });
  process.stdout.write(`${c.name}: ${JSON.stringify(figures)} → ${c.verdict(figures)} (${c.target})\n`);
  writeFileSync(out, markdown(results.length < cases.length));
}
process.stdout.write(`wrote ${out} (git: ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()})\n`);

function markdown(partial: boolean): string {
  const fmt = (f: Figures): string =>
    Object.entries(f)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const minutes = Math.round((Date.now() - started) / 60_000);
  return `# Benchmarks

Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}${partial ? ` — **partial: ${results.length} of ${cases.length} cases so far**` : ''}. Each case runs in its own process
(so \`maxRssMb\` is that case's peak memory), ${reps} time(s); figures are medians. Baselines are measured in the
same run, on the same machine and server.

* Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version};
  PostgreSQL ${pgVersion} (local server over TCP); SQLite ${sqliteVersion} (better-sqlite3, WAL, synchronous=NORMAL).
* Load: 1-minute load average ${loadAtStart.toFixed(1)} at the start and ${(loadavg()[0] as number).toFixed(1)} at the last case, on ${cpus().length} cores
  (${minutes} min so far). ${busy() ? 'Other work shared the machine during this run, so absolute times are slower and noisier than on an idle one; ratios' : 'Nothing else ran on the machine; ratios'} compare a case with its baseline measured minutes apart under the same load.
* Method: \`bench/cases/*.ts\`; data is generated in the run: sync cases use the classroom dataset (UUID keys, one
  student with many score events); replication cases use the learning dataset, one parent with 100 learners whose
  family is exactly N rows (40% lessons, the rest mostly points), replicated with scope \`users:<parent>\` to an
  empty database on the same server; its baseline is \`pg_dump -t <the 8 tables> | psql\` into another empty
  database (the hub holds only that family, so the tables are the scope). The concurrent case runs each device in
  its own process; its \`maxRssMb\` is the largest device process, \`coordinatorRssMb\` the process that starts them.

| case | baseline | target | figures (median) | verdict |
|---|---|---|---|---|
${results.map(({ c, figures }) => `| ${c.name} | ${c.baseline} | ${c.target} | ${fmt(figures)} | ${c.verdict(figures)} |`).join('\n')}

${quick ? '' : NOTES}`;
}
