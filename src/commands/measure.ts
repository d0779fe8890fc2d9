import type { Command } from 'commander';
import type { RelocationMode } from '../elf/relocate.js';
import { FORMAT_SYNTAX, parseFormats } from '../encodings/registry.js';
import { revision } from '../encodings/revisions.js';
import { cacheRoot } from '../kernels/cache.js';
import { parseKernelSpec, resolveKernel } from '../kernels/resolve.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { measureKernelFile } from '../measure/kernel.js';
import { checkThresholds, parseThreshold, type Threshold } from '../measure/thresholds.js';
import { renderMeasureTerminal } from '../report/measure-terminal.js';
import { type ProcessLike, Progress } from '../util/process.js';
import { printWarnings } from './inspect.js';
import {
  baseOption,
  buildRootOption,
  commaList,
  emit,
  failOnOption,
  failOnViolations,
  relocationOption,
  revisionOption,
  wholeNumber,
} from './options.js';

/** `lineinfo-bench measure`: wiring only; the work is measureKernel, the output renderMeasureTerminal. */
export function registerMeasureCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('measure')
    .description(
      "encode a kernel's line table in each format and rule set; sizes by bucket, bytes per entry, image growth, verification",
    )
    .argument(
      '<kernel>',
      'a vmlinux; a kernel build directory (its .config and boot image count too); or\n' +
        "debian:FLAVOUR[@VERSION], e.g. debian:cloud-amd64@6.1.192-2 (Debian's debug package, cached)",
    )
    .option(
      '--format <list>',
      `formats, comma-separated (default: the revision's layouts):\n${FORMAT_SYNTAX.map((s) => `  ${s}`).join('\n')}\n`,
    )
    .addOption(revisionOption())
    .option(
      '--rules <list>',
      `rule sets, comma-separated, instead of the revision's: ${Object.keys(RULE_SETS).join(', ')}`,
    )
    .addOption(buildRootOption())
    .option(
      '--agree [samples]',
      "also compare lookups with addr2line and llvm-symbolizer on this many addresses sampled inside functions (default 10000; padding symbols __pfx_ and __cfi_ left out): each table's answer, and for an upstream rule set what its revision's kernel prints through its own lookup (lost and wrong apart)",
    )
    .option('--seed <n>', 'seed for every sampled address', wholeNumber('--seed'), 1)
    .option(
      '--verify-samples <n>',
      'seeded lookups between entries checked against the flat search',
      wholeNumber('--verify-samples'),
      100000,
    )
    .option(
      '--max-bytes-per-entry <n>',
      'exit 1 if any table spends more than this (index + data) per entry (as --fail-on bpe>N)',
    )
    .addOption(failOnOption())
    .option('--json', 'print the result as JSON (raw integers)')
    .addOption(baseOption())
    .addOption(relocationOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench measure vmlinux\n' +
        '  lineinfo-bench measure --format flat,blocks:16,blocks:64,blocks:256 ~/linux/build\n' +
        '  lineinfo-bench measure --rules v1-v4,symbolizer --agree 10000 vmlinux\n' +
        '  lineinfo-bench measure --revision v1-v4 debian:cloud-amd64@6.1.192-2\n' +
        '  lineinfo-bench measure --fail-on growth>10% --fail-on bpe>4@blocks:64:sleb ~/linux/build\n' +
        '\nEvery table is verified before it is measured: each entry round-trips through the\n' +
        "decoder and the lookup returns the flat search's entry at every entry start and at\n" +
        'seeded addresses between; a difference is an error.',
    )
    .action(
      async (
        spec: string,
        opts: {
          base?: string | bigint;
          relocation: RelocationMode;
          format?: string;
          revision: string;
          rules?: string;
          buildRoot?: string[];
          agree?: string | boolean;
          seed: number;
          verifySamples: number;
          maxBytesPerEntry?: string;
          failOn: Threshold[];
          json?: boolean;
        },
      ) => {
        const limits = [...opts.failOn];
        if (opts.maxBytesPerEntry !== undefined)
          limits.push(parseThreshold(`bpe>${opts.maxBytesPerEntry}`));
        const progress = new Progress(proc.stderr);
        const agreeSamples =
          typeof opts.agree === 'string'
            ? wholeNumber('--agree')(opts.agree)
            : opts.agree
              ? 10000
              : 0;
        const rev = revision(opts.revision);
        const formats = parseFormats(opts.format ?? rev.vmlinuxLayouts.join(','));
        const kernel = await resolveKernel(parseKernelSpec(spec), {
          cache: cacheRoot(proc.env),
          onProgress: (t) => progress.update(t),
        });
        const result = measureKernelFile(kernel, {
          formats,
          rules: opts.rules ? commaList(opts.rules) : [rev.rules],
          buildRoots: opts.buildRoot,
          agreeSamples,
          seed: opts.seed,
          verifySamples: opts.verifySamples,
          base: opts.base,
          relocation: opts.relocation,
          onProgress: (t) => progress.update(t),
        });
        progress.done();
        printWarnings(proc, kernel.vmlinux, result.warnings ?? []);
        emit(proc, opts.json, result, () => renderMeasureTerminal(result));
        failOnViolations(checkThresholds([{ id: spec, tables: result.tables }], limits));
        setExit(0);
      },
    );
}
