import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { registerReplicateCommands } from '../../../src/cli/commands/replicate-commands.js';
import { EXIT_CODES } from '../../../src/cli/exit-codes.js';
import { isLockstepError } from '../../../src/core/errors.js';
import type { ReplicationConfigView, ReplicationRunView } from '../../../src/replicate/replication-types.js';
import { addFamily, createLearningHub, createTarget, targetUrlWithPassword, withClient, type Family } from './fixtures.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lockstep <argv>` with only the replicate commands, the way src/cli/main.ts runs the CLI. */
async function cli(argv: string[], env: Record<string, string>, stdin = ''): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += `${t}\n`), stderr: (t) => void (stderr += `${t}\n`), readStdin: async () => stdin, env };
  let code = 0;
  const program = new Command('lockstep').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerReplicateCommands(program, io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, stdout, stderr };
    if (!isLockstepError(e)) throw e;
    io.stderr(`${e.code}: ${e.message}`);
    return { code: EXIT_CODES[e.code], stdout, stderr };
  }
  return { code, stdout, stderr };
}

const PASSWORD = 'cli-Secret-pw';

describe('lockstep replicate … and lockstep worker', () => {
  let env: Record<string, string>;
  let target: string;
  let fam: Family;
  beforeAll(async () => {
    const hub = await createLearningHub();
    target = await targetUrlWithPassword(await createTarget(), PASSWORD);
    fam = await withClient(hub, (c) => addFamily(c, 'Cli', { learners: 1, lessons: 3 }));
    env = { LOCKSTEP_HUB_URL: hub, LOCKSTEP_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'lockstep-key-')), 'key') };
  });

  it('add, list, show, edit, run (progress on stderr), history, schema, remove — JSON everywhere, password never shown', async () => {
    const outputs: string[] = [];
    const run = async (argv: string[], stdin?: string): Promise<Result> => {
      const r = await cli(argv, env, stdin);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const bare = new URL(target);
    bare.password = '';
    const added = await run(['replicate', 'add', '--name', 'cli', '--target-url', bare.toString(), '--target-password-stdin', '--scope', `users:${fam.parent}`, '--json'], `${PASSWORD}\n`);
    expect(added.code).toBe(0);
    const cfg = JSON.parse(added.stdout) as ReplicationConfigView;
    expect(cfg).toMatchObject({ name: 'cli', owner: fam.parent, mode: 'manual', status: 'IDLE', scopeText: `users:${fam.parent}` });
    expect(cfg.targetUrl).toContain(':****@');

    expect((JSON.parse((await run(['replicate', 'list', '--json'])).stdout) as ReplicationConfigView[]).map((c) => c.id)).toEqual([cfg.id]);
    expect((await run(['replicate', 'list'])).stdout).toContain(`${cfg.id}  cli  IDLE  manual`);
    const edited = await run(['replicate', 'edit', 'cli', '--mode', 'continuous', '--interval', '5m', '--json']);
    expect(JSON.parse(edited.stdout)).toMatchObject({ mode: 'continuous', intervalSeconds: 300 });

    const ran = await run(['replicate', 'run', cfg.id, '--json']);
    expect(ran.code).toBe(0);
    expect((JSON.parse(ran.stdout) as ReplicationRunView).status).toBe('COMPLETED');
    // A first run shows the planner's estimate of a table's rows until the table is copied.
    expect(ran.stderr).toMatch(/lessons: \d+\/\d+ rows · total \d+\/\d+ \(\d+%\) · \d+s elapsed · eta/);
    const human = await run(['replicate', 'run', 'cli']);
    expect(human.stdout).toMatch(/COMPLETED {2}incremental \(manual\)/);

    const shown = await run(['replicate', 'show', 'cli']);
    expect(shown.stdout).toMatch(/status: +COMPLETED/);
    expect(shown.stdout).toContain('every 5m');
    const history = JSON.parse((await run(['replicate', 'history', cfg.id, '--json'])).stdout) as ReplicationRunView[];
    expect(history.map((r) => r.kind)).toEqual(['incremental', 'full']);

    const ddl = await run(['replicate', 'schema', '--print', '--target-schema', 'mine']);
    expect(ddl.stdout).toContain('CREATE TABLE IF NOT EXISTS "mine"."users"');
    expect(ddl.stdout).not.toContain('password_hash');
    expect(JSON.parse((await run(['replicate', 'schema', '--print', '--json'])).stdout).statements.length).toBeGreaterThan(8);
    const check = await run(['replicate', 'schema', cfg.id]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('matches the dataset');

    const removed = await run(['replicate', 'remove', cfg.id, '--json']);
    expect(JSON.parse(removed.stdout).removed.id).toBe(cfg.id);
    expect((await run(['replicate', 'show', cfg.id])).code).toBe(EXIT_CODES.E_NOT_FOUND);
    expect(outputs.join('\n')).not.toContain(PASSWORD);
  });

  it('names the problem of a bad URL or a missing hub, with the error exit code', async () => {
    const bad = await cli(['replicate', 'add', '--name', 'x', '--target-url', 'postgres://u:pw@db.example.com:0/x', '--scope', `users:${fam.parent}`], env);
    expect(bad.code).toBe(EXIT_CODES.E_URL_INVALID);
    expect(bad.stderr).toMatch(/E_URL_INVALID: .*\n {2}port: must be a number from 1 to 65535/);
    const forbidden = await cli(['replicate', 'add', '--name', 'x', '--target-url', target, '--scope', `users:${fam.parent}`, '--forbid-private-targets'], env);
    expect(forbidden.stderr).toContain('E_URL_FORBIDDEN');
    const noHub = await cli(['replicate', 'list'], { LOCKSTEP_KEY_FILE: env.LOCKSTEP_KEY_FILE as string });
    expect(noHub.code).toBe(EXIT_CODES.E_USAGE);
    expect(noHub.stderr).toContain('--hub-url');
  });

  it('lockstep worker runs continuous replications until stopped', async () => {
    const added = await cli(['replicate', 'add', '--name', 'w', '--target-url', target, '--scope', `users:${fam.parent}`, '--mode', 'continuous', '--interval', '1s', '--target-schema', 'w', '--json'], env);
    const cfg = JSON.parse(added.stdout) as ReplicationConfigView;
    const worker = await cli(['worker', '--stop-after', '4', '--concurrency', '1'], env);
    expect(worker.code).toBe(0);
    expect(worker.stderr).toContain('worker started');
    expect(worker.stderr).toMatch(/COMPLETED {2}full \(schedule\)/);
    expect(worker.stderr).toContain('worker stopped');
    expect(worker.stderr).not.toContain(PASSWORD);
    const shown = JSON.parse((await cli(['replicate', 'show', cfg.id, '--json'], env)).stdout) as ReplicationConfigView;
    expect(shown.status).toBe('COMPLETED');
  }, 30_000);
});
