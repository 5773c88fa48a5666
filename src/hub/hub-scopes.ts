import type pg from 'pg';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { Dataset } from '../dataset/dataset.js';
import { qualified } from './hub-schema.js';
import { scramVerifier } from './scram-verifier.js';

/**
 * Row-level isolation of scopes (e.g. one class per teacher) in one hub database. Each data row and each
 * feed entry carries `lockstep_scope`, filled from the writing role's scope; policies let a role see and
 * write only rows of its own scope. The role→scope map is owned by the hub owner, so a device cannot
 * widen its own scope with SQL. The owner (no scope) bypasses the policies, as table owners do.
 */
export const SCOPES_DDL = `
CREATE TABLE IF NOT EXISTS lockstep.role_scopes (role_name text PRIMARY KEY, scope text NOT NULL);
-- Runs as the caller (current_user is the device's role); devices may read the map, never change it.
CREATE OR REPLACE FUNCTION lockstep.current_scope() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT scope FROM lockstep.role_scopes WHERE role_name = current_user $$;
ALTER TABLE lockstep.row_versions ADD COLUMN IF NOT EXISTS scope text DEFAULT lockstep.current_scope();
ALTER TABLE lockstep.row_versions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS scope_isolation ON lockstep.row_versions;
CREATE POLICY scope_isolation ON lockstep.row_versions USING (scope = lockstep.current_scope()) WITH CHECK (scope = lockstep.current_scope());
`;

/** Statements that put one data table under scope isolation (idempotent). */
export function scopeTableDdl(schema: string, table: string): string[] {
  const t = qualified(schema, table);
  return [
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS lockstep_scope text DEFAULT lockstep.current_scope()`,
    `CREATE INDEX IF NOT EXISTS ${q(`${table}_lockstep_scope_idx`)} ON ${t} (lockstep_scope)`,
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS scope_isolation ON ${t}`,
    `CREATE POLICY scope_isolation ON ${t} USING (lockstep_scope = lockstep.current_scope()) WITH CHECK (lockstep_scope = lockstep.current_scope())`,
  ];
}

export async function enableScopes(client: pg.ClientBase, schema: string, dataset: Dataset): Promise<void> {
  await client.query(SCOPES_DDL);
  for (const t of dataset.tables) for (const stmt of scopeTableDdl(schema, t.name)) await client.query(stmt);
  // Views run with their owner's rights; make them respect the caller's policies (PostgreSQL 15+).
  const { rows } = await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
  if ((rows[0]?.v ?? 0) >= 150000) for (const v of dataset.views ?? []) await client.query(`ALTER VIEW ${qualified(schema, v.name)} SET (security_invoker = true)`);
}

/**
 * The statements that create a device role with exactly what a device needs: read and write the data
 * tables and the feed, register itself and log its runs. No DDL, no other scope's rows (when `scope` is set).
 */
export function grantStatements(o: { role: string; database: string; schema: string; scope?: string; password?: string; dataset: Dataset }): { sql: string; params?: unknown[] }[] {
  const r = q(o.role);
  const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const out: { sql: string; params?: unknown[] }[] = [
    { sql: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(o.role)}) THEN CREATE ROLE ${r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$` },
    // Only the SCRAM verifier is sent: the password never reaches the server (nor its statement log).
    ...(o.password !== undefined ? [{ sql: `ALTER ROLE ${r} PASSWORD ${lit(scramVerifier(o.password))}` }] : []),
    { sql: `GRANT CONNECT ON DATABASE ${q(o.database)} TO ${r}` },
    { sql: `GRANT USAGE ON SCHEMA lockstep, ${q(o.schema)} TO ${r}` },
    { sql: `GRANT SELECT ON lockstep.hub_meta TO ${r}` },
    { sql: `DO $$ BEGIN IF to_regclass('lockstep.role_scopes') IS NOT NULL THEN GRANT SELECT ON lockstep.role_scopes TO ${r}; END IF; END $$` },
    { sql: `GRANT SELECT, INSERT, UPDATE ON lockstep.row_versions, lockstep.devices TO ${r}` },
    { sql: `GRANT SELECT, INSERT ON lockstep.sync_log TO ${r}` },
    { sql: `GRANT USAGE ON SEQUENCE lockstep.change_seq, lockstep.sync_log_id_seq TO ${r}` },
    { sql: `GRANT SELECT, INSERT, UPDATE, DELETE ON ${o.dataset.tables.map((t) => qualified(o.schema, t.name)).join(', ')} TO ${r}` },
  ];
  if (o.dataset.views?.length) out.push({ sql: `GRANT SELECT ON ${o.dataset.views.map((v) => qualified(o.schema, v.name)).join(', ')} TO ${r}` });
  if (o.scope !== undefined)
    out.push({
      sql: `INSERT INTO lockstep.role_scopes (role_name, scope) VALUES ($1, $2) ON CONFLICT (role_name) DO UPDATE SET scope = excluded.scope`,
      params: [o.role, o.scope],
    });
  return out;
}

/** The statements as a script a DBA can read and run (`hub grant --print`); the password is never printed. */
export function grantScript(o: Parameters<typeof grantStatements>[0]): string {
  return grantStatements({ ...o, password: undefined as never })
    .filter((s) => !s.sql.startsWith('ALTER ROLE'))
    .map((s) => (s.params ? s.sql.replace('$1', `'${String(s.params[0]).replace(/'/g, "''")}'`).replace('$2', `'${String(s.params[1]).replace(/'/g, "''")}'`) : s.sql) + ';')
    .join('\n');
}
