/**
 * Hybrid logical clock timestamps.
 *
 * A timestamp is the string `WWWWWWWWWWWWWWW-CCCCC-NODE`: wall-clock milliseconds (15 digits), a counter
 * (5 digits) and the node (device id, or `hub` for writes made with plain SQL on the hub). The string sorts
 * in the clock's order, so SQLite triggers, PostgreSQL and TypeScript all compare timestamps as text.
 *
 * @example
 * const t = formatHlc({ wall: Date.now(), counter: 0, node: deviceId });
 * compareHlc(t, other) > 0; // t is later
 */
export interface Hlc {
  readonly wall: number;
  readonly counter: number;
  readonly node: string;
}

const HLC_PATTERN = /^(\d{15})-(\d{5})-(.+)$/;
export const MAX_COUNTER = 99_999;

export function formatHlc(h: Hlc): string {
  return `${String(h.wall).padStart(15, '0')}-${String(h.counter).padStart(5, '0')}-${h.node}`;
}

export function parseHlc(text: string): Hlc | undefined {
  const m = HLC_PATTERN.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3] };
}

/** Text order is clock order; `undefined`/`null` sorts before everything. */
export function compareHlc(a: string | null | undefined, b: string | null | undefined): number {
  if (a === b) return 0;
  if (a == null) return -1;
  if (b == null) return 1;
  return a < b ? -1 : 1;
}

/**
 * The clock's state after a local event at physical time `now`: it never goes backwards and
 * always moves past everything seen so far.
 */
export function tickHlc(last: { wall: number; counter: number }, now: number): { wall: number; counter: number } {
  if (now > last.wall) return { wall: now, counter: 0 };
  if (last.counter < MAX_COUNTER) return { wall: last.wall, counter: last.counter + 1 };
  return { wall: last.wall + 1, counter: 0 };
}

/** The clock's state after seeing a remote timestamp: at least the remote one, so later local writes win over it. */
export function observeHlc(last: { wall: number; counter: number }, remote: string): { wall: number; counter: number } {
  const r = parseHlc(remote);
  if (!r) return last;
  if (r.wall > last.wall || (r.wall === last.wall && r.counter > last.counter)) {
    return { wall: r.wall, counter: r.counter };
  }
  return last;
}
