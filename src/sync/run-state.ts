import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { Row } from '../core/row.js';
import type { TableDef } from '../dataset/dataset.js';
import { parentKeysOf } from '../dataset/row-key.js';
import type { LocalStore } from '../store/local-store.js';
import type pg from 'pg';
import { emptyTableCounts, type ConflictInfo, type SideCounts, type TableCounts } from './sync-report.js';

export type RunOperation = 'push' | 'pull' | 'sync';

/** Everything one run reads and writes, and what it has counted so far. */
export class RunState {
  readonly tables: Record<string, TableCounts> = {};
  readonly conflicts: ConflictInfo[] = [];
  readonly discarded: { table: string; id: string }[] = [];
  private readonly hash: Hash = createHash('sha256');
  maxSeenHlc: string | undefined;
  /** Rows (`table\u0000key`) that will not be on the hub when this run commits although this device keeps them. */
  private readonly absentOnHub = new Set<string>();
  /** Parent rows a push found on the hub (see `checkParentsOnHub`). */
  private readonly presentOnHub = new Set<string>();
  /** Identifies this run in the hub's log and the device's in-flight journal. */
  readonly runId = randomUUID();

  constructor(
    readonly store: LocalStore,
    readonly client: pg.ClientBase,
    readonly hubSchema: string,
    readonly operation: RunOperation,
    /** False for a preview: read both sides, write nothing. */
    readonly write: boolean,
    readonly batchSize: number,
  ) {
    for (const name of store.order) this.tables[name] = emptyTableCounts();
  }

  counts(table: string): TableCounts {
    return this.tables[table] as TableCounts;
  }

  /** Adds a decision to the plan's fingerprint. */
  note(kind: string, table: string, key: string, localHlc: string | null, serverHlc: string | null): void {
    this.hash.update(`${kind}\u0000${table}\u0000${key}\u0000${localHlc ?? ''}\u0000${serverHlc ?? ''}\n`);
  }

  /** Notes a row this device keeps that the hub will not hold after this run (a conflict, or left pending by a push). */
  markAbsentOnHub(table: string, key: string): void {
    this.absentOnHub.add(`${table}\u0000${key}`);
  }

  markPresentOnHub(table: string, key: string): void {
    this.presentOnHub.add(`${table}\u0000${key}`);
  }

  knowsOnHub(table: string, key: string): boolean {
    const k = `${table}\u0000${key}`;
    return this.presentOnHub.has(k) || this.absentOnHub.has(k);
  }

  /** True when a row references a parent that will not be on the hub when this run commits. */
  referencesAbsentOnHub(table: TableDef, row: Row): boolean {
    if (this.absentOnHub.size === 0) return false; // the usual case: no look-up per row
    return parentKeysOf(table, row, (n) => this.store.table(n)).some((p) => this.absentOnHub.has(`${p.table}\u0000${p.key}`));
  }

  fingerprint(): string {
    return this.hash.copy().digest('hex');
  }

  seen(hlc: string | null | undefined): void {
    if (hlc && (this.maxSeenHlc === undefined || hlc > this.maxSeenHlc)) this.maxSeenHlc = hlc;
  }

  /** Counts one row change on one side: add, update or delete, from the row before and after. */
  static count(side: SideCounts, before: Row | null, after: Row | null): void {
    if (after === null) side.delete++;
    else if (before === null) side.add++;
    else side.update++;
  }

  recordConflict(table: TableDef, key: string, fields: string[], base: Row | null, local: Row | null, server: Row | null, serverHlc: string | null): void {
    this.counts(table.name).conflicts++;
    this.conflicts.push({ table: table.name, id: key, policy: table.policy, fields, local, server, base });
    if (!this.write) return;
    this.store.db
      .prepare(
        `INSERT INTO _lockstep_conflicts (tbl, row_key, fields, base, local, server, server_hlc, detected_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tbl, row_key) DO UPDATE SET fields = excluded.fields, base = excluded.base, local = excluded.local,
           server = excluded.server, server_hlc = excluded.server_hlc, detected_at = excluded.detected_at`,
      )
      .run(table.name, key, JSON.stringify(fields), JSON.stringify(base), JSON.stringify(local), JSON.stringify(server), serverHlc, new Date().toISOString());
  }
}
