import type { RunOperation } from '../sync/run-state.js';
import type { SyncReport } from '../sync/sync-report.js';
import { runSync } from '../sync/sync-run.js';
import type { ServedDevice } from './device-registry.js';

/**
 * What `operation` would do now. For a pull that would discard unsynced local changes the engine's preview
 * refuses (`E_UNSYNCED_CHANGES`), but the confirmation dialog needs exactly that report — which changes
 * are discarded — so the dry run is asked with discarding allowed. A dry run writes nothing either way,
 * and its fingerprint is the plan a confirmed pull then applies.
 *
 * @example
 * const report = await previewFor(device, 'pull'); // report.discarded lists what a pull would discard
 */
export async function previewFor(device: ServedDevice, operation: RunOperation): Promise<SyncReport> {
  if (operation !== 'pull') return device.client.preview(operation);
  const client = await device.connect();
  try {
    const { lockTimeoutMs, batchSize } = device.client.options;
    return await runSync(device.store, client, 'pull', { dryRun: true, discardLocal: true, lockTimeoutMs, batchSize });
  } finally {
    await client.end().catch(() => undefined);
  }
}
