// `lockstep serve` as a process of its own (the tests send it SIGINT like Ctrl-C): the serve command
// registered on a bare program, as main.ts registers it.
import { Command } from 'commander';
import { processIo } from '../../../src/cli/cli-io.js';
import { registerServeCommand } from '../../../src/cli/commands/serve-command.js';

const program = new Command('lockstep').exitOverride();
registerServeCommand(program, processIo);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  process.stderr.write(`${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
