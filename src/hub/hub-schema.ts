import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, Dataset, TableDef } from '../dataset/dataset.js';
import { onDeleteSql } from '../dataset/on-delete-sql.js';

/** Version of Lockstep's metadata schema on the hub; bumped with every migration. */
export const HUB_SCHEMA_VERSION = 1;

export const PG_TYPE: Record<ColumnDef['type'], string> = {
  uuid: 'uuid',
  text: 'text',
  integer: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamp with time zone',
  json: 'jsonb',
};

/**
 * The metadata schema `lockstep`: one row per synced row in `row_versions` (the change feed: the latest
 * version of each row, deletes as tombstones, ordered by (txid, seq)), devices and the sync log.
 */
export const METADATA_DDL = `
CREATE SCHEMA IF NOT EXISTS lockstep;
CREATE TABLE IF NOT EXISTS lockstep.hub_meta (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE SEQUENCE IF NOT EXISTS lockstep.change_seq;
CREATE TABLE IF NOT EXISTS lockstep.row_versions (
  tbl text NOT NULL,
  row_key text NOT NULL,
  hlc text NOT NULL,
  origin text,
  deleted boolean NOT NULL DEFAULT false,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq bigint NOT NULL DEFAULT nextval('lockstep.change_seq'),
  PRIMARY KEY (tbl, row_key)
);
CREATE INDEX IF NOT EXISTS row_versions_feed_idx ON lockstep.row_versions (txid, seq);
CREATE TABLE IF NOT EXISTS lockstep.devices (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_sync_at timestamptz,
  last_role text
);
CREATE TABLE IF NOT EXISTS lockstep.sync_log (
  id bigserial PRIMARY KEY,
  device_id uuid,
  device_name text,
  db_role text NOT NULL DEFAULT current_user,
  operation text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  result text NOT NULL,
  counts jsonb,
  error jsonb,
  run_id uuid
);
CREATE INDEX IF NOT EXISTS sync_log_started_idx ON lockstep.sync_log (started_at DESC);
CREATE UNIQUE INDEX IF NOT EXISTS sync_log_run_idx ON lockstep.sync_log (run_id);

CREATE OR REPLACE FUNCTION lockstep.hub_hlc() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT lpad((extract(epoch FROM clock_timestamp()) * 1000)::bigint::text, 15, '0') || '-00000-hub'
$$;

-- Records writes made to the data tables with plain SQL (and cascades) in the change feed. A version the
-- sync engine already wrote in this transaction, with the device's own timestamp, is left as it is.
CREATE OR REPLACE FUNCTION lockstep.capture_changes() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  key_expr text := TG_ARGV[0];
BEGIN
  -- The engine versions the rows it upserts itself (upserts never cascade); it never sets this for deletes.
  IF current_setting('lockstep.engine_upsert', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    EXECUTE format($q$INSERT INTO lockstep.row_versions AS v (tbl, row_key, hlc, origin, deleted)
      SELECT %L, %s, lockstep.hub_hlc(), NULL, true FROM old_rows r
      ON CONFLICT (tbl, row_key) DO UPDATE SET hlc = excluded.hlc, origin = NULL, deleted = true,
        txid = pg_current_xact_id(), seq = nextval('lockstep.change_seq')
      WHERE v.txid <> pg_current_xact_id()$q$, TG_TABLE_NAME, key_expr);
  ELSE
    EXECUTE format($q$INSERT INTO lockstep.row_versions AS v (tbl, row_key, hlc, origin, deleted)
      SELECT %L, %s, lockstep.hub_hlc(), NULL, false FROM new_rows r
      ON CONFLICT (tbl, row_key) DO UPDATE SET hlc = excluded.hlc, origin = NULL, deleted = false,
        txid = pg_current_xact_id(), seq = nextval('lockstep.change_seq')
      WHERE v.txid <> pg_current_xact_id()$q$, TG_TABLE_NAME, key_expr);
  END IF;
  RETURN NULL;
END
$fn$;
`;

/** SQL expression of the row key over alias `r` (must match `rowKeyOf` and the SQLite triggers). */
export function pgKeyExpr(t: TableDef, alias = 'r'): string {
  if (t.primaryKey.length === 1) return `${alias}.${q(t.primaryKey[0] as string)}::text`;
  return `array_to_json(ARRAY[${t.primaryKey.map((c) => `${alias}.${q(c)}::text`).join(', ')}])::text`;
}

/** Join condition matching data-table alias `t` to a row key held in `keyExpr`, using the table's key index. */
export function pgKeyMatch(t: TableDef, keyExpr: string, alias = 't'): string {
  const types = new Map(t.columns.map((c) => [c.name, PG_TYPE[c.type]]));
  if (t.primaryKey.length === 1) {
    const c = t.primaryKey[0] as string;
    return `${alias}.${q(c)} = (${keyExpr})::${types.get(c)}`;
  }
  return t.primaryKey.map((c, i) => `${alias}.${q(c)} = ((${keyExpr})::jsonb->>${i})::${types.get(c)}`).join(' AND ');
}

export function qualified(schema: string, table: string): string {
  return `${q(schema)}.${q(table)}`;
}

function columnDdl(c: ColumnDef, t: TableDef): string {
  const notNull = !c.nullable || t.primaryKey.includes(c.name);
  return `${q(c.name)} ${PG_TYPE[c.type]}${notNull ? ' NOT NULL' : ''}`;
}

/** CREATE TABLE for a data table on the hub (or a replication target): keys, deferrable FKs, indexes. */
export function pgTableDdl(schema: string, t: TableDef, opts: { columns?: ColumnDef[] } = {}): string[] {
  const cols = opts.columns ?? t.columns;
  const lines = cols.map((c) => columnDdl(c, t));
  lines.push(`PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`);
  for (const fk of t.foreignKeys ?? []) {
    lines.push(
      `FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${qualified(schema, fk.references.table)} (${fk.references.columns
        .map(q)
        .join(', ')}) ON DELETE ${onDeleteSql(fk.onDelete)} DEFERRABLE INITIALLY DEFERRED`,
    );
  }
  const out = [`CREATE TABLE IF NOT EXISTS ${qualified(schema, t.name)} (\n  ${lines.join(',\n  ')}\n)`];
  for (const cols of [...(t.foreignKeys ?? []).map((fk) => fk.columns), ...(t.indexes ?? [])]) {
    out.push(`CREATE INDEX IF NOT EXISTS ${q(`${t.name}_${cols.join('_')}_idx`)} ON ${qualified(schema, t.name)} (${cols.map(q).join(', ')})`);
  }
  return out;
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Statement-level triggers feeding `row_versions` from any write to a hub data table. */
export function pgCaptureTriggers(schema: string, t: TableDef): string[] {
  const target = qualified(schema, t.name);
  const key = literal(pgKeyExpr(t));
  return [
    `CREATE OR REPLACE TRIGGER lockstep_capture_ins AFTER INSERT ON ${target} REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION lockstep.capture_changes(${key})`,
    `CREATE OR REPLACE TRIGGER lockstep_capture_upd AFTER UPDATE ON ${target} REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION lockstep.capture_changes(${key})`,
    `CREATE OR REPLACE TRIGGER lockstep_capture_del AFTER DELETE ON ${target} REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION lockstep.capture_changes(${key})`,
  ];
}

/** Every statement that creates a dataset's data schema on the hub, in foreign-key order. */
export function pgDatasetDdl(schema: string, ds: Dataset, order: readonly string[]): string[] {
  const byName = new Map(ds.tables.map((t) => [t.name, t]));
  const out = [`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`];
  for (const name of order) {
    const t = byName.get(name);
    if (t) out.push(...pgTableDdl(schema, t), ...pgCaptureTriggers(schema, t));
  }
  for (const v of ds.views ?? []) out.push(`CREATE OR REPLACE VIEW ${qualified(schema, v.name)} AS ${v.sql}`);
  return out;
}
