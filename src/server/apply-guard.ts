import { LockstepError } from '../core/errors.js';
import type { RunOperation } from '../sync/run-state.js';
import type { SavedPlan } from '../sync/sync-client.js';
import { hasSyncedBefore } from '../sync/sync-run.js';
import type { ServedDevice } from './device-registry.js';

const sum = (s: { add: number; update: number; delete: number }): number => s.add + s.update + s.delete;

/**
 * The plan for an apply request: the preview the user confirmed, found by its fingerprint. The engine
 * then refuses it (`E_PLAN_STALE`) if anything changed since that preview.
 *
 * @example
 * await device.client.push({ plan: planFor(device, 'push', body.fingerprint) });
 */
export function planFor(device: ServedDevice, operation: RunOperation, fingerprint: string | undefined): SavedPlan | undefined {
  if (fingerprint === undefined) return undefined;
  const report = device.previews.find(fingerprint, operation);
  if (!report)
    throw new LockstepError('E_PLAN_STALE', `this server holds no ${operation} preview with that fingerprint (it may have restarted); preview again and confirm that`);
  return device.client.savePlan(report);
}

/**
 * A first push or sync against a hub that already has data, while this device has data too, needs a
 * confirmed preview (a fingerprint) or `confirm: true`: two non-empty sides are about to be merged.
 *
 * @example
 * if (!plan && !body.confirm) await requireFirstMergeConfirmation(device, 'sync');
 */
export async function requireFirstMergeConfirmation(device: ServedDevice, operation: 'push' | 'sync'): Promise<void> {
  if (hasSyncedBefore(device.store)) return;
  const p = await device.client.preview(operation);
  if (p.firstSync && sum(p.totals.up) > 0 && (sum(p.totals.down) > 0 || p.totals.conflicts > 0)) {
    device.previews.remember(p);
    throw new LockstepError(
      'E_CONFIRMATION_REQUIRED',
      'first sync with a hub that already has data, and this device has data too: review the preview, then apply it with its fingerprint (or confirm: true)',
      { details: { preview: p } },
    );
  }
}
