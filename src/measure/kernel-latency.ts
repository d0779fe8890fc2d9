import type { Format } from '../encodings/types.js';
import { UserError } from '../errors.js';
import { type AddressSetName, callReturns } from './addresses.js';
import { KernelTables, type KernelTablesOptions } from './kernel.js';
import {
  type CacheMode,
  coldPolicyFor,
  DEFAULT_OPTIONS,
  type LatencyResult,
  measureLatency,
} from './latency.js';
import { readCacheInfo } from './machine.js';
import { buildHarness, type ColdEviction, HOST_COLD_EVICTION } from './native.js';
import type { SamplingPolicy } from './stats.js';

export interface KernelLatencyOptions {
  /** Parsed once by the caller (registry.parseFormats, or sweepFormats). */
  formats: Format[];
  modes?: CacheMode[];
  sets?: AddressSetName[];
  seed?: number;
  addresses?: number;
  rules?: string;
  /** The C compiler (default: $LINEINFO_BENCH_CC, else cc). A missing one means the TypeScript model. */
  cc?: string;
  objdump?: string;
  /** How cold samples are made cold (default: flush the table on x86 hosts, else walk a buffer). */
  coldEviction?: ColdEviction;
  /** Overrides of the sampling policies (tests make them short). */
  policy?: { warm?: Partial<SamplingPolicy>; cold?: Partial<SamplingPolicy> };
  env?: Record<string, string | undefined>;
  onProgress?: (text: string) => void;
}

/** Lookup latency of a kernel's tables under one rule set, extracted once through `kt`. */
export function kernelLatency(kt: KernelTables, o: KernelLatencyOptions): LatencyResult {
  const env = o.env ?? process.env;
  if (o.formats.length === 0) throw new UserError('--format: no format given');
  const sets = o.sets ?? DEFAULT_OPTIONS.sets;
  const addresses = o.addresses ?? DEFAULT_OPTIONS.addressesPerSet;
  if (!Number.isInteger(addresses) || addresses < 1)
    throw new UserError(`--addresses ${addresses}: a whole number of at least 1`);
  const seed = o.seed ?? DEFAULT_OPTIONS.seed;
  if (!Number.isInteger(seed)) throw new UserError(`--seed ${seed}: a whole number`);

  const { elf } = kt;
  o.onProgress?.('reading line tables');
  const extract = kt.extract(o.rules ?? 'v1-v4');
  if (extract.table.count === 0) throw new UserError('no line table entries to look up', elf.name);
  const etext = elf.symbolValue('_etext');
  const textEnd =
    etext !== undefined && etext > extract.base && etext - extract.base <= 0xffffffffn
      ? Number(etext - extract.base)
      : undefined;
  o.onProgress?.('finding call instructions (objdump -d)');
  const calls = sets.includes('calls')
    ? callReturns(elf.name, extract.base, o.objdump ?? 'objdump')
    : { note: 'not asked for' };
  const cc = o.cc ?? env.LINEINFO_BENCH_CC ?? 'cc';
  const coldEviction = o.coldEviction ?? DEFAULT_OPTIONS.coldEviction;
  if (
    !Number.isInteger(coldEviction.repeats) ||
    coldEviction.repeats < 1 ||
    coldEviction.repeats > 15
  )
    throw new UserError(`--cold-repeats ${coldEviction.repeats}: a whole number from 1 to 15`);
  if (coldEviction.method === 'flush' && HOST_COLD_EVICTION.method !== 'flush')
    throw new UserError(
      `--cold-eviction flush: the harness flushes cache lines on x86 hosts only (this is ${process.arch}); use walk`,
    );
  return measureLatency(
    {
      file: elf.name,
      // a label only: an unknown e_machine (warned about) is named so, and measured
      arch: elf.knownArch?.name ?? `unknown (e_machine ${elf.machine})`,
      littleEndian: elf.littleEndian,
      table: extract.table,
      base: extract.base,
      textEnd,
      calls,
    },
    {
      ...DEFAULT_OPTIONS,
      formats: o.formats,
      modes: o.modes ?? DEFAULT_OPTIONS.modes,
      sets,
      seed,
      addressesPerSet: addresses,
      warmPolicy: { ...DEFAULT_OPTIONS.warmPolicy, ...o.policy?.warm },
      coldPolicy: { ...coldPolicyFor(coldEviction.method), ...o.policy?.cold },
      coldEviction,
      cache: readCacheInfo(),
      harness: buildHarness(cc, env),
      onProgress: o.onProgress,
    },
  );
}

/** Opens an ELF file, reads its entries as the upstream generator would, and measures lookup latency. */
export function latencyFile(
  path: string,
  o: KernelLatencyOptions & KernelTablesOptions,
): LatencyResult {
  const kt = KernelTables.open(path, { base: o.base, buildRoots: o.buildRoots });
  try {
    return kernelLatency(kt, o);
  } finally {
    kt.close();
  }
}
