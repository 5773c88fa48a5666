import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LockstepError } from '../../core/errors.js';
import type { JsonValue, Row } from '../../core/row.js';
import type { TableDef } from '../../dataset/dataset.js';
import type { RunOperation } from '../../sync/run-state.js';
import type { SavedPlan, SyncClient } from '../../sync/sync-client.js';
import type { SyncReport } from '../../sync/sync-report.js';
import { hasSyncedBefore } from '../../sync/sync-run.js';
import { emit, parseIntOption, type CliIo } from '../cli-io.js';
import { openDevice } from '../device-context.js';
import { formatConflicts, formatPrecheck, formatReport } from '../format-report.js';

interface RunOpts {
  db: string;
  json?: boolean;
  plan?: string;
  yes?: boolean;
  lockTimeout?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** precheck, preview, push, pull, sync, conflicts, resolve, log. */
export function registerSyncCommands(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('precheck')
    .description('check connection, hub schema, local integrity, the lock and every constraint, changing nothing')
    .requiredOption('--db <path>', 'the device database')
    .option('--json', 'print JSON')
    .action(async (o: { db: string; json?: boolean }) => {
      const d = openDevice(io, o.db);
      try {
        const r = await d.client.precheck();
        emit(io, o.json, r, () => formatPrecheck(r));
        done(r.ok ? 0 : 1);
      } finally {
        d.close();
      }
    });

  program
    .command('preview')
    .description('show what push, pull or sync would do, per table, and every conflict; writes nothing')
    .requiredOption('--db <path>', 'the device database')
    .option('--for <operation>', 'push, pull or sync', 'sync')
    .option('--save <plan>', 'save this preview to apply later with --plan')
    .option('--json', 'print JSON')
    .action(async (o: { db: string; for: string; save?: string; json?: boolean }) => {
      if (!['push', 'pull', 'sync'].includes(o.for)) throw new LockstepError('E_USAGE', `--for must be push, pull or sync, not "${o.for}"`);
      const d = openDevice(io, o.db);
      try {
        const r = await d.client.preview(o.for as RunOperation);
        if (o.save) writeFileSync(o.save, JSON.stringify(d.client.savePlan(r), null, 2));
        emit(io, o.json, r, () => formatReport(r) + (o.save ? `\nplan saved to ${o.save}` : ''));
      } finally {
        d.close();
      }
    });

  for (const op of ['push', 'pull', 'sync'] as const) {
    const descriptions = {
      push: 'send local changes to the hub',
      pull: 'make this device equal to the hub (backs up the local file first)',
      sync: 'push and pull; conflicts are left for resolve',
    };
    program
      .command(op)
      .description(descriptions[op])
      .requiredOption('--db <path>', 'the device database')
      .option('--plan <file>', 'apply exactly this saved preview, or refuse if anything changed since')
      .option('--yes', op === 'pull' ? 'discard local changes not yet on the hub' : 'confirm a first sync that merges two non-empty sides')
      .option('--lock-timeout <ms>', 'how long to wait for another device to finish', '10000')
      .option('--json', 'print JSON')
      .action(async (o: RunOpts) => {
        const d = openDevice(io, o.db, { lockTimeoutMs: parseIntOption('--lock-timeout', o.lockTimeout, 0) });
        try {
          const plan = o.plan ? readPlan(o.plan) : undefined;
          if (!plan && !o.yes && op !== 'pull' && !hasSyncedBefore(d.store)) await confirmFirstMerge(d.client, op);
          const r =
            op === 'push'
              ? await d.client.push({ ...(plan ? { plan } : {}) })
              : op === 'pull'
                ? await d.client.pull({ discardLocal: o.yes === true, ...(plan ? { plan } : {}) })
                : await d.client.sync({ ...(plan ? { plan } : {}) });
          emit(io, o.json, r, () => formatReport(r) + ('backup' in r && r.backup ? `\nlocal file backed up to ${String(r.backup)}` : ''));
          done(r.totals.conflicts > 0 ? 3 : 0);
        } finally {
          d.close();
        }
      });
  }

  program
    .command('conflicts')
    .description('list the conflicts left by the last push or sync')
    .requiredOption('--db <path>', 'the device database')
    .option('--json', 'print JSON')
    .action((o: { db: string; json?: boolean }) => {
      const d = openDevice(io, o.db);
      try {
        const c = d.client.conflicts();
        emit(io, o.json, { conflicts: c }, () => formatConflicts(c));
      } finally {
        d.close();
      }
    });

  program
    .command('resolve')
    .description('settle a conflict: keep the local or the server version, or merge field by field')
    .argument('[table]', 'table of the conflicted row')
    .argument('[id]', 'the row key')
    .requiredOption('--db <path>', 'the device database')
    .option('--keep <side>', 'local, server or merge')
    .option('--set <field=value>', 'a field value for --keep merge (repeatable)', collect, [])
    .option('--all <side>', 'resolve every conflict: local or server')
    .option('--json', 'print JSON')
    .action((table: string | undefined, id: string | undefined, o: { db: string; keep?: string; set: string[]; all?: string; json?: boolean }) => {
      const d = openDevice(io, o.db);
      try {
        if (o.all !== undefined) {
          if (o.all !== 'local' && o.all !== 'server') throw new LockstepError('E_USAGE', '--all takes local or server');
          const n = d.client.resolveAll(o.all);
          emit(io, o.json, { resolved: n }, () => `resolved ${n} conflict(s) keeping the ${o.all} version; run lockstep sync to send the outcome`);
          return;
        }
        if (!table || !id || !o.keep) throw new LockstepError('E_USAGE', 'give TABLE ID --keep local|server|merge, or --all local|server');
        if (!['local', 'server', 'merge'].includes(o.keep)) throw new LockstepError('E_USAGE', '--keep takes local, server or merge');
        const set = parseSets(d.store.table(table), o.set);
        const row = d.client.resolve(table, id, o.keep as 'local' | 'server' | 'merge', set);
        emit(io, o.json, { table, id, keep: o.keep, row }, () => `resolved ${table} ${id} (${o.keep}); run lockstep sync to send the outcome`);
      } finally {
        d.close();
      }
    });

  program
    .command('log')
    .description('the sync log of this device and of the hub')
    .requiredOption('--db <path>', 'the device database')
    .option('--limit <n>', 'entries to show', '20')
    .option('--json', 'print JSON')
    .action(async (o: { db: string; limit: string; json?: boolean }) => {
      const d = openDevice(io, o.db);
      try {
        const log = await d.client.log(parseIntOption('--limit', o.limit, 1));
        emit(io, o.json, log, () => {
          const lines = ['this device:'];
          for (const e of log.local) lines.push(`  ${e.startedAt} ${e.operation} ${e.result}${e.error ? ` — ${e.error.code}: ${e.error.message}` : ''}`);
          lines.push('hub:');
          if (log.hub === null) lines.push(`  (unreachable: ${log.hubError ?? 'unknown error'})`);
          else for (const e of log.hub) lines.push(`  ${e.startedAt} ${e.deviceName ?? '?'} (${e.dbRole}) ${e.operation} ${e.result}`);
          return lines.join('\n');
        });
      } finally {
        d.close();
      }
    });
}

function readPlan(path: string): SavedPlan {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SavedPlan;
  } catch (e) {
    throw new LockstepError('E_PLAN_INVALID', `cannot read plan ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** First contact where both sides hold data: show the preview and ask for --yes or a saved plan. */
async function confirmFirstMerge(client: SyncClient, op: RunOperation): Promise<void> {
  const p: SyncReport = await client.preview(op);
  const down = p.totals.down.add + p.totals.down.update + p.totals.down.delete;
  const up = p.totals.up.add + p.totals.up.update + p.totals.up.delete;
  if (p.firstSync && up > 0 && (down > 0 || p.totals.conflicts > 0)) {
    throw new LockstepError(
      'E_CONFIRMATION_REQUIRED',
      `first sync with a hub that already has data, and this device has data too:\n${formatReport(p)}\nreview it, then run again with --yes (or save it with preview --save and apply it with --plan)`,
    );
  }
}

function parseSets(table: TableDef, sets: string[]): Row {
  const out: Row = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new LockstepError('E_USAGE', `--set takes FIELD=VALUE, not "${s}"`);
    const field = s.slice(0, eq);
    const col = table.columns.find((c) => c.name === field);
    if (!col) throw new LockstepError('E_USAGE', `${table.name} has no column "${field}"`);
    out[field] = parseValue(col.type, s.slice(eq + 1), field);
  }
  return out;
}

function parseValue(type: string, raw: string, field: string): JsonValue {
  if (raw === 'null') return null;
  const bad = (): never => {
    throw new LockstepError('E_USAGE', `--set ${field}: "${raw}" is not a valid ${type}`);
  };
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(raw) ? Number(raw) : bad();
    case 'real':
      return Number.isFinite(Number(raw)) && raw.trim() !== '' ? Number(raw) : bad();
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : bad();
    case 'json':
      try {
        return JSON.parse(raw) as JsonValue;
      } catch {
        return bad();
      }
    case 'timestamp':
      return Number.isNaN(new Date(raw).getTime()) ? bad() : new Date(raw).toISOString();
    default:
      return raw;
  }
}
