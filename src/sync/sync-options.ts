/** Options of a sync client; every default is set in `resolveSyncOptions`. */
export interface SyncOptions {
  /** How long push/pull/sync wait for another device to finish, in ms. Default 10 000. */
  lockTimeoutMs?: number;
  /** Rows read and written per round trip. Default 2 000. */
  batchSize?: number;
  /** Where pull keeps backups of the local file. Default `<db>.backups` beside the file. */
  backupDir?: string;
  /** How many backups to keep. Default 10. */
  backupRetention?: number;
}

export type ResolvedSyncOptions = Required<SyncOptions>;

export function resolveSyncOptions(dbPath: string, o: SyncOptions = {}): ResolvedSyncOptions {
  return {
    lockTimeoutMs: o.lockTimeoutMs ?? 10_000,
    batchSize: o.batchSize ?? 10_000,
    backupDir: o.backupDir ?? `${dbPath}.backups`,
    backupRetention: o.backupRetention ?? 10,
  };
}
