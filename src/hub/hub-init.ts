import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { Dataset } from '../dataset/dataset.js';
import { foreignKeyOrder } from '../dataset/table-order.js';
import { describeDifference, inspectSchema } from './inspect-schema.js';
import { HUB_SCHEMA_VERSION, METADATA_DDL, pgDatasetDdl } from './hub-schema.js';
import { readHubDataset } from './sql/hub-meta.js';
import { enableScopes } from './hub-scopes.js';

const INIT_LOCK = [1280070512, 2] as const;

export interface HubInitResult {
  created: boolean;
  schema: string;
  dataset: string;
}

/**
 * Creates (or checks) the hub: the `lockstep` metadata schema and the dataset's tables in `schema`.
 * Re-running is harmless. Existing tables that differ from the dataset are never altered: E_SCHEMA_MISMATCH.
 *
 * @example
 * await initHub(client, classroom, { schema: 'classroom' });
 */
export async function initHub(client: pg.ClientBase, dataset: Dataset, opts: { schema?: string; scopes?: boolean } = {}): Promise<HubInitResult> {
  const schema = opts.schema ?? dataset.name;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...INIT_LOCK]);
    await client.query(METADATA_DDL);
    const current = await readHubDataset(client);
    if (current && (current.dataset.name !== dataset.name || current.schema !== schema)) {
      throw new LockstepError(
        'E_DATASET_MISMATCH',
        `this hub holds dataset "${current.dataset.name}" in schema "${current.schema}", not "${dataset.name}" in "${schema}"; use another database for another dataset`,
      );
    }
    if (current && current.dataset.version > dataset.version) {
      throw new LockstepError(
        'E_DATASET_MISMATCH',
        `this hub holds version ${current.dataset.version} of "${dataset.name}", newer than this device's version ${dataset.version}; upgrade Lockstep`,
      );
    }
    const tables = dataset.tables.map((table) => ({ table, columns: table.columns }));
    const { differences } = await inspectSchema(client, schema, tables, { requireTables: false });
    if (differences.length > 0) {
      throw new LockstepError(
        'E_SCHEMA_MISMATCH',
        `tables in schema "${schema}" differ from dataset "${dataset.name}"; Lockstep will not alter them:\n${differences
          .map((d) => `  ${describeDifference(d)}`)
          .join('\n')}`,
        { details: { differences } },
      );
    }
    await client.query(`SET LOCAL search_path = ${q(schema)}, public`);
    for (const stmt of pgDatasetDdl(schema, dataset, foreignKeyOrder(dataset))) await client.query(stmt);
    if (opts.scopes) await enableScopes(client, schema, dataset);
    await client.query(
      `INSERT INTO lockstep.hub_meta (key, value) VALUES ('schema_version', $1::jsonb), ('dataset', $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [JSON.stringify(HUB_SCHEMA_VERSION), JSON.stringify({ schema, definition: dataset })],
    );
    await client.query(`INSERT INTO lockstep.hub_meta (key, value) VALUES ('hub_id', to_jsonb(gen_random_uuid()::text)) ON CONFLICT (key) DO NOTHING`);
    await client.query('COMMIT');
    return { created: current === undefined, schema, dataset: dataset.name };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
