import type pg from 'pg';
import type { Dataset } from '../../dataset/dataset.js';

export interface HubDatasetInfo {
  schema: string;
  dataset: Dataset;
  schemaVersion: number;
}

/** The dataset the hub was initialised with, or undefined when the hub has no metadata yet. */
export async function readHubDataset(client: pg.ClientBase): Promise<HubDatasetInfo | undefined> {
  const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('lockstep.hub_meta') IS NOT NULL AS ok`);
  if (!exists.rows[0]?.ok) return undefined;
  const { rows } = await client.query<{ key: string; value: unknown }>(
    `SELECT key, value FROM lockstep.hub_meta WHERE key IN ('dataset', 'schema_version')`,
  );
  const ds = rows.find((r) => r.key === 'dataset')?.value as { schema: string; definition: Dataset } | undefined;
  if (!ds) return undefined;
  const version = Number(rows.find((r) => r.key === 'schema_version')?.value ?? 0);
  return { schema: ds.schema, dataset: ds.definition, schemaVersion: version };
}
