import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isLockstepError, type LockstepError } from '../core/errors.js';
import { processIo, type CliIo } from './cli-io.js';
import { registerBackupCommands } from './commands/backup-commands.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerDeviceCommands } from './commands/device-commands.js';
import { registerReplicateCommands } from './commands/replicate-commands.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSyncCommands } from './commands/sync-commands.js';
import { EXIT_CODES } from './exit-codes.js';

/**
 * Runs the `lockstep` command line and returns the exit code (see the README's exit-code table).
 * Errors print `code: message` (or `{ "error": { code, message } }` with --json); passwords never appear.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('lockstep')
    .description('Keep app data in step across devices through PostgreSQL, and replicate it to databases you own.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError();
  registerDeviceCommands(program, io);
  registerSyncCommands(program, io, (c) => (exitCode = c));
  registerBackupCommands(program, io);
  registerReplicateCommands(program, io, (c) => (exitCode = c));
  registerServeCommand(program, io);
  registerDemoCommand(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_CODES.E_USAGE;
    const err: LockstepError | undefined = isLockstepError(e) ? e : undefined;
    const code = err?.code ?? 'E_INTERNAL';
    const message = err?.message ?? (e instanceof Error ? `unexpected error: ${e.message}` : String(e));
    if (argv.includes('--json')) io.stdout(JSON.stringify({ error: { code, message, ...(err?.details ? { details: err.details } : {}) } }, null, 2));
    else io.stderr(`${code}: ${message}`);
    return EXIT_CODES[code];
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  process.exitCode = await runCli(process.argv.slice(2));
}
