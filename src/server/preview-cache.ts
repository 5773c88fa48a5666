import type { SyncReport } from '../sync/sync-report.js';

/**
 * The previews a device showed recently, by fingerprint, so that "apply what I confirmed" can be sent as
 * a fingerprint and turned back into a saved plan (the engine refuses it with `E_PLAN_STALE` if anything
 * changed since).
 *
 * @example
 * cache.remember(report); cache.find(report.fingerprint, 'push');
 */
export class PreviewCache {
  private readonly reports: SyncReport[] = [];

  constructor(private readonly size = 20) {}

  remember(report: SyncReport): void {
    this.reports.unshift(report);
    this.reports.splice(this.size);
  }

  find(fingerprint: string, plannedFor: SyncReport['plannedFor']): SyncReport | undefined {
    return this.reports.find((r) => r.fingerprint === fingerprint && r.plannedFor === plannedFor);
  }
}
