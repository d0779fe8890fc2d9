import type { Command } from 'commander';
import { ElfFile } from '../elf/elf-file.js';
import type { RelocationMode } from '../elf/relocate.js';
import { FORMAT_SYNTAX, parseFormat } from '../encodings/registry.js';
import { ThresholdError, UserError } from '../errors.js';
import { cacheRoot } from '../kernels/cache.js';
import { DebianSource } from '../kernels/debian.js';
import { describeLocal } from '../kernels/local.js';
import type { Kernel, KernelMetadata } from '../kernels/types.js';
import { extractUpstream } from '../lineinfo/extract.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { type Accounting, account } from '../measure/accounting.js';
import { measureAgreement, type RuleAgreement } from '../measure/agreement.js';
import { type EntropyBound, entropyBound } from '../measure/entropy.js';
import {
  compressedSize,
  type GrowthBase,
  growthPercent,
  imageBase,
  imageCompressor,
  loadedBase,
} from '../measure/growth.js';
import { type VerifyReport, verifyEncoding } from '../measure/verify.js';
import { renderMeasureTerminal } from '../report/measure-terminal.js';
import { bar, type ProcessLike, Progress } from '../util/process.js';
import { baseOption, relocationOption } from './options.js';

export interface MeasureOptions {
  formats: string[];
  rules: string[];
  /** Agreement with addr2line and llvm-symbolizer on this many sampled addresses (0: skip). */
  agreeSamples: number;
  seed: number;
  /** Seeded lookups between entries for the always-on verification. */
  verifySamples: number;
  /** Base address or symbol, when not a kernel's `_text`. */
  base?: string | bigint;
  /** For a .ko (ET_REL): which relocations to apply first. */
  relocation?: RelocationMode;
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
  tables: MeasuredTable[];
  /** Order-0 entropy of the delta streams per rule set, bytes per entry. */
  bounds: Record<string, EntropyBound>;
  agreement?: { samples: number; seed: number; results: RuleAgreement[] };
  timeMs: number;
}

/**
 * Extracts the entries under each rule set, encodes them in each format,
 * verifies every table, and measures sizes and growth against each base the
 * kernel has; optionally agreement with the tools.
 */
export function measureKernel(kernel: Kernel, o: MeasureOptions): MeasureResult {
  const t0 = performance.now();
  for (const r of o.rules) {
    if (!RULE_SETS[r])
      throw new UserError(
        `--rules: unknown rule set ${r} (known: ${Object.keys(RULE_SETS).join(', ')})`,
      );
  }
  const formats = o.formats.map(parseFormat);
  const elf = ElfFile.open(kernel.vmlinux);
  try {
    const le = elf.littleEndian;
    const bases: GrowthBase[] = [loadedBase(elf)];
    const image = imageBase(kernel.bootImage);
    // A compressed boot image grows by the table's compressed size: estimate
    // it with the compressor the .config selects (or the file name says).
    const compressor = image ? imageCompressor(kernel.bootImage!, kernel.config) : undefined;
    if (image) {
      bases.push({
        ...image,
        name: compressor
          ? `${image.name}, table bytes compressed with ${compressor} as the image is`
          : `${image.name}, uncompressed`,
      });
    }
    const tables: MeasuredTable[] = [];
    const bounds: Record<string, EntropyBound> = {};
    const steps = o.rules.length * (1 + formats.length);
    let step = 0;
    for (const rules of o.rules) {
      o.onProgress?.(`${bar(step++, steps)} extracting (${rules} rules)`);
      const ex = extractUpstream(elf, { rules, base: o.base, relocation: o.relocation });
      if (!bases.some((b) => b.id === 'code') && ex.table.count > 1) {
        // x86_64 pads .text to 2 MiB, so section sizes overstate code; the span the table covers does not
        const span = ex.table.offsets[ex.table.count - 1] - ex.table.offsets[0];
        bases.push({
          id: 'code',
          name: `code the table covers (first to last entry, ${rules} rules)`,
          bytes: span,
        });
      }
      const bound = entropyBound(ex.table);
      bounds[rules] = bound;
      for (const format of formats) {
        o.onProgress?.(
          `${bar(step++, steps)} encoding ${format.id} (${rules} rules) and verifying it`,
        );
        const enc = format.encode(ex.table, le);
        const verify = verifyEncoding(format, enc, ex.table, o.verifySamples, o.seed);
        const acc = account(enc);
        const growth: Record<string, number> = {};
        let compressedBytes: number | undefined;
        for (const b of bases) {
          if (b.id === 'image' && compressor) {
            compressedBytes = compressedSize(enc.bytes, compressor!);
            if (compressedBytes !== undefined)
              growth[b.id] = growthPercent(compressedBytes, b.bytes);
          } else {
            growth[b.id] = growthPercent(acc.total, b.bytes);
          }
        }
        tables.push({
          ...acc,
          rules,
          compressedBytes,
          growth,
          aboveBoundPct:
            bound.joint > 0 ? Math.round(10000 * (acc.bytesPerEntry / bound.joint - 1)) / 100 : 0,
          verify,
        });
      }
    }
    let agreement: MeasureResult['agreement'];
    if (o.agreeSamples > 0) {
      o.onProgress?.(`asking addr2line and llvm-symbolizer about ${o.agreeSamples} addresses`);
      agreement = {
        samples: o.agreeSamples,
        seed: o.seed,
        results: measureAgreement(elf, {
          rules: o.rules,
          samples: o.agreeSamples,
          seed: o.seed,
          base: o.base,
        }),
      };
    }
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
      tables,
      bounds,
      agreement,
      timeMs: Math.round(performance.now() - t0),
    };
  } finally {
    elf.close();
  }
}

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
      `formats, comma-separated:\n${FORMAT_SYNTAX.map((s) => `  ${s}`).join('\n')}\n`,
      'flat,blocks:64',
    )
    .option(
      '--rules <list>',
      `rule sets, comma-separated: ${Object.keys(RULE_SETS).join(', ')}`,
      'v1-v4',
    )
    .option(
      '--agree [samples]',
      'also compare lookups with addr2line and llvm-symbolizer on this many sampled addresses (default 10000)',
    )
    .option('--seed <n>', 'seed for every sampled address', '1')
    .option(
      '--verify-samples <n>',
      'seeded lookups between entries checked against the flat search',
      '100000',
    )
    .option(
      '--max-bytes-per-entry <n>',
      'exit 1 if any table spends more than this (index + data) per entry',
    )
    .option('--json', 'print the result as JSON (raw integers)')
    .addOption(baseOption())
    .addOption(relocationOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lineinfo-bench measure vmlinux\n' +
        '  lineinfo-bench measure --format flat,blocks:16,blocks:64,blocks:256 ~/linux/build\n' +
        '  lineinfo-bench measure --rules v1-v4,symbolizer --agree 10000 vmlinux\n' +
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
          format: string;
          rules: string;
          agree?: string | boolean;
          seed: string;
          verifySamples: string;
          maxBytesPerEntry?: string;
          json?: boolean;
        },
      ) => {
        const progress = new Progress(proc.stderr);
        const agreeSamples =
          typeof opts.agree === 'string'
            ? positiveInt(opts.agree, '--agree')
            : opts.agree
              ? 10000
              : 0;
        const kernel = await resolveKernel(spec, proc, (t) => progress.update(t));
        const result = measureKernel(kernel, {
          formats: opts.format.split(',').filter(Boolean),
          rules: opts.rules.split(',').filter(Boolean),
          agreeSamples,
          seed: positiveInt(opts.seed, '--seed'),
          verifySamples: positiveInt(opts.verifySamples, '--verify-samples'),
          base: opts.base,
          relocation: opts.relocation,
          onProgress: (t) => progress.update(t),
        });
        progress.done();
        proc.stdout.write(
          opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderMeasureTerminal(result),
        );
        if (opts.maxBytesPerEntry !== undefined) {
          const limit = Number(opts.maxBytesPerEntry);
          if (!(limit > 0))
            throw new UserError(
              `--max-bytes-per-entry takes a positive number, not ${opts.maxBytesPerEntry}`,
            );
          const over = result.tables.filter((t) => t.bytesPerEntry > limit);
          if (over.length) {
            throw new ThresholdError(
              over
                .map(
                  (t) =>
                    `${t.format} (${t.rules}) spends ${t.bytesPerEntry.toFixed(3)} B/entry, limit ${limit}`,
                )
                .join('; '),
            );
          }
        }
        setExit(0);
      },
    );
}

/** A kernel argument: debian:FLAVOUR[@VERSION] or a local path. */
export async function resolveKernel(
  spec: string,
  proc: ProcessLike,
  onProgress?: (t: string) => void,
): Promise<Kernel> {
  const m = /^debian:([a-z0-9-]+)(?:@(.+))?$/.exec(spec);
  if (!m) return describeLocal({ path: spec });
  return new DebianSource({ flavour: m[1], version: m[2], image: true }, cacheRoot(proc.env)).get(
    onProgress,
  );
}

function positiveInt(v: string, what: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new UserError(`${what} takes a whole number, not ${v}`);
  return x;
}
