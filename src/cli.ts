import { Command, CommanderError } from 'commander';
import { dumpFile } from './commands/dump.js';
import { inspectFile } from './commands/inspect.js';
import { registerKernelsCommands } from './commands/kernels.js';
import { registerLatencyCommand } from './commands/latency.js';
import { registerMeasureCommand } from './commands/measure.js';
import { registerModulesCommand } from './commands/modules.js';
import { baseOption, relocationOption, rulesOption } from './commands/options.js';
import { registerReportCommands } from './commands/report.js';
import { registerRunCommand } from './commands/run.js';
import type { RelocationMode } from './elf/relocate.js';
import { describeError, UserError } from './errors.js';
import type { UpstreamRules } from './lineinfo/extract.js';
import { renderInspectText } from './report/inspect.js';
import { bar, type ProcessLike, Progress } from './util/process.js';

/** Wires the commands; each action returns its exit code through `setExit`. */
function buildProgram(proc: ProcessLike, setExit: (code: number) => void): Command {
  const out = (s: string) => proc.stdout.write(s);
  const program = new Command('lineinfo-bench')
    .description(
      "Measure, compare and tune the kernel's CONFIG_KALLSYMS_LINEINFO source-line tables on real kernels.\n" +
        'Reads a vmlinux or .ko with DWARF exactly as the upstream generator (scripts/gen_lineinfo) does.',
    )
    .version('0.1.0')
    // root options only before the command name: subcommands have a --version of their own
    .enablePositionalOptions()
    .configureOutput({ writeOut: out, writeErr: (s) => proc.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('inspect')
    .description(
      "read an ELF file's line tables and print what the upstream generator would make of them",
    )
    .argument('<elf>', 'a vmlinux (or any ELF with DWARF line tables)')
    .addOption(rulesOption())
    .addOption(baseOption())
    .addOption(relocationOption())
    .option('--json', 'print the same figures as JSON (raw integers)')
    .addHelpText(
      'after',
      '\nExamples:\n  lineinfo-bench inspect vmlinux\n  lineinfo-bench inspect --rules v5 --json vmlinux > inspect.json\n' +
        '\nRows are counted as read from .debug_line; "dropped" lists every reason a row did not\nbecome an entry, and the reasons add up to rows read minus entries.',
    )
    .action(
      (
        elf: string,
        opts: {
          rules: UpstreamRules;
          base?: string | bigint;
          relocation: RelocationMode;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const { result } = inspectFile(elf, {
          rules: opts.rules,
          base: opts.base,
          relocation: opts.relocation,
          onProgress: (done, total) =>
            progress.update(`reading line tables ${bar(done, total)} units`),
        });
        progress.done();
        out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderInspectText(result));
        setExit(0);
      },
    );

  program
    .command('dump')
    .description(
      'write the entry table for other tools: u32 LE triples (offset, file_id, line) and the file names',
    )
    .argument('<elf>', 'a vmlinux (or any ELF with DWARF line tables)')
    .requiredOption('--out <file>', 'where the entries go (12 bytes each)')
    .option(
      '--files <file>',
      'where the file names go, one per line in file_id order (default: <out>.files.txt)',
    )
    .addOption(rulesOption())
    .addOption(baseOption())
    .addOption(relocationOption())
    .action(
      (
        elf: string,
        opts: {
          out: string;
          files?: string;
          rules: UpstreamRules;
          base?: string | bigint;
          relocation: RelocationMode;
        },
      ) => {
        const r = dumpFile(elf, opts.out, opts.files, {
          rules: opts.rules,
          base: opts.base,
          relocation: opts.relocation,
        });
        out(
          `${r.inspect.entries.toLocaleString('en-US')} entries -> ${r.entriesFile} (${r.entriesBytes} bytes)\n` +
            `${r.inspect.files.toLocaleString('en-US')} file names -> ${r.filesFile}\n`,
        );
        setExit(0);
      },
    );

  registerKernelsCommands(program, proc, setExit);
  registerLatencyCommand(program, proc, setExit);
  registerMeasureCommand(program, proc, setExit);
  registerModulesCommand(program, proc, setExit);
  registerRunCommand(program, proc, setExit);
  registerReportCommands(program, proc, setExit);

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
    const d = describeError(e instanceof UserError ? e : e);
    for (const line of d.lines) proc.stderr.write(`${line}\n`);
    return d.exitCode;
  }
}
