import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    faultReportDir: string;
  }
}

/** What one test did, added up per category into RELIABILITY.md by the suite's teardown. */
export interface FaultCounts {
  faults?: number;
  operations?: number;
  inputs?: number;
  rows?: number;
}

export type FaultCategory = 'connection-cut' | 'process-kill' | 'server-restart' | 'local-faults' | 'clock' | 'bad-input' | 'load';

/** Records the counts of one test under `category` (one JSON line per call, read back at the end of the run). */
export function recordCounts(category: FaultCategory, what: string, counts: FaultCounts): void {
  const line = JSON.stringify({ category, what, ...counts });
  appendFileSync(join(inject('faultReportDir'), `${process.pid}.jsonl`), `${line}\n`);
  process.stdout.write(`[faults] ${line}\n`);
}

/** Mutable counters a test fills in and records once. */
export function counter(): Required<FaultCounts> {
  return { faults: 0, operations: 0, inputs: 0, rows: 0 };
}
