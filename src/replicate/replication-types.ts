import type { ErrorCode } from '../core/errors.js';

/**
 * The status of a replication configuration (see docs/spec/replication.md for the machine).
 *
 * @example
 * if (view.status === 'FAILED') console.log(view.lastError?.message);
 */
export type ReplicationStatus = 'IDLE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
export const REPLICATION_STATUSES: readonly ReplicationStatus[] = ['IDLE', 'IN_PROGRESS', 'COMPLETED', 'FAILED'];

/** `manual`: runs only when asked; `continuous`: the worker runs it every `intervalSeconds`. */
export type ReplicationMode = 'manual' | 'continuous';

/** The status of one run in the history. */
export type RunStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** Who started a run: a person (`manual`) or the worker (`schedule`). */
export type RunTrigger = 'manual' | 'schedule';

/** `full`: every row of the scope is copied (first run); `incremental`: only what changed since the last run. */
export type RunKind = 'full' | 'incremental';

/**
 * What a configuration copies: the whole dataset, or one root row and every row that references a row in
 * scope through the dataset's foreign keys, transitively.
 *
 * @example
 * const family: ReplicationScope = { kind: 'row', table: 'users', key: '6f1c…' };
 */
export type ReplicationScope = { kind: 'all' } | { kind: 'row'; table: string; key: string };

/** An error as stored and shown: never a raw driver message with a password in it. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Where a run is: a phase and, while copying, the table and its rows. */
export type ProgressPhase = 'connect' | 'schema' | 'scope' | 'copy' | 'delete' | 'verify' | 'commit';

/**
 * One progress report of a run. `rowsTotal` is known once the scope is computed — on a first run, the
 * planner's estimates until each table is copied (then that table's count); `etaMs` once rows move.
 *
 * @example
 * onProgress: (p) => console.error(`${p.table}: ${p.tableRowsDone}/${p.tableRowsTotal}, eta ${p.etaMs} ms`)
 */
export interface ReplicationProgress {
  runId: string;
  configId: string;
  phase: ProgressPhase;
  table: string | null;
  tableRowsDone: number;
  tableRowsTotal: number;
  rowsDone: number;
  rowsTotal: number;
  elapsedMs: number;
  etaMs: number | null;
}

/** Called with every progress report; a returned promise is awaited (the run waits for it). */
export type ProgressListener = (p: ReplicationProgress) => void | Promise<void>;

/**
 * A replication configuration as the API returns it. The target URL is always masked: the password is
 * stored only encrypted and never comes back.
 */
export interface ReplicationConfigView {
  id: string;
  name: string;
  owner: string;
  /** The target connection URL with the password shown as `****`. */
  targetUrl: string;
  targetSchema: string;
  scope: ReplicationScope;
  /** `all` or `<table>:<key>`. */
  scopeText: string;
  mode: ReplicationMode;
  intervalSeconds: number | null;
  migrate: boolean;
  status: ReplicationStatus;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastSuccessAt: string | null;
  lastError: ErrorInfo | null;
  /** Rows written per table by the last successful run. */
  rowsCopied: Record<string, number>;
  /** The live progress of the run in progress, else null. */
  progress: ReplicationProgress | null;
  currentRunId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One run in a configuration's history. */
export interface ReplicationRunView {
  id: string;
  configId: string;
  trigger: RunTrigger;
  kind: RunKind | null;
  status: RunStatus;
  workerId: string | null;
  startedAt: string;
  finishedAt: string | null;
  heartbeatAt: string;
  /** Rows inserted or changed per table. */
  rowsCopied: Record<string, number>;
  rowsDeleted: Record<string, number>;
  /** Row counts of the source scope and of the target, per table, as checked before commit. */
  sourceCounts: Record<string, number>;
  targetCounts: Record<string, number>;
  progress: ReplicationProgress | null;
  error: ErrorInfo | null;
}
