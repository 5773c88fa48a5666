/**
 * Lockstep's library API. The CLI (`lockstep`) and the HTTP server use exactly this.
 *
 * @example
 * import { LocalStore, classroom, connectHub, createSyncClient, initHub } from 'lockstep';
 * const store = LocalStore.init({ path: 'class.db', dataset: classroom, deviceName: 'front-desk' });
 * const client = createSyncClient({ store, connect: () => connectHub(settings, { deviceName: 'front-desk' }) });
 * console.log(await client.preview());
 */
export { LockstepError, isLockstepError, type ErrorCode } from './core/errors.js';
export { compareHlc, formatHlc, parseHlc, type Hlc } from './core/hlc.js';
export { reconcile, type Decision, type RowSides } from './core/reconcile.js';
export type { JsonValue, Row } from './core/row.js';
export type { SyncPolicy } from './core/sync-policy.js';
export type { ColumnDef, ColumnType, Dataset, ForeignKeyDef, TableDef, ViewDef } from './dataset/dataset.js';
export { classroom } from './dataset/classroom.js';
export { learning } from './dataset/learning.js';
export { BUILTIN_DATASETS, loadDataset } from './dataset/builtin-datasets.js';
export { validateDataset } from './dataset/validate-dataset.js';
export { rowKeyOf } from './dataset/row-key.js';
export { LocalStore, type InitStoreOptions, type PendingChange } from './store/local-store.js';
export { initHub, type HubInitResult } from './hub/hub-init.js';
export { connectHub, type ConnectHubOptions } from './hub/connect-hub.js';
export { createSyncClient, SyncClient, type SavedPlan, type SyncClientOptions, type PullResult } from './sync/sync-client.js';
export type { SyncOptions } from './sync/sync-options.js';
export type { ConflictInfo, Direction, SideCounts, SyncReport, TableCounts } from './sync/sync-report.js';
export type { PrecheckItem, PrecheckReport } from './sync/precheck.js';
export { saveConnection, loadConnection, type SecretCipher } from './sync/saved-connection.js';
export { type EmbeddedPostgres } from './embedded/embedded-postgres-server.js';
export { spawnEmbeddedPostgres } from './embedded/spawn-embedded-postgres.js';
export * from './replicate/index.js';
export { createServer } from './server/create-server.js';
export { startServer, type RunningServer, type StartServerOptions } from './server/start-server.js';
export type { ServerOptions } from './server/server-options.js';
