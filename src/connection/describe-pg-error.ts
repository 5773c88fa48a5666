import { LockstepError } from '../core/errors.js';
// Temporary shim until the connection layer lands.
export function toLockstepError(e: unknown, context: string): LockstepError {
  const code = (e as { code?: string }).code;
  const map: Record<string, LockstepError['code']> = { '55P03': 'E_LOCKED', '23503': 'E_INTEGRITY', '23505': 'E_INTEGRITY', '23502': 'E_INTEGRITY', '23514': 'E_INTEGRITY' };
  return new LockstepError((code && map[code]) || 'E_CONNECTION', `${context}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { sqlstate: code } });
}
