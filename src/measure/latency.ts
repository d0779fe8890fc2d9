import { blocksFormat, type DeltaCoding } from '../encodings/blocks.js';
import { flatFormat } from '../encodings/flat.js';
import type { EncodedTable, Format, LookupHit, TableReader } from '../encodings/types.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { account } from './accounting.js';
import {
  type AddressSet,
  type AddressSetName,
  blockEndSet,
  type CallReturns,
  callSet,
  edgeAddresses,
  entrySet,
  uniformSet,
} from './addresses.js';
import { type CacheInfo, type MachineInfo, machineInfo } from './machine.js';
import {
  answerAt,
  type ColdEviction,
  type Harness,
  HOST_COLD_EVICTION,
  harnessKnows,
  nativeAnswersRaw,
  nativeTiming,
} from './native.js';
import {
  type Clock,
  COLD_POLICY,
  hrClock,
  measureTimer,
  type RawSamples,
  runSamples,
  type SamplingPolicy,
  type Summary,
  summarize,
  type TimerInfo,
  WARM_POLICY,
} from './stats.js';

export type CacheMode = 'warm' | 'cold';
export const SWEEP_BLOCK_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024] as const;

/** The label every TypeScript-timed figure carries. */
export const MODEL_LABEL =
  'model, not the kernel: TypeScript lookups timed in Node (V8 JIT), no C compiler';

export interface LatencyInput {
  file: string;
  arch: string;
  littleEndian: boolean;
  table: EntryTable;
  base: bigint;
  /** `_etext - base`, if known: the end of the uniform range. */
  textEnd?: number;
  /** Call return addresses (or why there are none). */
  calls: CallReturns;
}

export interface LatencyOptions {
  formats: Format[];
  modes: CacheMode[];
  sets: AddressSetName[];
  seed: number;
  /** Addresses drawn per set (timing takes them in order, one per sample). */
  addressesPerSet: number;
  warmPolicy: SamplingPolicy;
  coldPolicy: SamplingPolicy;
  /** How the harness makes a cold sample cold (the model always walks). */
  coldEviction: ColdEviction;
  cache: CacheInfo;
  /** The compiled harness, or why there is none (then the TypeScript model times). */
  harness: { ok: true; harness: Harness } | { ok: false; reason: string };
  onProgress?: (text: string) => void;
}

export const DEFAULT_OPTIONS = {
  modes: ['warm', 'cold'] as CacheMode[],
  sets: ['uniform', 'entries', 'block-end', 'calls'] as AddressSetName[],
  seed: 1,
  addressesPerSet: 2000,
  // batches of 100 resolutions (1% quantisation): short, so few samples catch a preemption
  warmPolicy: {
    ...WARM_POLICY,
    minSamples: 500,
    minTimeNs: 300e6,
    maxSamples: 2000,
    batchResolutions: 100,
  },
  coldPolicy: coldPolicyFor(HOST_COLD_EVICTION.method),
  coldEviction: HOST_COLD_EVICTION,
};

/**
 * The cold sampling policy for an eviction method. Flushing the table costs
 * about 1 ms a sample: 2,000 samples (each the median of 3) put 20 above the
 * p99. A 256 MiB walk costs 15 to 40 ms, so it takes 200 to 1,000.
 */
export function coldPolicyFor(method: ColdEviction['method']): SamplingPolicy {
  return method === 'flush'
    ? { ...COLD_POLICY, minSamples: 2000, minTimeNs: 1000e6, maxSamples: 2000 }
    : { ...COLD_POLICY, minSamples: 200, minTimeNs: 1000e6, maxSamples: 1000 };
}

/** The formats of the block-size sweep: flat (the reference), then blocks of 8 to 1024. */
export function sweepFormats(coding: DeltaCoding = 'sleb'): Format[] {
  return [flatFormat, ...SWEEP_BLOCK_SIZES.map((b) => blocksFormat(b, coding))];
}

export interface Engine {
  kind: 'native' | 'model';
  /** What the figures are: "native C ..." or the model label. */
  label: string;
  cc?: string;
  ccVersion?: string;
  flags?: string[];
}

export interface LatencyRun {
  format: string;
  set: AddressSetName;
  mode: CacheMode;
  engine: 'native' | 'model';
  /** Calls per sample (warm: one address repeated; cold: 1). */
  batch: number;
  warmupCalls: number;
  elapsedNs: number;
  timer: TimerInfo;
  stats: Summary;
  /** Native: bytes of the table in transparent huge pages (-1 unknown); the kernel maps .rodata with large pages. */
  tableHugeBytes?: number;
  /** Per-call time of every sample, ns (0.1 ns), in sample order: the raw data. */
  samples: number[];
  /**
   * Cold only: the eviction before each lookup (a walk of `bytes`, or a flush
   * of the table's `bytes`), timed apart and not counted; each sample is the
   * median of `repeats` cold lookups.
   */
  eviction?: {
    method: ColdEviction['method'];
    repeats: number;
    bytes: number;
    n: number;
    mean: number;
    p50: number;
    min: number;
    max: number;
  };
  /** Native: the CPU the harness ran on, pinned (-1: not pinned). */
  cpu?: number;
}

export interface FormatSize {
  format: string;
  bytes: number;
  bytesPerEntry: number;
  /** Index and data bytes per entry, the series' figure (counts and file tables left out). */
  indexDataPerEntry: number;
  /** Lookups checked native against TypeScript (0 for the model). */
  checked: number;
  /** Blocks (the block-end set's population); 0 for flat. */
  blocks: number;
}

export interface SweepPoint {
  format: string;
  /** 0 for flat. */
  blockSize: number;
  bytes: number;
  bytesPerEntry: number;
  /** Per address set and cache mode: p50 and p99 ns per lookup. */
  latency: Partial<
    Record<AddressSetName, Partial<Record<CacheMode, { p50: number; p99: number }>>>
  >;
}

export interface LatencyResult {
  schemaVersion: 1;
  file: string;
  arch: string;
  endianness: 'little' | 'big';
  entries: number;
  files: number;
  base: string;
  seed: number;
  engine: Engine;
  machine: MachineInfo & { loadavgAfter: number[] };
  cache: CacheInfo;
  policy: { warm: SamplingPolicy; cold: SamplingPolicy };
  sets: { name: AddressSetName; description: string; population?: number; note?: string }[];
  sizes: FormatSize[];
  runs: LatencyRun[];
  /** Present when the formats are a block-size sweep (blocks of several sizes). */
  sweep?: SweepPoint[];
  warnings: string[];
  startedAt: string;
  wallMs: number;
}

/**
 * Checks the harness against the TypeScript reader at every address; a
 * disagreement is an error naming the first address that differs.
 */
export function checkNative(
  harness: Harness,
  encoded: EncodedTable,
  reader: TableReader,
  base: bigint,
  addresses: BigUint64Array,
): number {
  const u = nativeAnswersRaw(harness, encoded, base, addresses);
  const hit: LookupHit = { index: -1, offset: 0, fileId: 0, line: 0 };
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i];
    const found = a >= base && a - base <= 0xffffffffn && reader.lookup(Number(a - base), hit);
    const same = found
      ? u[5 * i] === 1 &&
        u[5 * i + 1] === hit.index &&
        u[5 * i + 2] === hit.offset &&
        u[5 * i + 3] === hit.fileId &&
        u[5 * i + 4] === hit.line
      : u[5 * i] === 0;
    if (!same) {
      const got = answerAt(u, i);
      const show = (x?: { index: number; fileId: number; line: number }) =>
        x ? `entry ${x.index} (file ${x.fileId}, line ${x.line})` : 'nothing';
      throw new Error(
        `${encoded.format}: the native lookup and the TypeScript lookup disagree at 0x${a.toString(16)}: C found ${show(got.found ? got : undefined)}, TypeScript ${show(found ? hit : undefined)}`,
      );
    }
  }
  return addresses.length;
}

/** TypeScript timing of the reader's lookup (the model): same policy, same addresses. */
export function modelTiming(
  reader: TableReader,
  offsets: number[],
  mode: CacheMode,
  policy: SamplingPolicy,
  evictBytes: number,
  clock: Clock = hrClock,
): RawSamples & { timer: TimerInfo } {
  const timer = measureTimer(clock);
  const hit: LookupHit = { index: -1, offset: 0, fileId: 0, line: 0 };
  let acc = 0;
  const body = (calls: number, s: number) => {
    const off = offsets[s % offsets.length];
    for (let k = 0; k < calls; k++) if (reader.lookup(off, hit)) acc += hit.line;
  };
  let raw: RawSamples;
  if (mode === 'cold') {
    const buf = new Uint8Array(evictBytes).fill(1);
    raw = runSamples(clock, timer, policy, body, () => {
      for (let i = 0; i < buf.length; i += 64) acc += buf[i];
    });
  } else {
    // warm: one untimed lookup of the sample's address first (as the harness does)
    raw = runSamples(clock, timer, policy, body, (s) => body(1, s));
    raw.prepare = [];
  }
  if (acc === -1) console.log(acc); // keeps the lookups observable
  return { ...raw, timer };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function blockSizeOf(format: string): number {
  const m = /^blocks:(\d+)/.exec(format);
  return m ? Number(m[1]) : 0;
}

/** Encodes each format, checks the harness against the reader, then times every (set, mode). */
export function measureLatency(input: LatencyInput, opts: LatencyOptions): LatencyResult {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const machine = machineInfo();
  const { table, base } = input;
  const harness = opts.harness.ok ? opts.harness.harness : undefined;
  const engine: Engine = harness
    ? {
        kind: 'native',
        label: `native C lookups (src/measure/native/lookup-bench.c, ${harness.cc} ${harness.flags.join(' ')})`,
        cc: harness.cc,
        ccVersion: harness.ccVersion,
        flags: harness.flags,
      }
    : { kind: 'model', label: `${MODEL_LABEL} (${opts.harness.ok ? '' : opts.harness.reason})` };
  const warnings: string[] = [];
  if (!harness) warnings.push(`every figure is a ${MODEL_LABEL}`);

  const n = opts.addressesPerSet;
  const shared: Partial<Record<AddressSetName, AddressSet>> = {};
  if (opts.sets.includes('uniform'))
    shared.uniform = uniformSet(table, n, opts.seed + 1, input.textEnd);
  if (opts.sets.includes('entries')) shared.entries = entrySet(table, n, opts.seed + 2);
  if (opts.sets.includes('calls')) shared.calls = callSet(input.calls, n, opts.seed + 4);
  if (shared.calls && shared.calls.offsets.length === 0)
    warnings.push(`stack-trace-like set: ${shared.calls.note}`);
  const setInfo = new Map<AddressSetName, LatencyResult['sets'][number]>();
  const edges = edgeAddresses(table, base);

  const sizes: FormatSize[] = [];
  const runs: LatencyRun[] = [];
  for (const format of opts.formats) {
    opts.onProgress?.(`${format.id}: encoding`);
    const encoded = format.encode(table, input.littleEndian);
    const reader = format.open(encoded.bytes, encoded.littleEndian);
    const sets: AddressSet[] = [];
    for (const name of opts.sets) {
      const s =
        name === 'block-end'
          ? blockEndSet(table, blockSizeOf(format.id) || 64, n, opts.seed + 3)
          : shared[name];
      if (!s) continue;
      sets.push(s);
      if (!setInfo.has(name))
        setInfo.set(name, {
          name,
          description:
            name === 'block-end'
              ? "the last entry of each block (the blocks format's worst case: the whole block decoded); blocks of 64 for flat"
              : s.description,
          // block-end: one per block, so per format (sizes[].blocks)
          population: name === 'block-end' ? undefined : s.population,
          note: s.note,
        });
    }
    const native = harness && harnessKnows(harness, format.id) ? harness : undefined;
    if (harness && !native)
      warnings.push(
        `${format.id}: the native harness has no lookup for it; timed by the ${MODEL_LABEL}`,
      );
    let checked = 0;
    if (native) {
      opts.onProgress?.(`${format.id}: checking C against TypeScript`);
      // every entry start, every address of every set, and the edges
      const setOffsets = sets.flatMap((s) => s.offsets);
      const all = new BigUint64Array(table.count + setOffsets.length + edges.length);
      let k = 0;
      for (let i = 0; i < table.count; i++) all[k++] = base + BigInt(table.offsets[i]);
      for (const o of setOffsets) all[k++] = base + BigInt(o);
      for (const e of edges) all[k++] = e;
      checked = checkNative(native, encoded, reader, base, all);
    }
    sizes.push({
      format: format.id,
      bytes: encoded.bytes.length,
      bytesPerEntry: table.count ? encoded.bytes.length / table.count : 0,
      indexDataPerEntry: account(encoded).bytesPerEntry,
      checked,
      blocks: blockSizeOf(format.id) ? Math.ceil(table.count / blockSizeOf(format.id)) : 0,
    });
    for (const set of sets) {
      if (set.offsets.length === 0) continue;
      for (const mode of opts.modes) {
        opts.onProgress?.(`${format.id}: ${set.name}, ${mode}`);
        const policy = mode === 'warm' ? opts.warmPolicy : opts.coldPolicy;
        const raw: RawSamples & {
          timer: TimerInfo;
          tableHugeBytes?: number;
          eviction?: string;
          repeats?: number;
          cpu?: number;
        } = native
          ? nativeTiming(
              native,
              encoded,
              base,
              BigUint64Array.from(set.offsets, (o) => base + BigInt(o)),
              mode,
              policy,
              opts.cache.evictBytes,
              opts.coldEviction,
            )
          : modelTiming(reader, set.offsets, mode, policy, opts.cache.evictBytes);
        const label = `${format.id} ${set.name} ${mode}`;
        const stats = summarize(raw.samples, { timer: raw.timer, batch: raw.batch, label });
        const run: LatencyRun = {
          format: format.id,
          set: set.name,
          mode,
          engine: native ? 'native' : 'model',
          batch: raw.batch,
          warmupCalls: raw.warmupCalls,
          elapsedNs: raw.elapsedNs,
          timer: raw.timer,
          stats,
          samples: raw.samples.map(round1),
        };
        if (raw.tableHugeBytes !== undefined) run.tableHugeBytes = raw.tableHugeBytes;
        if (raw.cpu !== undefined) run.cpu = raw.cpu;
        if (mode === 'cold') {
          const e = summarize(raw.prepare, { timer: raw.timer, batch: 1 });
          const flushed = raw.eviction === 'flush';
          run.eviction = {
            method: flushed ? 'flush' : 'walk',
            repeats: raw.repeats ?? 1,
            bytes: flushed ? encoded.bytes.length : opts.cache.evictBytes,
            n: e.n,
            mean: e.mean,
            p50: e.p50,
            min: e.min,
            max: e.max,
          };
        }
        runs.push(run);
      }
    }
  }

  const blockFormats = sizes.filter((s) => blockSizeOf(s.format) > 0);
  let sweep: SweepPoint[] | undefined;
  if (new Set(blockFormats.map((s) => blockSizeOf(s.format))).size > 1) {
    sweep = sizes.map((s) => {
      const latency: SweepPoint['latency'] = {};
      for (const r of runs.filter((r) => r.format === s.format)) {
        const bySet = latency[r.set] ?? {};
        bySet[r.mode] = { p50: r.stats.p50, p99: r.stats.p99 };
        latency[r.set] = bySet;
      }
      return {
        format: s.format,
        blockSize: blockSizeOf(s.format),
        bytes: s.bytes,
        bytesPerEntry: s.bytesPerEntry,
        latency,
      };
    });
  }

  return {
    schemaVersion: 1,
    file: input.file,
    arch: input.arch,
    endianness: input.littleEndian ? 'little' : 'big',
    entries: table.count,
    files: table.files.length,
    base: `0x${base.toString(16)}`,
    seed: opts.seed,
    engine,
    machine: { ...machine, loadavgAfter: machineInfo().loadavg },
    cache: opts.cache,
    policy: { warm: opts.warmPolicy, cold: opts.coldPolicy },
    sets: [...setInfo.values()],
    sizes,
    runs,
    sweep,
    warnings,
    startedAt,
    wallMs: Date.now() - t0,
  };
}
