/**
 * Replication of an account's data from the hub to a PostgreSQL database its owner controls: the library
 * API the CLI and the HTTP server use (see docs/spec/replication.md).
 *
 * @example
 * import { createReplicationService, startReplicationWorker } from './replicate/index.js';
 * const service = createReplicationService({ hub: () => connectHub(settings), cipher });
 * await service.run((await service.add({ name: 'backup', owner: id, url, scope: `users:${id}` })).id);
 */
export { createReplicationService, ReplicationService, type AccessOptions, type ReplicationServiceOptions, type RunNowOptions } from './replication-service.js';
export { startReplicationWorker, type ReplicationWorker, type ReplicationWorkerEvent, type ReplicationWorkerOptions } from './replication-worker.js';
export type { AddReplicationInput, EditReplicationInput } from './config-input.js';
export type { HubConnector, ReplicationOptions, ReplicationPolicy, TargetConnector } from './replication-options.js';
export type {
  ErrorInfo,
  ProgressListener,
  ProgressPhase,
  ReplicationConfigView,
  ReplicationMode,
  ReplicationProgress,
  ReplicationRunView,
  ReplicationScope,
  ReplicationStatus,
  RunKind,
  RunStatus,
  RunTrigger,
} from './replication-types.js';
export { ensureReplicationSchema } from './sql/replication-schema.js';
export { recoverStaleRuns, type RecoveredRun } from './stale-runs.js';
export { formatScope, parseScope } from './replication-scope.js';
export { formatInterval, parseInterval } from './parse-interval.js';
export { targetDdl } from './target-schema.js';
export { checkTargetUrl } from './target-access.js';
export { formatProgress } from './replication-text.js';
