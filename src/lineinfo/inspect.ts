import { statSync } from 'node:fs';
import { ElfFile } from '../elf/elf-file.js';
import { archOf } from '../elf/machine.js';
import type { RelocationMode } from '../elf/relocate.js';
import type { InputWarning } from '../errors.js';
import {
  type DropCounters,
  type ExtractResult,
  extractUpstream,
  type UpstreamRules,
} from './extract.js';

export interface InspectOptions {
  rules?: UpstreamRules;
  /** The revision of the series the rules stand for, named in the result. */
  revision?: string;
  /** The newest rules' build roots (objtree, srctree, srcroot). */
  buildRoots?: readonly string[];
  base?: string | bigint;
  /** For a .ko (ET_REL): which relocations to apply first; vmlinux files are never relocated. */
  relocation?: RelocationMode;
  onProgress?: (done: number, total: number) => void;
}

/** What `inspect` found, as data: raw integers, addresses as hex strings. */
export interface InspectResult {
  schemaVersion: 1;
  file: string;
  fileBytes: number;
  arch: string;
  bits: 32 | 64;
  endianness: 'little' | 'big';
  elfType: string;
  dwarf: {
    unitVersions: Record<string, number>;
    lineVersions: Record<string, number>;
    units: number;
    unitsWithLines: number;
    /** Units skipped as libdw skips them (each has a warning). */
    unitsSkipped: number;
    sequences: number;
    debugLineBytes: number;
    compression: Record<string, string>;
  };
  rules: UpstreamRules;
  /** The revision modelled, when the rules are a revision's. */
  revision?: string;
  /** The build roots the newest rules stripped from file names. */
  buildRoots?: string[];
  /** Newest rules: entries copied to function starts, and kept at one. */
  symbolStarts?: { synthesized: number; keptAtStart: number };
  /** Symbolizer rules: "no line" entries added where no compile unit's ranges cover the code. */
  unitRangeGaps?: number;
  base: string;
  baseFrom: string;
  end?: string;
  rowsRead: number;
  rowsDropped: number;
  drops: DropCounters;
  entries: number;
  files: number;
  /** Parts of the file read past as the generator reads past them, one per part. */
  warnings: InputWarning[];
  timeMs: number;
}

/** Opens an ELF file and runs the upstream extraction; returns the result and the figures. */
export function inspectFile(
  path: string,
  options: InspectOptions = {},
): { result: InspectResult; extract: ExtractResult } {
  const t0 = performance.now();
  const elf = ElfFile.open(path);
  try {
    // an unknown machine is a warning (the generator never looks): only its name is missing here
    const arch = archOf(elf.machine, elf.is64, elf.littleEndian);
    const extract = extractUpstream(elf, options);
    const compression: Record<string, string> = {};
    for (const name of [
      '.debug_info',
      '.debug_line',
      '.debug_line_str',
      '.debug_str',
      '.debug_abbrev',
    ]) {
      const s = elf.section(name);
      // from the compression header alone (a section libdw leaves out has a warning)
      if (s) compression[name] = elf.compressionOf(s);
      const gnu = elf.section(`.z${name.slice(1)}`);
      if (gnu && !s)
        compression[gnu.name] = 'problem' in elf.gnuDecompressed(gnu) ? 'unknown' : 'zlib-gnu';
    }
    const dropped = Object.values(extract.drops).reduce((a, b) => a + b, 0);
    const result: InspectResult = {
      schemaVersion: 1,
      file: path,
      fileBytes: statSync(path).size,
      arch: arch?.name ?? `unknown (e_machine ${elf.machine})`,
      bits: elf.is64 ? 64 : 32,
      endianness: elf.littleEndian ? 'little' : 'big',
      elfType: elf.typeName,
      dwarf: {
        unitVersions: extract.stats.unitVersions,
        lineVersions: extract.stats.lineVersions,
        units: extract.stats.units,
        unitsWithLines: extract.stats.unitsWithLines,
        unitsSkipped: extract.stats.unitsSkipped,
        sequences: extract.stats.sequences,
        debugLineBytes: (elf.section('.debug_line') ?? elf.section('.zdebug_line'))?.size ?? 0,
        compression,
      },
      rules: extract.rules,
      revision: options.revision,
      buildRoots: extract.buildRoots,
      symbolStarts: extract.symbolStarts,
      unitRangeGaps: extract.unitRangeGaps,
      base: hex(extract.base),
      baseFrom:
        typeof options.base === 'bigint'
          ? 'address'
          : elf.type === 1 && options.base === undefined
            ? '.text'
            : (options.base ?? '_text'),
      end: extract.end === undefined ? undefined : hex(extract.end),
      rowsRead: extract.stats.rowsRead,
      rowsDropped: dropped,
      drops: extract.drops,
      entries: extract.table.count,
      files: extract.table.files.length,
      warnings: extract.warnings,
      timeMs: Math.round(performance.now() - t0),
    };
    return { result, extract };
  } finally {
    elf.close();
  }
}

export function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
