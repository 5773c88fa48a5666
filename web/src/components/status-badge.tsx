import type { ReplicationStatus } from '../../../src/server/api-types.js';

const TEXT: Record<ReplicationStatus, string> = { IDLE: 'Idle', IN_PROGRESS: 'In progress', COMPLETED: 'Completed', FAILED: 'Failed' };

/** IDLE gray, IN_PROGRESS blue, COMPLETED green, FAILED red — with the status in words too. */
export function StatusBadge({ status }: { status: ReplicationStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase().replace('_', '-')}`} data-status={status}>
      {TEXT[status]}
    </span>
  );
}
