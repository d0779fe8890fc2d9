import { Command, CommanderError } from 'commander';
import { describeError } from './errors.js';
import type { ProcessLike } from './util/process.js';
import { VERSION } from './util/version.js';

type Register = (program: Command, proc: ProcessLike, setExit: (code: number) => void) => void;

/**
 * Each command's module, loaded when needed: loading them all costs about
 * 0.3 s of CPU at every start, more than some commands take. In help order;
 * a module may register several commands (inspect and dump, report, merge and diff).
 */
const COMMAND_MODULES: { names: string[]; load: () => Promise<Register> }[] = [
  {
    names: ['inspect', 'dump'],
    load: async () => (await import('./commands/inspect.js')).registerInspectCommands,
  },
  {
    names: ['kernels'],
    load: async () => (await import('./commands/kernels.js')).registerKernelsCommands,
  },
  {
    names: ['latency'],
    load: async () => (await import('./commands/latency.js')).registerLatencyCommand,
  },
  {
    names: ['measure'],
    load: async () => (await import('./commands/measure.js')).registerMeasureCommand,
  },
  {
    names: ['modules'],
    load: async () => (await import('./commands/modules.js')).registerModulesCommand,
  },
  { names: ['run'], load: async () => (await import('./commands/run.js')).registerRunCommand },
  {
    names: ['report', 'merge', 'diff'],
    load: async () => (await import('./commands/report.js')).registerReportCommands,
  },
  {
    names: ['plan'],
    load: async () => (await import('./commands/plan.js')).registerPlanCommands,
  },
  {
    names: ['compare'],
    load: async () => (await import('./commands/compare.js')).registerCompareCommand,
  },
  {
    names: ['generator'],
    load: async () => (await import('./commands/generator.js')).registerGeneratorCommands,
  },
  {
    names: ['history'],
    load: async () => (await import('./commands/history.js')).registerHistoryCommand,
  },
];

/**
 * The modules to load for these arguments: the named command's alone when
 * the command comes first (root options only come before it), else all
 * (root help lists every command; an unknown name is told the known ones).
 */
function modulesFor(args: readonly string[]) {
  const named = COMMAND_MODULES.find((m) => m.names.includes(args[0]));
  return named ? [named] : COMMAND_MODULES;
}

/** Wires the commands; each action returns its exit code through `setExit`. */
async function buildProgram(
  proc: ProcessLike,
  setExit: (code: number) => void,
  args: readonly string[],
): Promise<Command> {
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

  const registers = await Promise.all(modulesFor(args).map((m) => m.load()));
  for (const register of registers) register(program, proc, setExit);

  return program;
}

/** Runs the CLI against a process (real or fake) and returns the exit code. */
export async function run(proc: ProcessLike): Promise<number> {
  let code = 0;
  const args = proc.argv.slice(2);
  try {
    const program = await buildProgram(
      proc,
      (c) => {
        code = c;
      },
      args,
    );
    await program.parseAsync(args, { from: 'user' });
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
