import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { FULL } from './fault-mode.js';

interface Line {
  category: string;
  what: string;
  faults?: number;
  operations?: number;
  inputs?: number;
  rows?: number;
}

/** What each category proves, in the order RELIABILITY.md lists them. */
const PROVES: Record<string, string> = {
  'connection-cut':
    'The hub backend is terminated with `pg_terminate_backend` from a second connection before query k of a run, for every k until the run gets through: push, pull, sync and a replication run. Every cut of a device run fails `E_CONNECTION` (never `E_INTERNAL`); the hub is exactly as before; every unsynced local change is still pending, in flight or deferred, or already the same on both sides (a cut hub COMMIT comes after the device commit); a target is either as the last completed run left it or equal to the scope; the first run without a cut converges.',
  'process-kill':
    'A child process running push, pull, sync or a replication run in a loop is SIGKILLed at a random instant. After every kill the SQLite file passes `integrity_check` and `foreign_key_check`, every event made on the device is on the hub or still pending / in flight, the hub holds no duplicate, and the target equals either its state before the round or the scope; at the end a re-run converges (device = hub, target = scope, nothing pending).',
  'server-restart':
    'A private PostgreSQL the test starts is stopped (fast or immediate) in the middle of a sync, and restarted under a continuously replicating worker. The sync fails `E_CONNECTION` with the hub as it was and no unsynced change lost, and converges once the server is back; a worker idle at the restart runs again and the target equals the scope; a restart in the middle of a run kills graphile-worker\'s worker (it cannot record the job\'s end), and the worker frees that job and starts another in its place, which replicates again until the target equals the scope.',
  'local-faults':
    'A read-only store file (`E_STORE_READONLY`), a store locked by another writer (`E_STORE_BUSY`), a full disk (a tiny tmpfs and SQLite `max_page_count`: `E_DISK_FULL`), damaged metadata and a damaged file (`E_STORE_CORRUPT`): each gives its code (and exit code 10 from the CLI), the hub is unchanged, the device file holds exactly what it held, and the run succeeds once the fault is gone.',
  clock:
    'Devices whose clocks run hours ahead or behind edit the same rows in random orders: every device converges to the hub, and a device hours ahead stops winning as soon as the others have seen one of its timestamps.',
  'bad-input':
    'fast-check fuzzing of dataset files, import files, connection URLs, CLI arguments (runCli in-process) and HTTP bodies (fastify inject): every input ends in a documented error code or a success, never `E_INTERNAL`, a 500 or an exception; and a refused input changes nothing (hub dump and device file compared before and after).',
  load:
    'Many devices edit and sync at random against one hub while a worker replicates continuously to several targets, with backends terminated at random: at the end every device equals the hub row by row, no event is lost or duplicated, and every target equals its scope.',
};

/** Bugs the suite shows with `it.fails` tests (they pass while the bug is there); remove each when fixed. */
const KNOWN_BUGS: string[] = [];

function table(lines: Line[]): string {
  const cats = [...new Set([...Object.keys(PROVES), ...lines.map((l) => l.category)])];
  const out: string[] = ['| category | faults injected | operations run | inputs tried | rows checked |', '|---|---:|---:|---:|---:|'];
  const sum = (ls: Line[], k: keyof Line): number => ls.reduce((n, l) => n + (typeof l[k] === 'number' ? (l[k] as number) : 0), 0);
  for (const c of cats) {
    const ls = lines.filter((l) => l.category === c);
    out.push(`| ${c} | ${sum(ls, 'faults')} | ${sum(ls, 'operations')} | ${sum(ls, 'inputs')} | ${sum(ls, 'rows')} |`);
  }
  out.push(`| **total** | ${sum(lines, 'faults')} | ${sum(lines, 'operations')} | ${sum(lines, 'inputs')} | ${sum(lines, 'rows')} |`);
  return out.join('\n');
}

function reportText(lines: Line[], seconds: number): string {
  const parts = [
    '# Reliability under faults, load and bad input',
    '',
    `Written by \`npm run test:faults\` (${FULL ? 'full' : 'reduced'} form) on ${new Date().toISOString()}; the run took ${seconds} s.`,
    'Every number below was counted by the suite during that run (`test/faults/`); a test records its counts only',
    'after all of its assertions passed.',
    '',
    table(lines),
    '',
    '## What each category proves',
    '',
  ];
  for (const [c, text] of Object.entries(PROVES)) parts.push(`* **${c}** — ${text}`);
  parts.push('', '## Known bugs', '', ...(KNOWN_BUGS.length === 0 ? ['None: no test of the suite is an `it.fails`.'] : KNOWN_BUGS.map((b) => `* ${b}`)));
  parts.push('', '## Per test', '', '| category | test | faults | operations | inputs | rows |', '|---|---|---:|---:|---:|---:|');
  for (const l of lines) parts.push(`| ${l.category} | ${l.what} | ${l.faults ?? 0} | ${l.operations ?? 0} | ${l.inputs ?? 0} | ${l.rows ?? 0} |`);
  return `${parts.join('\n')}\n`;
}

/** Gives every test file a folder for its counts; at the end adds them up (RELIABILITY.md in the full form). */
export default function setup(project: TestProject): (() => void) | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-faults-report-'));
  const started = Date.now();
  project.provide('faultReportDir', dir);
  return () => {
    const lines: Line[] = [];
    for (const f of readdirSync(dir)) for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Line);
    rmSync(dir, { recursive: true, force: true });
    const text = reportText(lines, Math.round((Date.now() - started) / 1000));
    process.stdout.write(`\n${table(lines)}\n`);
    const target = process.env.LOCKSTEP_FAULTS_REPORT ?? (FULL ? 'RELIABILITY.md' : undefined);
    if (target && lines.length > 0) writeFileSync(target, text);
  };
}
