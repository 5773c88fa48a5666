import type { ConfigRow } from './sql/config-rows.js';
import type { RunRow } from './sql/run-rows.js';
import { maskedTargetUrl } from './target-access.js';
import type { ReplicationConfigView, ReplicationRunView, ReplicationScope } from './replication-types.js';
import { formatScope } from './replication-scope.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function scopeOf(row: Pick<ConfigRow, 'scope_table' | 'scope_key'>): ReplicationScope {
  return row.scope_table !== null && row.scope_key !== null ? { kind: 'row', table: row.scope_table, key: row.scope_key } : { kind: 'all' };
}

/** What the API shows of a configuration: the URL masked, the encrypted password and cursor left out. */
export function toConfigView(row: ConfigRow): ReplicationConfigView {
  const scope = scopeOf(row);
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    targetUrl: maskedTargetUrl(row.target, row.target_password !== null),
    targetSchema: row.target_schema,
    scope,
    scopeText: formatScope(scope),
    mode: row.mode,
    intervalSeconds: row.interval_seconds,
    migrate: row.migrate,
    status: row.status,
    lastStartedAt: iso(row.last_started_at),
    lastFinishedAt: iso(row.last_finished_at),
    lastSuccessAt: iso(row.last_success_at),
    lastError: row.last_error,
    rowsCopied: row.rows_copied,
    progress: row.status === 'IN_PROGRESS' ? row.progress : null,
    currentRunId: row.current_run_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toRunView(row: RunRow): ReplicationRunView {
  return {
    id: row.id,
    configId: row.config_id,
    trigger: row.trigger,
    kind: row.kind,
    status: row.status,
    workerId: row.worker_id,
    startedAt: row.started_at.toISOString(),
    finishedAt: iso(row.finished_at),
    heartbeatAt: row.heartbeat_at.toISOString(),
    rowsCopied: row.rows_copied,
    rowsDeleted: row.rows_deleted,
    sourceCounts: row.source_counts,
    targetCounts: row.target_counts,
    progress: row.progress,
    error: row.error,
  };
}
