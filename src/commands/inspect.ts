import type { Command } from 'commander';
import type { RelocationMode } from '../elf/relocate.js';
import { type InputWarning, warningLine } from '../errors.js';
import { dumpFile } from '../lineinfo/dump.js';
import type { UpstreamRules } from '../lineinfo/extract.js';
import { inspectFile } from '../lineinfo/inspect.js';
import { renderInspectText } from '../report/inspect.js';
import { bar, type ProcessLike, Progress } from '../util/process.js';
import {
  baseOption,
  buildRootOption,
  emit,
  relocationOption,
  revisionOption,
  rulesOf,
  rulesOption,
} from './options.js';

/** `lineinfo-bench inspect` and `dump`: wiring only; the work is inspectFile and dumpFile. */
export function registerInspectCommands(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('inspect')
    .description(
      "read an ELF file's line tables and print what the upstream generator would make of them",
    )
    .argument('<elf>', 'a vmlinux (or any ELF with DWARF line tables)')
    .addOption(revisionOption())
    .addOption(rulesOption())
    .addOption(buildRootOption())
    .addOption(baseOption())
    .addOption(relocationOption())
    .option('--json', 'print the same figures as JSON (raw integers)')
    .addHelpText(
      'after',
      '\nExamples:\n  lineinfo-bench inspect vmlinux\n  lineinfo-bench inspect --revision v1-v4 --json vmlinux > inspect.json\n' +
        '\nRows are counted as read from .debug_line; "dropped" lists every reason a row did not\nbecome an entry, and the reasons add up to rows read minus entries.',
    )
    .action(
      (
        elf: string,
        opts: {
          revision: string;
          rules?: UpstreamRules;
          buildRoot?: string[];
          base?: string | bigint;
          relocation: RelocationMode;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const { result } = inspectFile(elf, {
          rules: rulesOf(opts),
          revision: opts.rules ? undefined : opts.revision,
          buildRoots: opts.buildRoot,
          base: opts.base,
          relocation: opts.relocation,
          onProgress: (done, total) =>
            progress.update(`reading line tables ${bar(done, total)} units`),
        });
        progress.done();
        printWarnings(proc, elf, result.warnings);
        emit(proc, opts.json, result, () => renderInspectText(result));
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
    .addOption(revisionOption())
    .addOption(rulesOption())
    .addOption(buildRootOption())
    .addOption(baseOption())
    .addOption(relocationOption())
    .action(
      (
        elf: string,
        opts: {
          out: string;
          files?: string;
          revision: string;
          rules?: UpstreamRules;
          buildRoot?: string[];
          base?: string | bigint;
          relocation: RelocationMode;
        },
      ) => {
        const r = dumpFile(elf, opts.out, opts.files, {
          rules: rulesOf(opts),
          revision: opts.rules ? undefined : opts.revision,
          buildRoots: opts.buildRoot,
          base: opts.base,
          relocation: opts.relocation,
        });
        printWarnings(proc, elf, r.inspect.warnings);
        proc.stdout.write(
          `${r.inspect.entries.toLocaleString('en-US')} entries -> ${r.entriesFile} (${r.entriesBytes} bytes)\n` +
            `${r.inspect.files.toLocaleString('en-US')} file names -> ${r.filesFile}\n`,
        );
        setExit(0);
      },
    );
}

/** One stderr line per part of the file read past (`warning: FILE: part: cause; skipped ...`). */
export function printWarnings(proc: ProcessLike, file: string, warnings: InputWarning[]): void {
  for (const w of warnings) proc.stderr.write(`${warningLine(file, w)}\n`);
}
