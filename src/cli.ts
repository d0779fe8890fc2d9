import { Command, CommanderError } from 'commander';
import { registerGeneratorCommands } from './commands/generator.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerKernelsCommands } from './commands/kernels.js';
import { registerLatencyCommand } from './commands/latency.js';
import { registerMeasureCommand } from './commands/measure.js';
import { registerModulesCommand } from './commands/modules.js';
import { registerReportCommands } from './commands/report.js';
import { registerRunCommand } from './commands/run.js';
import { describeError } from './errors.js';
import type { ProcessLike } from './util/process.js';
import { VERSION } from './util/version.js';

/** Wires the commands; each action returns its exit code through `setExit`. */
function buildProgram(proc: ProcessLike, setExit: (code: number) => void): Command {
  const program = new Command('lineinfo-bench')
    .description(
      "Measure, compare and tune the kernel's CONFIG_KALLSYMS_LINEINFO source-line tables on real kernels.\n" +
        'Reads a vmlinux or .ko with DWARF exactly as the upstream generator (scripts/gen_lineinfo) does.',
    )
    .version(VERSION)
    // root options only before the command name: subcommands have a --version of their own
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => proc.stdout.write(s),
      writeErr: (s) => proc.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  registerInspectCommands(program, proc, setExit);
  registerKernelsCommands(program, proc, setExit);
  registerLatencyCommand(program, proc, setExit);
  registerMeasureCommand(program, proc, setExit);
  registerModulesCommand(program, proc, setExit);
  registerRunCommand(program, proc, setExit);
  registerReportCommands(program, proc, setExit);
  registerGeneratorCommands(program, proc, setExit);
  registerHistoryCommand(program, proc, setExit);

  return program;
}

/** Runs the CLI against a process (real or fake) and returns the exit code. */
export async function run(proc: ProcessLike): Promise<number> {
  let code = 0;
  const program = buildProgram(proc, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(proc.argv.slice(2), { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors are user errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    const d = describeError(e);
    for (const line of d.lines) proc.stderr.write(`${line}\n`);
    return d.exitCode;
  }
}
