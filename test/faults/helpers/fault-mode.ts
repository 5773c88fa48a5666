/** Full or reduced form of the fault suite: LOCKSTEP_FAULTS=full|reduced (default reduced). */
export const FULL = process.env.LOCKSTEP_FAULTS === 'full';

/** `full` in the full form, `reduced` in the reduced one. */
export function scale<T>(full: T, reduced: T): T {
  return FULL ? full : reduced;
}

/** A small seeded generator, so a failing round can be replayed with LOCKSTEP_FAULTS_SEED. */
export function seededRandom(seed = Number(process.env.LOCKSTEP_FAULTS_SEED ?? Date.now() % 2_147_483_647)): { seed: number; next: () => number; int: (n: number) => number } {
  let s = seed || 1;
  const next = (): number => {
    s = (s * 48_271) % 2_147_483_647;
    return s / 2_147_483_647;
  };
  return { seed, next, int: (n: number) => Math.floor(next() * n) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
