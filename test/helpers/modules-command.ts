import { Command, CommanderError } from 'commander';
import { registerModulesCommand } from '../../src/commands/modules.js';
import { describeError } from '../../src/errors.js';
import { fakeProcess } from './fake-process.js';

/**
 * Runs `modules <args>` as the CLI would: its exit code (2 for a bad
 * option, a core error's own code with its lines on stderr) and its output.
 */
export async function runModulesCommand(
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const p = fakeProcess(['modules', ...args]);
  let code = -1;
  const program = new Command('lineinfo-bench').exitOverride();
  registerModulesCommand(program, p.proc, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(p.proc.argv.slice(2), { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = 2;
    else {
      const d = describeError(e);
      code = d.exitCode;
      p.proc.stderr.write(d.lines.join('\n'));
    }
  }
  return { code, out: p.stdout(), err: p.stderr() };
}
