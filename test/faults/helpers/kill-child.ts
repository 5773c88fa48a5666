import { spawn } from 'node:child_process';

/**
 * Starts test/faults/helpers/fault-child.ts with `args`, waits until it is set up, lets it run for
 * `delayMs` and SIGKILLs it. Returns how many runs it finished and its stderr (a crash would show there).
 */
export async function killChildAfter(args: string[], delayMs: number): Promise<{ finished: number; stderr: string; killed: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/helpers/fault-child.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`fault child exited early (${code}): ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  const killed = child.exitCode === null && child.signalCode === null;
  child.kill('SIGKILL');
  await exited;
  const finished = [...out.matchAll(/done (\d+)/g)].length;
  return { finished, stderr, killed };
}
