import pg from 'pg';
import type { Command } from 'commander';
import { formatConnectionUrl, parseConnectionUrl } from '../../connection/parse-connection-url.js';
import { toPgClientConfig } from '../../connection/pg-client-config.js';
import { LockstepError } from '../../core/errors.js';
import { connectHub } from '../../hub/connect-hub.js';
import type { EditReplicationInput } from '../../replicate/config-input.js';
import { parseInterval } from '../../replicate/parse-interval.js';
import type { HubConnector } from '../../replicate/replication-options.js';
import { createReplicationService, type ReplicationService } from '../../replicate/replication-service.js';
import { formatConfig, formatConfigLine, formatProgress, formatRun, formatTargetCheck } from '../../replicate/replication-text.js';
import type { ReplicationMode, ReplicationProgress } from '../../replicate/replication-types.js';
import { startReplicationWorker, type ReplicationWorkerEvent } from '../../replicate/replication-worker.js';
import type { SecretCipher } from '../../sync/saved-connection.js';
import { emit, parseIntOption, type CliIo } from '../cli-io.js';
import { cipherFor } from '../device-context.js';

interface HubOpts {
  hubUrl?: string;
  json?: boolean;
  forbidPrivateTargets?: boolean;
  owner?: string;
}

/** --hub-url, --json and the private-address policy (off by default in the CLI) on every command. */
function common(cmd: Command): Command {
  return cmd
    .option('--hub-url <url>', 'the hub (default: $LOCKSTEP_HUB_URL)')
    .option('--forbid-private-targets', 'refuse targets on loopback, private or link-local addresses')
    .option('--json', 'print JSON');
}

function hubUrl(io: CliIo, o: HubOpts): string {
  const url = o.hubUrl ?? io.env.LOCKSTEP_HUB_URL;
  if (!url) throw new LockstepError('E_USAGE', 'give the hub with --hub-url URL (or set LOCKSTEP_HUB_URL)');
  return url;
}

/** The key file is read (or created) only when a password is encrypted or decrypted. */
function lazyCipher(io: CliIo): SecretCipher {
  let box: SecretCipher | undefined;
  return { encrypt: (s) => (box ??= cipherFor(io)).encrypt(s), decrypt: (s) => (box ??= cipherFor(io)).decrypt(s) };
}

function hubConnector(io: CliIo, o: HubOpts): HubConnector {
  const settings = parseConnectionUrl(hubUrl(io, o));
  return () => connectHub(settings, { deviceName: 'replicate' });
}

function serviceFor(io: CliIo, o: HubOpts): ReplicationService {
  return createReplicationService({ hub: hubConnector(io, o), cipher: lazyCipher(io), policy: { forbidPrivateAddresses: o.forbidPrivateTargets === true } });
}

/** The target URL, with the password from stdin when asked. */
async function targetUrl(io: CliIo, url: string, passwordStdin: boolean | undefined): Promise<string> {
  if (!passwordStdin) return url;
  const settings = parseConnectionUrl(url);
  settings.password = (await io.readStdin()).replace(/\r?\n$/, '');
  return formatConnectionUrl(settings, { maskPassword: false });
}

function mode(raw: string | undefined): ReplicationMode | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'manual' && raw !== 'continuous') throw new LockstepError('E_USAGE', `--mode must be manual or continuous, not "${raw}"`);
  return raw;
}

/** Progress lines on stderr: at each new table or phase, else at most once a second. */
function progressPrinter(io: CliIo): (p: ReplicationProgress) => void {
  let last = '';
  let at = 0;
  return (p) => {
    const key = `${p.phase}:${p.table ?? ''}`;
    if (key === last && Date.now() - at < 1000) return;
    last = key;
    at = Date.now();
    io.stderr(formatProgress(p));
  };
}

interface AddOpts extends HubOpts {
  name: string;
  targetUrl: string;
  scope: string;
  mode?: string;
  interval?: string;
  targetSchema?: string;
  migrate?: boolean;
  targetPasswordStdin?: boolean;
}

interface EditOpts extends HubOpts {
  name?: string;
  targetUrl?: string;
  scope?: string;
  mode?: string;
  interval?: string;
  targetSchema?: string;
  migrate?: boolean;
  targetPasswordStdin?: boolean;
}

/** `lockstep replicate add|list|show|edit|remove|run|history|schema` and `lockstep worker`. */
export function registerReplicateCommands(program: Command, io: CliIo, done: (exitCode: number) => void): void {
  const rep = program.command('replicate').description("copy an account's data to a PostgreSQL database you own");

  common(rep.command('add').description('save a replication (the target password is stored encrypted)'))
    .requiredOption('--name <name>', 'a name for it')
    .requiredOption('--target-url <url>', 'postgres://user:password@host:port/database?sslmode=…')
    .requiredOption('--scope <scope>', 'users:<parent id> (that account and everything that belongs to it), or all')
    .option('--owner <id>', 'who owns it (default: the scope root key, or "cli")')
    .option('--mode <mode>', 'manual or continuous', 'manual')
    .option('--interval <interval>', 'for continuous: 30s, 5m, 1h …')
    .option('--target-schema <schema>', 'schema in the target database (default: the dataset name)')
    .option('--migrate', 'let runs add missing columns to existing target tables')
    .option('--target-password-stdin', 'read the target password from standard input')
    .action(async (o: AddOpts) => {
      const owner = o.owner ?? (o.scope.includes(':') ? o.scope.slice(o.scope.indexOf(':') + 1) : 'cli');
      const cfg = await serviceFor(io, o).add({
        name: o.name,
        owner,
        url: await targetUrl(io, o.targetUrl, o.targetPasswordStdin),
        scope: o.scope,
        mode: mode(o.mode) ?? 'manual',
        intervalSeconds: o.interval === undefined ? null : parseInterval(o.interval),
        ...(o.targetSchema === undefined ? {} : { targetSchema: o.targetSchema }),
        migrate: o.migrate === true,
      });
      emit(io, o.json, cfg, () => `added replication ${cfg.name} (${cfg.id})\n${formatConfig(cfg)}`);
    });

  common(rep.command('list').description('list replications'))
    .option('--owner <id>', "only this owner's")
    .action(async (o: HubOpts) => {
      const all = await serviceFor(io, o).list({ owner: o.owner });
      emit(io, o.json, all, () => (all.length === 0 ? 'no replications' : all.map(formatConfigLine).join('\n')));
    });

  common(rep.command('show').description('a replication, with live progress while it runs').argument('<id>', 'id or name')).action(async (id: string, o: HubOpts) => {
    const cfg = await serviceFor(io, o).get(id);
    emit(io, o.json, cfg, () => formatConfig(cfg));
  });

  common(rep.command('edit').description('change a replication; takes effect at the next run').argument('<id>', 'id or name'))
    .option('--name <name>')
    .option('--target-url <url>', 'a new target (a password shown as **** keeps the stored one)')
    .option('--scope <scope>')
    .option('--mode <mode>', 'manual or continuous')
    .option('--interval <interval>')
    .option('--target-schema <schema>')
    .option('--migrate', 'let runs add missing columns')
    .option('--no-migrate', 'never add columns')
    .option('--target-password-stdin', 'read the target password from standard input')
    .action(async (id: string, o: EditOpts) => {
      const patch: EditReplicationInput = {};
      if (o.name !== undefined) patch.name = o.name;
      if (o.targetUrl !== undefined) patch.url = await targetUrl(io, o.targetUrl, o.targetPasswordStdin);
      if (o.scope !== undefined) patch.scope = o.scope;
      const m = mode(o.mode);
      if (m !== undefined) patch.mode = m;
      if (o.interval !== undefined) patch.intervalSeconds = parseInterval(o.interval);
      if (o.targetSchema !== undefined) patch.targetSchema = o.targetSchema;
      if (o.migrate !== undefined) patch.migrate = o.migrate;
      const cfg = await serviceFor(io, o).edit(id, patch);
      emit(io, o.json, cfg, () => `updated\n${formatConfig(cfg)}`);
    });

  common(rep.command('remove').description("delete a replication and its history (the target's tables and rows stay)").argument('<id>', 'id or name')).action(
    async (id: string, o: HubOpts) => {
      const cfg = await serviceFor(io, o).remove(id);
      emit(io, o.json, { removed: cfg }, () => `removed replication ${cfg.name} (${cfg.id}); the target database was not touched`);
    },
  );

  common(rep.command('run').description('run a replication now, showing progress on stderr').argument('<id>', 'id or name'))
    .option('--full', 'copy every row of the scope, as on the first run')
    .option('--lock-timeout <ms>', 'wait this long if it is already running', '0')
    .action(async (id: string, o: HubOpts & { full?: boolean; lockTimeout: string }) => {
      const run = await serviceFor(io, o).run(id, {
        full: o.full === true,
        lockTimeoutMs: parseIntOption('--lock-timeout', o.lockTimeout, 0) ?? 0,
        onProgress: progressPrinter(io),
      });
      emit(io, o.json, run, () => formatRun(run));
    });

  common(rep.command('history').description('the runs of a replication, newest first').argument('<id>', 'id or name'))
    .option('--limit <n>', 'runs to show', '20')
    .action(async (id: string, o: HubOpts & { limit: string }) => {
      const runs = await serviceFor(io, o).history(id, { limit: parseIntOption('--limit', o.limit, 1) ?? 20 });
      emit(io, o.json, runs, () => (runs.length === 0 ? 'no runs yet' : runs.map(formatRun).join('\n')));
    });

  common(rep.command('schema').description("check a replication's target tables, or --print the DDL to create them by hand").argument('[id]', 'id or name'))
    .option('--print', 'print the CREATE statements instead of checking a target')
    .option('--target-schema <schema>', 'the schema to print (default: the replication’s, else the dataset name)')
    .action(async (id: string | undefined, o: HubOpts & { print?: boolean; targetSchema?: string }) => {
      const service = serviceFor(io, o);
      if (o.print) {
        const ddl = await service.schemaDdl({ ...(id ? { id } : {}), ...(o.targetSchema ? { targetSchema: o.targetSchema } : {}) });
        emit(io, o.json, { statements: ddl }, () => `${ddl.join(';\n\n')};`);
        return;
      }
      if (!id) throw new LockstepError('E_USAGE', 'give a replication to check its target, or --print to print the DDL');
      const r = await service.checkTarget(id);
      emit(io, o.json, r, () => formatTargetCheck(r));
      if (r.differences.length > 0) done(6);
    });

  registerWorkerCommand(program, io);
}

function registerWorkerCommand(program: Command, io: CliIo): void {
  common(program.command('worker').description('run continuous replications on schedule (graphile-worker on the hub); stops on SIGINT/SIGTERM'))
    .option('--concurrency <n>', 'runs at once in this process', '4')
    .option('--stop-after <seconds>', 'stop after this long (e.g. when started by cron)')
    .action(async (o: HubOpts & { concurrency: string; stopAfter?: string }) => {
      const settings = parseConnectionUrl(hubUrl(io, o));
      const pool = new pg.Pool({ ...toPgClientConfig(settings, { applicationName: 'lockstep:worker' }), max: (parseIntOption('--concurrency', o.concurrency, 1) ?? 4) + 4 });
      pool.on('error', () => undefined);
      const print = (e: ReplicationWorkerEvent): void => (o.json ? io.stdout(JSON.stringify(e)) : io.stderr(describeEvent(e)));
      const worker = await startReplicationWorker({
        pgPool: pool,
        hub: () => connectHub(settings, { deviceName: 'worker' }),
        cipher: lazyCipher(io),
        policy: { forbidPrivateAddresses: o.forbidPrivateTargets === true },
        concurrency: parseIntOption('--concurrency', o.concurrency, 1) ?? 4,
        onEvent: print,
      });
      io.stderr(`worker started (${worker.workerIds().join(', ')}); stop with Ctrl-C`);
      const stopAfter = parseIntOption('--stop-after', o.stopAfter, 1);
      await new Promise<void>((resolve) => {
        const timer = stopAfter === undefined ? undefined : setTimeout(() => stop(), stopAfter * 1000);
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (timer) clearTimeout(timer);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await worker.stop();
      await pool.end();
      io.stderr('worker stopped');
    });
}

function describeEvent(e: ReplicationWorkerEvent): string {
  switch (e.type) {
    case 'run-completed':
      return `${e.configId}: ${formatRun(e.run)}`;
    case 'run-failed':
      return `${e.configId}: attempt ${e.attempt} failed${e.willRetry ? ' (will retry)' : ''} — ${e.error.code}: ${e.error.message}`;
    case 'run-skipped':
      return `${e.configId}: skipped — ${e.reason}`;
    case 'run-recovered':
      return `${e.recovered.configId}: run ${e.recovered.runId ?? '?'} had stopped (stale heartbeat); marked FAILED, will retry`;
    case 'scheduled':
      return `${e.configId}: next run at ${e.runAt}`;
    case 'worker-replaced':
      return `worker ${e.deadWorkerId} stopped after losing the hub; its job was freed and a new worker took its place`;
    case 'error':
      return `error during ${e.during}: ${e.error.code}: ${e.error.message}`;
  }
}
