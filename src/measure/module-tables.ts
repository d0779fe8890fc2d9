import { statSync } from 'node:fs';
import { ElfFile, ET, SHF } from '../elf/elf-file.js';
import type { RelocationReport } from '../elf/relocate.js';
import { moduleV3Format } from '../encodings/module.js';
import { moduleV1Format, moduleV2Format } from '../encodings/module-early.js';
import {
  type ModuleFormat,
  moduleBucketSizes,
  moduleNewestFormat,
  moduleV5Format,
  moduleV6Format,
} from '../encodings/module-sections.js';
import { BUCKETS, type Bucket, type Format } from '../encodings/types.js';
import { FormatError, type InputWarning } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { type DropCounters, type ExtractResult, extractUpstream } from '../lineinfo/extract.js';
import type { ModuleSections } from '../lineinfo/module-sections.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { percentOf } from '../util/numbers.js';
import { account } from './accounting.js';

/**
 * One module's line-info tables, read two ways (spec sections 1, 2, 5, 6):
 * 'upstream' relocates as the generator does, 'full' relocates every debug
 * section as a linker would and keeps each sequence's section apart.
 *
 * v1-v4 (and every rule set but the newest): the generator applies
 * `.debug_line`'s 32-bit absolute type only, and both readings keep `.text`'s
 * rows only, laid out as one `.mod_lineinfo` table.
 *
 * The newest rules: the newest generator's reading (`.debug_line`'s 32- and
 * 64-bit absolute types, each covered section at its own base, `.debug_info`
 * unrelocated) against every relocation applied; rows are kept per covered
 * section (`.text`, `.exit.text`, `.init.text`, `.noinstr.text`) and laid
 * out in `.mod_lineinfo` and `.init.mod_lineinfo`, in the newest layout and
 * the v6/v7 and v5 ones (ours to compare layouts on the same entries).
 */

/** The module layouts measured under v1-v4 rules: v1 flat, v2 blocks (our reading of both), v3/v4. */
export const MODULE_FORMATS: readonly Format[] = [
  moduleV1Format,
  moduleV2Format(64),
  moduleV3Format(64, 'sleb'),
];
/** The layout growth is quoted for under v1-v4 rules. */
export const MAIN_MODULE_FORMAT = 'module-v3:64:sleb';

/** The module layouts measured under the newest rules: its own (exact), v6/v7 and v5 (our readings). */
export const NEWEST_MODULE_FORMATS: readonly ModuleFormat[] = [
  moduleNewestFormat(),
  moduleV6Format(64, 'sleb'),
  moduleV5Format(64, 'sleb'),
];
export const NEWEST_MAIN_MODULE_FORMAT = 'module-newest';

/** True when a rule set reads modules per covered section (the newest rules). */
export function perSectionRules(rules: string): boolean {
  return RULE_SETS[rules]?.symbolStarts === true;
}

/** The layouts measured for modules under a rule set, and the main one (growth is quoted for it). */
export function moduleLayoutsFor(rules: string): { formats: readonly Format[]; main: string } {
  return perSectionRules(rules)
    ? { formats: NEWEST_MODULE_FORMATS, main: NEWEST_MAIN_MODULE_FORMAT }
    : { formats: MODULE_FORMATS, main: MAIN_MODULE_FORMAT };
}

export type ModuleMode = 'upstream' | 'full';
export const MODULE_MODES: readonly ModuleMode[] = ['upstream', 'full'];

export interface ModuleTable {
  format: string;
  total: number;
  buckets: Record<Bucket, number>;
  /** Per-section layouts (newest rules): bytes of each module section emitted. */
  blobs?: { section: string; bytes: number; tables: string[] }[];
  /** Per-section layouts: entries of sections the layout does not cover (v5/v6: `.noinstr.text`). */
  notCovered?: number;
}

/** Newest rules: one covered section's entries. */
export interface ModuleSectionCount {
  name: string;
  /** `.mod_lineinfo` or `.init.mod_lineinfo` in the newest layout. */
  blob: string;
  size: number;
  entries: number;
}

export interface ModuleModeResult {
  entries: number;
  files: number;
  rowsRead: number;
  units: number;
  /** Units whose line table was read (upstream: often only the first, .debug_info being unrelocated). */
  unitsWithLines: number;
  /** Units skipped as unreadable (upstream: first DIE or line table garbage in an unrelocated .debug_info). */
  unitsUnreadable: number;
  drops: DropCounters;
  tables: ModuleTable[];
  /** `.debug_line`'s relocation: records applied / left alone (by type) / unknown types. */
  debugLine: Pick<
    RelocationReport,
    | 'records'
    | 'applied'
    | 'notApplied'
    | 'notAppliedByType'
    | 'otherCodeSection'
    | 'unknown'
    | 'outOfRange'
  >;
  /** Unknown relocation types over every debug section relocated: name -> count. */
  unknownTypes: Record<string, number>;
  /** Newest rules: entries per present covered section (they add up to `entries`). */
  sections?: ModuleSectionCount[];
  /** Newest rules: entries copied to function starts, and kept at one. */
  symbolStarts?: { synthesized: number; keptAtStart: number };
}

export interface ModuleSizes {
  /** The file as given (a -dbg package's file still has its DWARF). */
  file: number;
  /** The file without `.debug_*` sections and their relocations: about what is installed. */
  stripped: number;
  text: number;
  /** Every SHF_ALLOC section: what the module occupies when loaded. */
  alloc: number;
}

export interface ModuleMeasure {
  path: string;
  /** Path relative to the set's root (or the file name). */
  name: string;
  arch: string;
  sizes: ModuleSizes;
  upstream: ModuleModeResult;
  /**
   * Absent when the full relocation (strict, a linker's reading) could not
   * read the module: a FormatError, or a part it read past that the upstream
   * reading does not (see `warnings`). The upstream figures are kept.
   */
  full?: ModuleModeResult;
  /** True when the two modes give different entries or file names; absent without `full`. */
  differ?: boolean;
  /** Why they differ (codes, see CAUSES); empty when they do not; absent without `full`. */
  causes?: string[];
  /**
   * Growth of the main layout (fully relocated) in percent of each size;
   * absent without `full` (growth is quoted on the full table, not switched to upstream's).
   */
  growth?: { text: number; alloc: number; stripped: number; file: number };
  /** Parts of the module read past: the upstream reading's, then why `full` is absent. */
  warnings?: InputWarning[];
  /** The layout growth is quoted for (module-v3:64:sleb, or module-newest under the newest rules). */
  mainFormat: string;
}

/** What each cause code means, for reports. */
export const CAUSES: Record<string, string> = {
  'other-sections':
    'sequences of .init.text/.exit.text/.text.unlikely/... start at 0 as .text does: their rows land inside .text',
  'text-addends':
    'DW_LNE_set_address operands against .text with a non-zero addend left at 0: sequences after the first overlap at .text+0',
  'riscv-add-sub':
    "RISC-V ADD/SUB/SET relocations of the line program's address advances not applied",
  'debug-info':
    '.debug_info not relocated: later units read with the wrong abbreviations and DW_AT_stmt_list (libdw reads the first unit only), comp_dir wrong',
  other: 'other relocations of .debug_line left alone',
};

/*
 * How causes are found: a third reading ('upstream-line': .debug_line as
 * upstream relocates it, every other section fully) splits the difference.
 * upstream != upstream-line: 'debug-info'. upstream-line != full: the line
 * program's own relocations, named by what the upstream reading left out.
 */

function sizesOf(elf: ElfFile, fileBytes: number): ModuleSizes {
  let debug = 0;
  let alloc = 0;
  const debugIdx = new Set<number>();
  for (const s of elf.sections)
    if (s.name.startsWith('.debug_') || s.name.startsWith('.zdebug_')) debugIdx.add(s.index);
  for (const s of elf.sections) {
    if (s.flags & SHF.ALLOC) alloc += s.size;
    const relOfDebug = (s.type === 4 || s.type === 9) && debugIdx.has(s.info);
    if (debugIdx.has(s.index) || relOfDebug) debug += s.type === 8 ? 0 : s.size;
  }
  return {
    file: fileBytes,
    stripped: fileBytes - debug,
    text: elf.section('.text')?.size ?? 0,
    alloc,
  };
}

/** Same sections, file names and entries. */
function sameSections(a: ModuleSections, b: ModuleSections): boolean {
  if (a.sections.length !== b.sections.length) return false;
  for (let i = 0; i < a.sections.length; i++) {
    if (a.sections[i].name !== b.sections[i].name) return false;
    if (!sameTable(a.sections[i].table, b.sections[i].table)) return false;
  }
  return a.files.length === b.files.length && a.files.every((f, i) => f === b.files[i]);
}

/** A per-section layout's bytes for one module: both blobs together, and each. */
function moduleTable(f: ModuleFormat, ms: ModuleSections, elf: ElfFile): ModuleTable {
  const enc = f.encodeModule(ms.sections, ms.files, {
    littleEndian: elf.littleEndian,
    is64: elf.is64,
  });
  const sizes = moduleBucketSizes(enc);
  const buckets = Object.fromEntries(BUCKETS.map((b) => [b, sizes[b]])) as Record<Bucket, number>;
  return {
    format: f.id,
    total: sizes.total,
    buckets,
    blobs: enc.blobs.map((b) => ({
      section: b.section,
      bytes: b.bytes.length,
      tables: b.sections,
    })),
    notCovered: enc.notCovered,
  };
}

/** One reading's tables in every layout measured. */
function layoutTables(ex: ExtractResult, elf: ElfFile, formats: readonly Format[]): ModuleTable[] {
  const ms = ex.moduleSections;
  return formats.map((f) => {
    if (ms && 'encodeModule' in f) return moduleTable(f as ModuleFormat, ms, elf);
    const acc = account(f.encode(ex.table, elf.littleEndian));
    return { format: f.id, total: acc.total, buckets: acc.buckets };
  });
}

function sameTable(a: EntryTable, b: EntryTable): boolean {
  if (a.count !== b.count || a.files.length !== b.files.length) return false;
  for (let i = 0; i < a.files.length; i++) if (a.files[i] !== b.files[i]) return false;
  for (let i = 0; i < a.count; i++) {
    if (a.offsets[i] !== b.offsets[i] || a.fileIds[i] !== b.fileIds[i] || a.lines[i] !== b.lines[i])
      return false;
  }
  return true;
}

/** What a module without full figures leaves out (the warning's `skipped`). */
export const FULL_LEFT_OUT =
  'its full relocation figures, and the comparison (differ, causes) and growth taken from them (its upstream relocation figures are kept)';

const warningKey = (w: InputWarning) => `${w.part}\0${w.cause}`;
/** A warning about compile units (extract.ts: `unit at .debug_info+N`, `N units (the first at ...)`). */
const UNIT_PART = /^(unit at |\d+ units )/;

/**
 * Why the full relocation's reading cannot stand as a linker's: a FormatError
 * it stopped on, or the first part it read past that the upstream reading
 * did not (a relocation table it could not apply loses units' line tables:
 * its figures would be short, not a linker's). Undefined when it stands.
 */
function fullFailure(
  full: ExtractResult | FormatError,
  upstream: ExtractResult,
): { part: string; cause: string } | undefined {
  const split = (text: string) => {
    // ".rela.debug_info: size 260 is ...": the part is the section named first
    const m = /^(\.[\w.]+): (.*)$/s.exec(text);
    return m ? { part: m[1], cause: m[2] } : undefined;
  };
  if (full instanceof FormatError)
    return split(full.message) ?? { part: 'the module', cause: full.message };
  const seen = new Set(upstream.warnings.map(warningKey));
  const w = full.warnings.find((x) => !seen.has(warningKey(x)));
  if (!w) return undefined;
  const named = split(w.cause);
  return named ?? { part: w.part, cause: w.cause };
}

/** One reading's figures. */
function modeResult(ex: ExtractResult, elf: ElfFile, formats: readonly Format[]): ModuleModeResult {
  const ms = ex.moduleSections;
  const unknownTypes: Record<string, number> = {};
  for (const r of ex.relocations)
    for (const [k, v] of Object.entries(r.unknown)) unknownTypes[k] = (unknownTypes[k] ?? 0) + v;
  const dl = ex.relocations.find((r) => r.section === '.debug_line');
  const result: ModuleModeResult = {
    entries: ms ? ms.sections.reduce((n, s) => n + s.table.count, 0) : ex.table.count,
    files: ex.table.files.length,
    rowsRead: ex.stats.rowsRead,
    units: ex.stats.units,
    unitsWithLines: ex.stats.unitsWithLines,
    unitsUnreadable: ex.stats.unitsUnreadable ?? 0,
    drops: ex.drops,
    tables: layoutTables(ex, elf, formats),
    debugLine: {
      records: dl?.records ?? 0,
      applied: dl?.applied ?? 0,
      notApplied: dl?.notApplied ?? 0,
      notAppliedByType: dl?.notAppliedByType ?? {},
      otherCodeSection: dl?.otherCodeSection ?? 0,
      unknown: dl?.unknown ?? {},
      outOfRange: dl?.outOfRange ?? 0,
    },
    unknownTypes,
  };
  if (ms) {
    result.sections = ms.sections.map((s) => ({
      name: s.name,
      blob: s.blob === 'init' ? '.init.mod_lineinfo' : '.mod_lineinfo',
      size: s.size,
      entries: s.table.count,
    }));
    result.symbolStarts = ex.symbolStarts;
  }
  return result;
}

/**
 * Reads one `.ko` (ET_REL with DWARF) both ways and lays out each table.
 * Throws FormatError naming the file when the upstream reading cannot read
 * it; when only the full relocation cannot (it is strict), the module keeps
 * its upstream figures, without `full`, `differ`, `causes` and `growth`,
 * and a warning says why.
 */
export function measureModule(path: string, name = path, rules = 'v1-v4'): ModuleMeasure {
  const elf = ElfFile.open(path);
  try {
    if (elf.type !== ET.REL)
      throw new FormatError(`is ${elf.typeName}, not a relocatable module (ET_REL)`, path);
    const sizes = sizesOf(elf, statSync(path).size);
    const layouts = moduleLayoutsFor(rules);
    const up = extractUpstream(elf, { rules, relocation: 'upstream' });
    const upstream = modeResult(up, elf, layouts.formats);
    // the file's parts the upstream reading read past; not its units': it reads
    // .debug_info unrelocated, whose later units are garbage by design (a unit
    // really broken fails the full reading, and that warning names it)
    const warnings: InputWarning[] = [];
    const seen = new Set<string>();
    for (const w of up.warnings) {
      const k = `${warningKey(w)}\0${w.skipped}`;
      if (!seen.has(k) && !UNIT_PART.test(w.part)) warnings.push(w);
      seen.add(k);
    }
    let fullRead: ExtractResult | FormatError;
    try {
      fullRead = extractUpstream(elf, { rules, relocation: 'full' });
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      fullRead = e;
    }
    const failure = fullFailure(fullRead, up);
    const base = { path, name, arch: elf.arch.name, sizes, upstream };
    if (failure || fullRead instanceof FormatError) {
      warnings.push({
        part: failure?.part ?? 'the module',
        cause: `${failure?.cause ?? 'unreadable'}, where the full relocation (every relocation applied, as a linker would) stops`,
        skipped: FULL_LEFT_OUT,
      });
      return { ...base, mainFormat: layouts.main, warnings };
    }
    const full = modeResult(fullRead, elf, layouts.formats);
    // the upstream report is what explains differences
    const upstreamLine = up.relocations.find((r) => r.section === '.debug_line');
    const same = (a: ExtractResult, b: ExtractResult) =>
      a.moduleSections && b.moduleSections
        ? sameSections(a.moduleSections, b.moduleSections)
        : sameTable(a.table, b.table);
    const differ = !same(up, fullRead);
    const causes: string[] = [];
    if (differ) {
      // attribution: .debug_line as upstream relocates it, everything else fully
      const mid = extractUpstream(elf, { rules, relocation: 'upstream-line' });
      if (!same(up, mid)) causes.push('debug-info');
      if (!same(mid, fullRead)) {
        const before = causes.length;
        const u = upstreamLine;
        // v1-v4 place every section at 0: rows of other sections that full
        // relocation puts outside .text fall inside it (the newest rules bias them apart)
        if (!mid.moduleSections && u && u.otherCodeSection > 0) causes.push('other-sections');
        if (!mid.moduleSections && u && u.notAppliedNonZero > 0) causes.push('text-addends');
        if (u && Object.keys(u.notAppliedByType).some((k) => /^R_RISCV_(ADD|SUB|SET)/.test(k)))
          causes.push('riscv-add-sub');
        if (causes.length === before) causes.push('other');
      }
    }
    const main = full.tables.find((t) => t.format === layouts.main)!.total;
    return {
      ...base,
      full,
      differ,
      causes,
      growth: {
        text: percentOf(main, sizes.text),
        alloc: percentOf(main, sizes.alloc),
        stripped: percentOf(main, sizes.stripped),
        file: percentOf(main, sizes.file),
      },
      mainFormat: layouts.main,
      warnings,
    };
  } finally {
    elf.close();
  }
}
