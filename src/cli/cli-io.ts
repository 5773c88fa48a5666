import { LockstepError } from '../core/errors.js';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
}

export const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  stderr: (t) => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};

/** Prints `value` as JSON with --json, else the human text. */
export function emit(io: CliIo, json: boolean | undefined, value: unknown, human: () => string): void {
  io.stdout(json ? JSON.stringify(value, null, 2) : human());
}

export function parseIntOption(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new LockstepError('E_USAGE', `${name} must be a whole number ≥ ${min}, not "${raw}"`);
  return n;
}
