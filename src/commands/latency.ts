import { type Command, Option } from 'commander';
import { ElfFile } from '../elf/elf-file.js';
import type { DeltaCoding } from '../encodings/blocks.js';
import { parseFormats } from '../encodings/registry.js';
import { UserError } from '../errors.js';
import { extractUpstream, type UpstreamRules } from '../lineinfo/extract.js';
import { ADDRESS_SETS, type AddressSetName, callReturns } from '../measure/addresses.js';
import {
  type CacheMode,
  DEFAULT_OPTIONS,
  type LatencyResult,
  measureLatency,
  sweepFormats,
} from '../measure/latency.js';
import { readCacheInfo } from '../measure/machine.js';
import { buildHarness } from '../measure/native.js';
import type { SamplingPolicy } from '../measure/stats.js';
import { renderLatencyText } from '../report/latency.js';
import { type ProcessLike, Progress } from '../util/process.js';

export interface LatencyFileOptions {
  /** Comma-separated format ids (parseFormats). */
  format?: string;
  sweep?: boolean;
  modes?: CacheMode[];
  sets?: AddressSetName[];
  seed?: number;
  addresses?: number;
  rules?: UpstreamRules;
  /** Base address or the symbol giving it (default: _text; .text for a .ko). */
  base?: string | bigint;
  /** The C compiler (default: $LINEINFO_BENCH_CC, else cc). A missing one means the TypeScript model. */
  cc?: string;
  objdump?: string;
  /** Overrides of the sampling policies (tests make them short). */
  policy?: { warm?: Partial<SamplingPolicy>; cold?: Partial<SamplingPolicy> };
  env?: Record<string, string | undefined>;
  onProgress?: (text: string) => void;
}

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

/** Reads an ELF file's entries as the upstream generator would, then measures lookup latency. */
export function latencyFile(path: string, o: LatencyFileOptions = {}): LatencyResult {
  const env = o.env ?? process.env;
  let formats = parseFormats(o.format ?? 'flat,blocks:64');
  if (o.sweep) {
    const coding: DeltaCoding = formats.some((f) => f.id.endsWith(':zigzag')) ? 'zigzag' : 'sleb';
    formats = sweepFormats(coding);
  }
  if (formats.length === 0) throw new UserError('--format: no format given');
  const sets = o.sets ?? DEFAULT_OPTIONS.sets;
  const addresses = o.addresses ?? DEFAULT_OPTIONS.addressesPerSet;
  if (!Number.isInteger(addresses) || addresses < 1)
    throw new UserError(`--addresses ${addresses}: a whole number of at least 1`);
  const seed = o.seed ?? DEFAULT_OPTIONS.seed;
  if (!Number.isInteger(seed)) throw new UserError(`--seed ${seed}: a whole number`);

  const elf = ElfFile.open(path);
  try {
    const arch = elf.arch.name;
    o.onProgress?.('reading line tables');
    const extract = extractUpstream(elf, { rules: o.rules ?? 'v1-v4', base: o.base });
    if (extract.table.count === 0) throw new UserError('no line table entries to look up', path);
    const etext = elf.symbolValue('_etext');
    const textEnd =
      etext !== undefined && etext > extract.base && etext - extract.base <= 0xffffffffn
        ? Number(etext - extract.base)
        : undefined;
    o.onProgress?.('finding call instructions (objdump -d)');
    const calls = sets.includes('calls')
      ? callReturns(path, extract.base, o.objdump ?? 'objdump')
      : { note: 'not asked for' };
    const cc = o.cc ?? env.LINEINFO_BENCH_CC ?? 'cc';
    return measureLatency(
      {
        file: path,
        arch,
        littleEndian: elf.littleEndian,
        table: extract.table,
        base: extract.base,
        textEnd,
        calls,
      },
      {
        ...DEFAULT_OPTIONS,
        formats,
        modes: o.modes ?? DEFAULT_OPTIONS.modes,
        sets,
        seed,
        addressesPerSet: addresses,
        warmPolicy: { ...DEFAULT_OPTIONS.warmPolicy, ...o.policy?.warm },
        coldPolicy: { ...DEFAULT_OPTIONS.coldPolicy, ...o.policy?.cold },
        cache: readCacheInfo(),
        harness: buildHarness(cc, env),
        onProgress: o.onProgress,
      },
    );
  } finally {
    elf.close();
  }
}

const intArg = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new UserError(`${name} ${v}: a whole number`);
  return Number(v);
};

/** `lineinfo-bench latency`: registered on the program by cli.ts. */
export function registerLatencyCommand(
  program: Command,
  proc: ProcessLike,
  setExit: (code: number) => void,
): void {
  const out = (s: string) => proc.stdout.write(s);
  program
    .command('latency')
    .description(
      "time the kernel's lineinfo lookup on this kernel's tables: native C (cc -O2) on the exact table bytes, warm and cold caches",
    )
    .argument('<vmlinux>', 'a vmlinux (or any ELF with DWARF line tables)')
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
    .option('--sets <list>', `address sets (${ADDRESS_SETS.join(', ')})`, ADDRESS_SETS.join(','))
    .option(
      '--addresses <n>',
      'addresses per set',
      intArg('--addresses'),
      DEFAULT_OPTIONS.addressesPerSet,
    )
    .option('--seed <n>', 'seed of the address sets', intArg('--seed'), DEFAULT_OPTIONS.seed)
    .addOption(
      new Option('--rules <rules>', 'upstream generator rules for the entries')
        .choices(['v1-v4', 'v5'])
        .default('v1-v4'),
    )
    .option(
      '--base <symbol|address>',
      'base address: a symbol name or a number (default: _text; .text for a .ko)',
      (v: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(v) ? BigInt(v) : v),
    )
    .option('--json', 'print the results as JSON (raw samples included)')
    .addHelpText(
      'after',
      '\nExamples:\n  lineinfo-bench latency vmlinux\n  lineinfo-bench latency --sweep --json vmlinux > results/latency/sweep.json\n' +
        '\nThe C harness is compiled with $LINEINFO_BENCH_CC (default cc) into the cache; without a compiler\n' +
        'the figures come from the TypeScript lookups and are labelled "model, not the kernel".',
    )
    .action(
      (
        file: string,
        opts: {
          format: string;
          sweep?: boolean;
          cold?: boolean;
          warm?: boolean;
          sets: string;
          addresses: number;
          seed: number;
          rules: UpstreamRules;
          base?: string | bigint;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const modes: CacheMode[] = opts.cold ? ['cold'] : opts.warm ? ['warm'] : ['warm', 'cold'];
        const result = latencyFile(file, {
          format: opts.format,
          sweep: opts.sweep,
          modes,
          sets: parseSets(opts.sets),
          addresses: opts.addresses,
          seed: opts.seed,
          rules: opts.rules,
          base: opts.base,
          env: proc.env,
          onProgress: (t) => progress.update(t),
        });
        progress.done();
        out(
          opts.json
            ? `${JSON.stringify(result)}\n`
            : renderLatencyText(result, { color: Boolean(proc.stdout.isTTY) }),
        );
        setExit(0);
      },
    );
}
