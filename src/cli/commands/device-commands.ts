import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { ConnectionSettings, SslMode } from '../../connection/connection-settings.js';
import { formatConnectionUrl, parseConnectionUrl } from '../../connection/parse-connection-url.js';
import { LockstepError } from '../../core/errors.js';
import { loadDataset } from '../../dataset/builtin-datasets.js';
import { connectHub } from '../../hub/connect-hub.js';
import { initHub } from '../../hub/hub-init.js';
import { grantScript, grantStatements } from '../../hub/hub-scopes.js';
import { readHubDataset } from '../../hub/sql/hub-meta.js';
import { LocalStore } from '../../store/local-store.js';
import { loadConnection, saveConnection } from '../../sync/saved-connection.js';
import { emit, parseIntOption, type CliIo } from '../cli-io.js';
import { cipherFor } from '../device-context.js';

const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

interface ConnectOpts {
  db?: string;
  url?: string;
  host?: string;
  port?: string;
  database?: string;
  user?: string;
  passwordStdin?: boolean;
  sslMode?: string;
  sslRootCert?: string;
  json?: boolean;
}

/** Builds connection settings from --url or --host/--port/--database/--user, password from stdin or PGPASSWORD. */
export async function settingsFromOptions(io: CliIo, o: ConnectOpts): Promise<ConnectionSettings> {
  let s: ConnectionSettings;
  if (o.url) {
    if (o.host || o.database || o.user) throw new LockstepError('E_USAGE', 'give either --url or --host/--database/--user, not both');
    s = parseConnectionUrl(o.url);
  } else {
    if (!o.host || !o.database || !o.user) throw new LockstepError('E_USAGE', 'give --url, or all of --host, --database and --user');
    s = { host: o.host, port: parseIntOption('--port', o.port, 1) ?? 5432, database: o.database, user: o.user, sslMode: 'prefer' };
  }
  if (o.sslMode !== undefined) {
    if (!SSL_MODES.includes(o.sslMode as SslMode)) throw new LockstepError('E_USAGE', `--ssl-mode must be one of ${SSL_MODES.join(', ')}`);
    s.sslMode = o.sslMode as SslMode;
  }
  if (o.sslRootCert !== undefined) s.sslRootCert = o.sslRootCert;
  if (o.passwordStdin) s.password = (await io.readStdin()).replace(/\r?\n$/, '');
  else if (s.password === undefined && io.env.PGPASSWORD) s.password = io.env.PGPASSWORD;
  return s;
}

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'postgres://user@host:port/database?sslmode=…')
    .option('--host <host>')
    .option('--port <port>')
    .option('--database <name>')
    .option('--user <user>')
    .option('--password-stdin', 'read the password from standard input (else PGPASSWORD)')
    .option('--ssl-mode <mode>', SSL_MODES.join('|'))
    .option('--ssl-root-cert <file>', 'CA certificate for verify-ca / verify-full');
}

/** init, connect, hub init. */
export function registerDeviceCommands(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('create a device database for a dataset (or adopt an existing app database)')
    .requiredOption('--db <path>', 'the device database file')
    .requiredOption('--dataset <name|file.json>', 'classroom, learning, or a dataset JSON file')
    .option('--device <name>', 'a name for this device (default: the host name)')
    .option('--json', 'print JSON')
    .action((o: { db: string; dataset: string; device?: string; json?: boolean }) => {
      const store = LocalStore.init({ path: o.db, dataset: loadDataset(o.dataset), deviceName: o.device ?? hostname() });
      try {
        const out = { db: o.db, dataset: store.dataset.name, deviceId: store.deviceId, deviceName: store.deviceName, pending: store.pendingCount() };
        emit(io, o.json, out, () => `device "${out.deviceName}" (${out.deviceId}) holds dataset ${out.dataset} in ${o.db}; ${out.pending} row(s) to push`);
      } finally {
        store.close();
      }
    });

  connectionOptions(
    program
      .command('connect')
      .description('test a hub connection, then save it on the device (password encrypted)')
      .requiredOption('--db <path>', 'the device database'),
  )
    .option('--json', 'print JSON')
    .action(async (o: ConnectOpts & { db: string }) => {
      const settings = await settingsFromOptions(io, o);
      const store = LocalStore.open(o.db);
      try {
        const client = await connectHub(settings, { deviceName: store.deviceName });
        const { rows } = await client.query<{ v: string }>('SHOW server_version').finally(() => client.end());
        saveConnection(store, settings, cipherFor(io));
        const shown = formatConnectionUrl(settings, { maskPassword: true });
        emit(io, o.json, { saved: true, url: shown, serverVersion: rows[0]?.v }, () => `connected to ${shown} (PostgreSQL ${rows[0]?.v}); settings saved, password encrypted`);
      } finally {
        store.close();
      }
    });

  const hub = program.command('hub').description('the PostgreSQL hub');
  registerGrantCommand(hub, io);
  connectionOptions(
    hub
      .command('init')
      .description('create the hub schema for a dataset; harmless to re-run')
      .option('--db <path>', "use this device's saved connection and dataset")
      .option('--dataset <name|file.json>', 'the dataset (with --url)'),
  )
    .option('--schema <name>', 'PostgreSQL schema for the data tables (default: the dataset name)')
    .option('--scopes', 'isolate scopes (e.g. one class per teacher) with row-level security; see hub grant')
    .option('--json', 'print JSON')
    .action(async (o: ConnectOpts & { dataset?: string; schema?: string; scopes?: boolean }) => {
      let settings: ConnectionSettings;
      const datasetName = o.dataset;
      if (o.db) {
        const store = LocalStore.open(o.db);
        try {
          settings = o.url || o.host ? await settingsFromOptions(io, o) : loadConnection(store, cipherFor(io));
          const ds = datasetName ? loadDataset(datasetName) : store.dataset;
          await runInit(io, settings, ds, o);
        } finally {
          store.close();
        }
        return;
      }
      if (!datasetName) throw new LockstepError('E_USAGE', 'give --db PATH, or --url URL with --dataset NAME');
      settings = await settingsFromOptions(io, o);
      await runInit(io, settings, loadDataset(datasetName), o);
    });
}

async function runInit(io: CliIo, settings: ConnectionSettings, ds: ReturnType<typeof loadDataset>, o: { schema?: string; scopes?: boolean; json?: boolean }): Promise<void> {
  const client = await connectHub(settings);
  try {
    const r = await initHub(client, ds, { ...(o.schema ? { schema: o.schema } : {}), scopes: o.scopes === true });
    emit(io, o.json, r, () => `hub ${r.created ? 'created' : 'already initialised; checked'}: dataset ${r.dataset} in schema "${r.schema}"`);
  } finally {
    await client.end();
  }
}

/** hub grant: a least-privilege device role, optionally bound to one scope. */
export function registerGrantCommand(hub: Command, io: CliIo): void {
  connectionOptions(
    hub
      .command('grant')
      .description('create a device role with only the privileges a device needs (no DDL), optionally bound to a scope')
      .requiredOption('--role <name>', 'the role to create or update')
      .option('--scope <id>', 'the scope (e.g. a class) the role may read and write; needs a hub made with --scopes')
      .option('--role-password-stdin', 'read the new role\'s password from standard input')
      .option('--print', 'print the SQL instead of running it'),
  )
    .option('--json', 'print JSON')
    .action(async (o: ConnectOpts & { role: string; scope?: string; rolePasswordStdin?: boolean; print?: boolean }) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(o.role)) throw new LockstepError('E_USAGE', '--role must be a lower-case identifier');
      const settings = await settingsFromOptions(io, { ...o, passwordStdin: false });
      const client = await connectHub(settings);
      try {
        const info = await readHubDataset(client);
        if (!info) throw new LockstepError('E_HUB_NOT_INITIALISED', 'the hub has no Lockstep schema yet; run: lockstep hub init');
        const base = { role: o.role, database: settings.database, schema: info.schema, dataset: info.dataset, ...(o.scope !== undefined ? { scope: o.scope } : {}) };
        if (o.print) {
          io.stdout(grantScript(base));
          return;
        }
        const password = o.rolePasswordStdin ? (await io.readStdin()).replace(/\r?\n$/, '') : undefined;
        await client.query('BEGIN');
        for (const s of grantStatements({ ...base, ...(password !== undefined ? { password } : {}) })) await client.query(s.sql, s.params);
        await client.query('COMMIT');
        emit(io, o.json, { role: o.role, scope: o.scope ?? null }, () => `role ${o.role} can sync${o.scope ? ` scope ${o.scope} only` : ''}; it has no DDL rights`);
      } finally {
        await client.end();
      }
    });
}
