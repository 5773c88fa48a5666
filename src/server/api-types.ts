/**
 * The shapes the HTTP API sends and receives, shared by the server and the web UI (`web/`). Type-only
 * and free of Node imports, so the browser bundle can use it.
 *
 * @example
 * import type { DeviceSummary, SyncReport } from '../../src/server/api-types.js';
 */
import type { ConnectionSettings, SslMode } from '../connection/connection-settings.js';
import type { Row } from '../core/row.js';
import type { ErrorCode } from '../core/errors.js';
import type { HttpErrorCode } from './http-status.js';

export type { ConflictInfo, Direction, SideCounts, SyncReport, TableCounts } from '../sync/sync-report.js';
export type {
  ReplicationConfigView,
  ReplicationProgress,
  ReplicationRunView,
  ReplicationScope,
  ReplicationStatus,
  ReplicationMode,
} from '../replicate/replication-types.js';
export type { HttpErrorCode, Row, SslMode };

/** One problem of a connection URL, by the part it is in (as `validateConnectionUrl` names them). */
export interface UrlProblem {
  field: string;
  message: string;
}

/** Every error response. */
export interface ErrorBody {
  code: HttpErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** GET /api/info */
export interface ServerInfo {
  name: 'lockstep';
  version: string;
  forbidPrivateAddresses: boolean;
  devices: number;
}

/** A served device as the device picker shows it (GET /api/devices). */
export interface DeviceSummary {
  name: string;
  deviceId: string;
  dataset: string;
  file: string;
  connected: boolean;
  pendingChanges: number;
  conflicts: number;
}

/** The connection form as the API receives it. `password` absent keeps the saved one; `null` means none. */
export interface ConnectionInput {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string | null;
  sslMode: SslMode;
  sslRootCert?: string | null;
}

/** What the API shows of a device's saved connection: never the password, only whether there is one. */
export interface ConnectionView {
  saved: boolean;
  hasPassword: boolean;
  /** The URL with the password as `****`. */
  url: string | null;
  settings: Omit<ConnectionSettings, 'password' | 'options'> | null;
}

/** What a successful connection test found. */
export interface ConnectionTest {
  ok: true;
  serverVersion: string;
  hub: { initialised: boolean; dataset: string | null; schema: string | null; matchesDevice: boolean };
}

export interface PrecheckItemView {
  name: string;
  ok: boolean;
  code?: ErrorCode;
  message: string;
}

/** POST /precheck */
export interface PrecheckView {
  ok: boolean;
  checks: PrecheckItemView[];
}

/** GET /log */
export interface LogView {
  local: { id: number; operation: string; startedAt: string; finishedAt: string | null; result: string; counts: unknown; error: { code: string; message: string } | null }[];
  hub: { id: string; deviceName: string | null; dbRole: string; operation: string; startedAt: string; finishedAt: string; result: string }[] | null;
  hubError?: string;
}

export interface Student {
  id: string;
  name: string;
  groupName: string | null;
  notes: string | null;
  createdAt: string;
  totalScore: number;
  periodScore: number;
  rewardPoints: number;
}

export interface Reason {
  id: string;
  content: string;
  category: string | null;
  delta: number;
}

export interface ScoreEvent {
  id: string;
  studentId: string;
  studentName: string;
  reasonId: string | null;
  reasonText: string;
  delta: number;
  createdAt: string;
}

export interface StudentScore {
  studentId: string;
  name: string;
  totalScore: number;
  periodScore: number;
  rewardPoints: number;
}

/** POST /conflicts/resolve */
export interface ResolveInput {
  table: string;
  id: string;
  keep: 'local' | 'server' | 'merge';
  set?: Row;
}
