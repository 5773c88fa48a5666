// D devices with C changes each, all syncing at once against one hub, each device in its own process (as
// real devices are): throughput, nothing lost or duplicated, and the peak memory of one device process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freshHub, report, withClient } from '../bench-db.js';

const devices = Number(process.argv[2] ?? 20);
const changes = Number(process.argv[3] ?? 1_000);
const hub = await freshHub('lockstep_bench_concurrent');

interface Child {
  proc: ChildProcessWithoutNullStreams;
  next: () => Promise<Record<string, number | boolean>>;
}

function start(i: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/concurrent-device.ts', hub, `d${i}`, String(changes)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number | boolean>> => {
    const r = await lines.next();
    if (r.done) throw new Error(`device d${i} stopped:\n${stderr}`);
    return JSON.parse(r.value as string) as Record<string, number | boolean>;
  };
  return { proc, next };
}

const all = Array.from({ length: devices }, (_, i) => start(i));
await Promise.all(all.map((c) => c.next())); // every device has its changes and is connected-ready
const t0 = performance.now();
for (const c of all) c.proc.stdin.write('go\n');
const synced = await Promise.all(all.map((c) => c.next()));
const totalMs = performance.now() - t0;
for (const c of all) c.proc.stdin.write('settle\n');
const settled = await Promise.all(all.map((c) => c.next()));
await Promise.all(all.map((c) => new Promise((done) => (c.proc.exitCode === null ? c.proc.once('exit', done) : done(null)))));
const onHub = await withClient(hub, async (c) => (await c.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT id) AS d FROM classroom.score_events')).rows[0]);
const expected = devices * changes;
const allPresent = Number(onHub?.n) === expected && Number(onHub?.d) === expected && settled.every((s) => s.events === expected);
const slowest = Math.max(...synced.map((s) => Number(s.synced)));
report({
  devices,
  changesEach: changes,
  totalMs: Math.round(totalMs),
  slowestDeviceMs: Math.round(slowest),
  rowsPerSec: Math.round(expected / (totalMs / 1000)),
  allPresent,
  maxRssMb: Math.max(...settled.map((s) => Number(s.maxRssMb))),
  coordinatorRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
});
