import { LockstepError } from '../core/errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * An interval written as seconds (`300`) or with a unit (`30s`, `5m`, `1h`, `1d`), in whole seconds.
 *
 * @example
 * parseInterval('5m'); // 300
 */
export function parseInterval(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new LockstepError('E_USAGE', `interval must be a positive number of seconds, or like 30s, 5m, 1h, 1d; not "${text}"`);
  return seconds;
}

/**
 * The shortest readable form of a number of seconds.
 *
 * @example
 * formatInterval(300); // '5m'
 */
export function formatInterval(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}
