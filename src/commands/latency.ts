import { type Command, Option } from 'commander';
import type { DeltaCoding } from '../encodings/blocks.js';
import { parseFormats } from '../encodings/registry.js';
import { UserError } from '../errors.js';
import { cacheRoot } from '../kernels/cache.js';
import { parseKernelSpec, resolveKernel } from '../kernels/resolve.js';
import type { UpstreamRules } from '../lineinfo/extract.js';
import { ADDRESS_SETS, type AddressSetName } from '../measure/addresses.js';
import { latencyFile } from '../measure/kernel-latency.js';
import { type CacheMode, DEFAULT_OPTIONS, sweepFormats } from '../measure/latency.js';
import { renderLatencyText } from '../report/latency.js';
import { type ProcessLike, Progress } from '../util/process.js';
import {
  baseOption,
  buildRootOption,
  emit,
  revisionOption,
  rulesOf,
  rulesOption,
  wholeNumber,
} from './options.js';

/** Parses --sets: a comma-separated list of address set names. */
export function parseSets(list: string): AddressSetName[] {
  const sets = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of sets) {
    if (!ADDRESS_SETS.includes(s as AddressSetName))
      throw new UserError(`--sets ${list}: unknown set ${s} (known: ${ADDRESS_SETS.join(', ')})`);
  }
  if (sets.length === 0) throw new UserError('--sets: no address set given');
  return sets as AddressSetName[];
}

/** `lineinfo-bench latency`: registered on the program by cli.ts. */
export function registerLatencyCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  program
    .command('latency')
    .description(
      "time the kernel's lineinfo lookup on this kernel's tables: native C (cc -O2) on the exact table bytes, warm and cold caches",
    )
    .argument(
      '<kernel>',
      'a vmlinux (or any ELF with DWARF line tables), a kernel build directory, or\n' +
        'debian:FLAVOUR[@VERSION] (the debug package, cached)',
    )
    .option(
      '--format <list>',
      'formats, comma-separated (flat, blocks[:B[:sleb|zigzag]])',
      'flat,blocks:64',
    )
    .option(
      '--sweep',
      'block-size sweep: flat and blocks of 8, 16, ..., 1024 entries (bytes/entry against latency); replaces --format, whose blocks coding (zigzag) it keeps',
    )
    .addOption(new Option('--cold', 'cold caches only (evict between lookups)').conflicts('warm'))
    .addOption(new Option('--warm', 'warm caches only (the same lookup repeated)'))
    .addOption(
      new Option(
        '--cold-eviction <method>',
        'how a cold lookup is made cold: flush (every line of the table out of the caches, x86 only: cheap, so 2,000 samples) or walk (read a buffer of twice the last-level cache: code and TLB cold too, 200 to 1,000 samples)',
      )
        .choices(['flush', 'walk'])
        .default(DEFAULT_OPTIONS.coldEviction.method),
    )
    .option(
      '--cold-repeats <n>',
      'each cold sample is the median of this many cold lookups of its address (1 to 15): one interrupted lookup does not become the p99',
      wholeNumber('--cold-repeats', 1),
      DEFAULT_OPTIONS.coldEviction.repeats,
    )
    .option('--sets <list>', `address sets (${ADDRESS_SETS.join(', ')})`, ADDRESS_SETS.join(','))
    .option(
      '--addresses <n>',
      'addresses per set',
      wholeNumber('--addresses', 1),
      DEFAULT_OPTIONS.addressesPerSet,
    )
    .option('--seed <n>', 'seed of the address sets', wholeNumber('--seed'), DEFAULT_OPTIONS.seed)
    .addOption(revisionOption())
    .addOption(rulesOption())
    .addOption(buildRootOption())
    .addOption(baseOption())
    .option('--json', 'print the results as JSON (raw samples included)')
    .addHelpText(
      'after',
      '\nExamples:\n  lineinfo-bench latency vmlinux\n  lineinfo-bench latency --sweep --json vmlinux > results/latency/sweep.json\n' +
        '\nThe C harness is compiled with $LINEINFO_BENCH_CC (default cc) into the cache; without a compiler\n' +
        'the figures come from the TypeScript lookups and are labelled "model, not the kernel".',
    )
    .action(
      async (
        spec: string,
        opts: {
          format: string;
          sweep?: boolean;
          cold?: boolean;
          warm?: boolean;
          coldEviction: 'flush' | 'walk';
          coldRepeats: number;
          sets: string;
          addresses: number;
          seed: number;
          revision: string;
          rules?: UpstreamRules;
          buildRoot?: string[];
          base?: string | bigint;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const modes: CacheMode[] = opts.cold ? ['cold'] : opts.warm ? ['warm'] : ['warm', 'cold'];
        let formats = parseFormats(opts.format);
        if (opts.sweep) {
          const coding: DeltaCoding = formats.some((f) => f.id.endsWith(':zigzag'))
            ? 'zigzag'
            : 'sleb';
          formats = sweepFormats(coding);
        }
        const kernel = await resolveKernel(parseKernelSpec(spec), {
          cache: cacheRoot(proc.env),
          image: false,
          onProgress: (t) => progress.update(t),
        });
        const result = latencyFile(kernel.vmlinux, {
          formats,
          modes,
          sets: parseSets(opts.sets),
          addresses: opts.addresses,
          seed: opts.seed,
          coldEviction: { method: opts.coldEviction, repeats: opts.coldRepeats },
          rules: rulesOf(opts),
          buildRoots: opts.buildRoot ?? kernel.buildRoots,
          base: opts.base,
          env: proc.env,
          onProgress: (t) => progress.update(t),
        });
        progress.done();
        emit(proc, opts.json, result, () =>
          renderLatencyText(result, { color: Boolean(proc.stdout.isTTY) }),
        );
        setExit(0);
      },
    );
}
