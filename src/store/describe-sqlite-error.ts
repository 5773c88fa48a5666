import { LockstepError, isLockstepError } from '../core/errors.js';

/** Turns a better-sqlite3 error into a LockstepError with a stable code (the SQLITE_* code stays in `cause`). */
export function describeSqliteError(e: unknown, path: string): LockstepError {
  if (isLockstepError(e)) return e;
  const code = String((e as { code?: unknown }).code ?? '');
  const msg = e instanceof Error ? e.message : String(e);
  const details = { sqlite: code };
  if (code.startsWith('SQLITE_READONLY'))
    return new LockstepError('E_STORE_READONLY', `${path} is read-only; check the file's permissions`, { cause: e, details });
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new LockstepError('E_STORE_BUSY', `${path} is locked by another program; close it or try again`, { cause: e, details, retryable: true });
  if (code.startsWith('SQLITE_FULL') || code === 'SQLITE_IOERR_WRITE')
    return new LockstepError('E_DISK_FULL', `no space left to write ${path}; free some disk space and try again`, { cause: e, details });
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new LockstepError('E_STORE_CORRUPT', `${path} is damaged or not a database (${msg}); restore a backup`, { cause: e, details });
  if (code.startsWith('SQLITE_CANTOPEN'))
    return new LockstepError('E_STORE_NOT_FOUND', `cannot open ${path}: check that the folder exists and is writable`, { cause: e, details });
  if (code === 'SQLITE_CONSTRAINT_TRIGGER' && msg.includes('append-only'))
    return new LockstepError('E_APPEND_ONLY', `${msg}: events are never changed; record a new event instead`, { cause: e, details });
  if (code.startsWith('SQLITE_CONSTRAINT'))
    return new LockstepError('E_INTEGRITY', `a constraint of ${path} would be violated: ${msg}`, { cause: e, details });
  return new LockstepError('E_INTERNAL', `SQLite error on ${path}: ${msg}`, { cause: e, details });
}
