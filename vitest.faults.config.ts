import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`npm run test:faults`, `npm run test:faults:reduced`): test/faults/**, files
 * named `*.fault.ts` so the default `npm test` does not pick them up. LOCKSTEP_FAULTS=full|reduced.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts', 'test/faults/helpers/fault-setup.ts'],
    include: ['test/faults/**/*.fault.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
