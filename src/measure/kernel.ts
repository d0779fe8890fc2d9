import { ElfFile } from '../elf/elf-file.js';
import type { RelocationMode } from '../elf/relocate.js';
import { revisionOfRules } from '../encodings/revisions.js';
import type { Format } from '../encodings/types.js';
import { type InputWarning, UserError } from '../errors.js';
import type { Kernel, KernelMetadata } from '../kernels/types.js';
import type { EntryTable } from '../lineinfo/entries.js';
import {
  type ExtractOptions,
  type ExtractResult,
  extractUpstream,
  resolveBase,
} from '../lineinfo/extract.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { bar } from '../util/process.js';
import { type Accounting, account } from './accounting.js';
import {
  type AgreementPlan,
  compareWithTools,
  etextOffsetOf,
  FloorRows,
  planAgreement,
  type RuleAgreement,
} from './agreement.js';
import { type EntropyBound, entropyBound } from './entropy.js';
import {
  CODE_LABEL,
  compressedSize,
  type GrowthBase,
  growthPercent,
  imageBase,
  imageCompressor,
  loadedBase,
} from './growth.js';
import {
  REVISION_LOOKUP,
  revisionAgreement,
  type Sample,
  withSymbolStarts,
} from './revision-lookup.js';
import { type VerifyReport, verifyEncoding } from './verify.js';

export interface KernelTablesOptions {
  base?: string | bigint;
  relocation?: RelocationMode;
  /** The newest rules' build roots (a build's own: Kernel.buildRoots). */
  buildRoots?: readonly string[];
}

/**
 * A kernel's vmlinux, open, with its line tables extracted once per rule set
 * and handed to every measurement that needs them (sizes, agreement,
 * latency, the modules' comparison). `extractions` counts the real reads.
 */
export class KernelTables {
  extractions = 0;
  private readonly done = new Map<string, ExtractResult>();
  private constructor(
    readonly elf: ElfFile,
    readonly o: KernelTablesOptions,
  ) {}

  static open(path: string, o: KernelTablesOptions = {}): KernelTables {
    return new KernelTables(ElfFile.open(path), o);
  }

  get base(): string | bigint | undefined {
    return this.o.base;
  }

  /** The tables under one rule set; `onRow` sees the rows of the first read only. */
  extract(rules: string, onRow?: ExtractOptions['onRow']): ExtractResult {
    let ex = this.done.get(rules);
    if (ex && onRow) throw new Error(`bug: the rows of ${rules} asked for after its extraction`);
    if (!ex) {
      this.extractions++;
      ex = extractUpstream(this.elf, { ...this.o, rules, onRow });
      this.done.set(rules, ex);
    }
    return ex;
  }

  close(): void {
    this.elf.close();
  }
}

export interface MeasureOptions {
  /** Parsed once by the caller (registry.parseFormats). */
  formats: Format[];
  rules: string[];
  /** Agreement with addr2line and llvm-symbolizer on this many sampled addresses (0: skip). */
  agreeSamples: number;
  seed: number;
  /** Seeded lookups between entries for the always-on verification. */
  verifySamples: number;
  onProgress?: (text: string) => void;
}

/** One table's accounting (buckets that add up, bytes per entry) and what was measured of it. */
export interface MeasuredTable extends Accounting {
  rules: string;
  /** Table bytes after the boot image's compressor, when there is one. */
  compressedBytes?: number;
  /** Percent of each base, by base id. */
  growth: Record<string, number>;
  /** How far (index + data) per entry lies above the joint order-0 entropy of the deltas, in percent. */
  aboveBoundPct: number;
  verify: VerifyReport;
}

export interface MeasureResult {
  schemaVersion: 1;
  kernel: {
    vmlinux: string;
    bootImage?: string;
    config?: string;
    compressor?: string;
    metadata: KernelMetadata;
  };
  bases: GrowthBase[];
  /** Per rule set: the revision of the series its figures stand for (ours: the revision whose layouts they use). */
  revisions?: Record<string, { revision: string; covers: string; ours: boolean }>;
  tables: MeasuredTable[];
  /** Order-0 entropy of the delta streams per rule set, bytes per entry. */
  bounds: Record<string, EntropyBound>;
  agreement?: { samples: number; seed: number; results: RuleAgreement[] };
  /** Parts of the vmlinux read past as the generator reads past them (absent when none). */
  warnings?: InputWarning[];
  timeMs: number;
}

/** The loaded size, and the boot image (its compressor's estimate) when the kernel has one. */
export function growthBases(
  kernel: Kernel,
  elf: ElfFile,
): { bases: GrowthBase[]; compressor?: string } {
  const bases: GrowthBase[] = [loadedBase(elf)];
  const image = imageBase(kernel.bootImage);
  if (!image) return { bases };
  // A compressed boot image grows by the table's compressed size: estimate
  // it with the compressor the .config selects (or the file name says).
  const compressor = imageCompressor(kernel.bootImage!, kernel.config);
  bases.push({
    ...image,
    name: compressor
      ? `${image.name}, table bytes compressed with ${compressor} as the image is`
      : `${image.name}, uncompressed`,
  });
  return { bases, compressor };
}

/**
 * The code a table covers (first to last entry) as a growth base: x86_64
 * pads .text to 2 MiB, so section sizes overstate code; this span does not.
 */
export function codeBase(ex: ExtractResult): GrowthBase | undefined {
  if (ex.table.count < 2) return undefined;
  return {
    id: 'code',
    name: `code the table covers (first to last entry, ${ex.rules} rules)`,
    label: CODE_LABEL,
    bytes: ex.table.offsets[ex.table.count - 1] - ex.table.offsets[0],
  };
}

/**
 * A table's growth of each base, in percent: of a compressed boot image by
 * the table's bytes compressed as the image is (when that compressor runs
 * here), of every other base by its total.
 */
export function tableGrowth(
  bytes: Uint8Array,
  total: number,
  bases: GrowthBase[],
  compressor: string | undefined,
): { growth: Record<string, number>; compressedBytes?: number } {
  const growth: Record<string, number> = {};
  let compressedBytes: number | undefined;
  for (const b of bases) {
    if (b.id === 'image' && compressor) {
      compressedBytes = compressedSize(bytes, compressor);
      if (compressedBytes !== undefined) growth[b.id] = growthPercent(compressedBytes, b.bytes);
    } else {
      growth[b.id] = growthPercent(total, b.bytes);
    }
  }
  return { growth, compressedBytes };
}

/** One format's table of one rule set: encoded, verified, accounted, and its growth of each base. */
function measureTable(
  format: Format,
  ex: ExtractResult,
  ctx: {
    littleEndian: boolean;
    bases: GrowthBase[];
    compressor?: string;
    bound: EntropyBound;
    o: MeasureOptions;
  },
): MeasuredTable {
  const enc = format.encode(ex.table, ctx.littleEndian);
  const verify = verifyEncoding(format, enc, ex.table, ctx.o.verifySamples, ctx.o.seed);
  const acc = account(enc);
  const { growth, compressedBytes } = tableGrowth(enc.bytes, acc.total, ctx.bases, ctx.compressor);
  const joint = ctx.bound.joint;
  return {
    ...acc,
    rules: ex.rules,
    compressedBytes,
    growth,
    aboveBoundPct: joint > 0 ? Math.round(10000 * (acc.bytesPerEntry / joint - 1)) / 100 : 0,
    verify,
  };
}

/**
 * Extracts the entries under each rule set (once, through `kt`), encodes
 * them in each format, verifies every table, and measures sizes and growth
 * against each base the kernel has; optionally agreement with the tools.
 */
export function measureKernel(kernel: Kernel, kt: KernelTables, o: MeasureOptions): MeasureResult {
  const t0 = performance.now();
  for (const r of o.rules) {
    if (!RULE_SETS[r])
      throw new UserError(
        `--rules: unknown rule set ${r} (known: ${Object.keys(RULE_SETS).join(', ')})`,
      );
  }
  const elf = kt.elf;
  // agreement's addresses are sampled first, so the first extraction can
  // gather the rows behind each mismatch in the same pass
  let plan: AgreementPlan | undefined;
  if (o.agreeSamples > 0) {
    o.onProgress?.(`asking addr2line and llvm-symbolizer about ${o.agreeSamples} addresses`);
    const { base } = resolveBase(elf, kt.base);
    // as history samples: the last function of a section is not followed past its end
    plan = planAgreement(elf, { base, samples: o.agreeSamples, seed: o.seed, withinSection: true });
  }
  const floorRows = plan ? new FloorRows(plan.offsets) : undefined;
  const { bases, compressor } = growthBases(kernel, elf);
  const tables: MeasuredTable[] = [];
  const bounds: Record<string, EntropyBound> = {};
  const steps = o.rules.length * (1 + o.formats.length);
  let step = 0;
  for (const rules of o.rules) {
    o.onProgress?.(`${bar(step++, steps)} extracting (${rules} rules)`);
    const ex = kt.extract(rules, floorRows?.onRow);
    const code = bases.some((b) => b.id === 'code') ? undefined : codeBase(ex);
    if (code) bases.push(code);
    const bound = entropyBound(ex.table);
    bounds[rules] = bound;
    for (const format of o.formats) {
      o.onProgress?.(
        `${bar(step++, steps)} encoding ${format.id} (${rules} rules) and verifying it`,
      );
      tables.push(
        measureTable(format, ex, { littleEndian: elf.littleEndian, bases, compressor, bound, o }),
      );
    }
  }
  const etextOffset = plan ? etextOffsetOf(elf, plan.base) : undefined;
  const agreement: MeasureResult['agreement'] =
    plan && floorRows
      ? {
          samples: plan.samples,
          seed: plan.seed,
          results: withPrinted(
            elf,
            plan,
            compareWithTools(
              plan,
              o.rules.map((rules) => ({ rules, table: kt.extract(rules).table })),
              floorRows,
              etextOffset,
            ),
            (rules) => kt.extract(rules).table,
            etextOffset,
          ),
        }
      : undefined;
  return {
    schemaVersion: 1,
    kernel: {
      vmlinux: kernel.vmlinux,
      bootImage: kernel.bootImage,
      config: kernel.config,
      compressor,
      metadata: kernel.metadata,
    },
    bases,
    revisions: Object.fromEntries(
      o.rules.map((r) => {
        const rev = revisionOfRules(r);
        return [r, { revision: rev.id, covers: rev.covers, ours: rev.rules !== r }];
      }),
    ),
    tables,
    bounds,
    agreement,
    warnings: extractionWarnings(o.rules.map((r) => kt.extract(r))),
    timeMs: Math.round(performance.now() - t0),
  };
}

/**
 * Adds to each upstream rule set's agreement what its revision's kernel
 * would print (its own lookup). Without `_etext` v1-v4's stale answers
 * cannot be told, so none is added.
 */
function withPrinted(
  elf: ElfFile,
  plan: AgreementPlan,
  results: RuleAgreement[],
  tableOf: (rules: string) => EntryTable,
  /** `_etext` less the base (etextOffsetOf). */
  etextOffset: number | undefined,
): RuleAgreement[] {
  if (etextOffset === undefined) return results;
  let sample: Sample | undefined;
  return results.map((r) => {
    const rev = revisionOfRules(r.rules);
    if (rev.rules !== r.rules) return r;
    sample ??= withSymbolStarts(elf, plan);
    const { agreement } = revisionAgreement(
      REVISION_LOOKUP[rev.id],
      tableOf(r.rules),
      sample,
      etextOffset,
    );
    return { ...r, printed: { revision: rev.id, ...agreement } };
  });
}

/** Every extraction's warnings, each part once (the file's own repeat in every rule set's). */
function extractionWarnings(extractions: ExtractResult[]): InputWarning[] | undefined {
  const seen = new Map<string, InputWarning>();
  for (const ex of extractions) {
    for (const w of ex.warnings) seen.set(`${w.part}\0${w.cause}\0${w.skipped}`, w);
  }
  return seen.size > 0 ? [...seen.values()] : undefined;
}

/** measureKernel on a kernel's vmlinux opened for this one measurement (the `measure` command). */
export function measureKernelFile(
  kernel: Kernel,
  o: MeasureOptions & KernelTablesOptions,
): MeasureResult {
  const kt = KernelTables.open(kernel.vmlinux, {
    base: o.base,
    relocation: o.relocation,
    buildRoots: o.buildRoots ?? kernel.buildRoots,
  });
  try {
    return measureKernel(kernel, kt, o);
  } finally {
    kt.close();
  }
}
