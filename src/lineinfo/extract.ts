import { type CompileUnit, readUnits } from '../dwarf/info.js';
import {
  allocRows,
  type LineRows,
  type LineTable,
  libdwFilePath,
  ROW,
  readLineTable,
} from '../dwarf/line.js';
import { type AddressRange, unitRanges } from '../dwarf/ranges.js';
import { DwarfSections } from '../dwarf/sections.js';
import { resolveCoveredSections } from '../elf/covered-sections.js';
import { type ElfFile, ET, type Section, SHF, SHT } from '../elf/elf-file.js';
import {
  leavesDebugInfo,
  newestMode,
  type RelocationMode,
  type RelocationReport,
} from '../elf/relocate.js';
import { FormatError, type InputWarning, UserError } from '../errors.js';
import { grownU32 } from '../util/growable.js';
import { CandidateTable } from './candidates.js';
import type { EntryTable } from './entries.js';
import { LastRowTable } from './last-row.js';
import { libdwRowOrder } from './libdw-order.js';
import { llvmSequenceRows } from './llvm-sequences.js';
import {
  collectModuleSymbolStarts,
  emptyTable,
  type ModuleSections,
  SectionClassifier,
} from './module-sections.js';
import { buildRoots, normalizeNewest } from './newest-paths.js';
import { cleanPath, normalizeUpstream } from './paths.js';
import { RULE_SETS, type RuleSet, ruleSet } from './rules.js';
import {
  collectSymbolStarts,
  finishNewest,
  type SymbolStartCounts,
  type SymbolStarts,
} from './symbol-starts.js';

/** A rule set id (see RULE_SETS): 'v1-v4' and 'v5' are the upstream generator's. */
export type UpstreamRules = string;

export interface ExtractOptions {
  rules?: UpstreamRules;
  /**
   * The base address, or the name of the symbol that gives it. Default: `_text`
   * for a vmlinux, `.text`'s address for a module (ET_REL).
   */
  base?: string | bigint;
  /**
   * Relocation of a relocatable object's (`.ko`) debug sections before
   * reading: 'none' (default), 'upstream' (the generator's: `.debug_line`'s
   * 32-bit absolute type only) or 'full' (see src/elf/relocate.ts). Ignored
   * for a vmlinux. Under the newest rules a module is read as the newest
   * generator reads it: 'upstream' means 'upstream-newest', 'full'
   * 'full-newest' (see newestMode).
   */
  relocation?: RelocationMode;
  /** Called after each unit with (units done, units in all). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Sees every row with a line and an offset that fits 32 bits, before the
   * rule set filters it (for measurements that need the rows behind an
   * entry). `name` gives the row's normalised file name on demand.
   */
  onRow?: (offset: number, line: number, flags: number, name: () => string | undefined) => void;
  /**
   * The newest rules' build roots, stripped from file names (kbuild's
   * `objtree`, `srctree`, `srcroot`, absolute); none for a distribution kernel.
   */
  buildRoots?: readonly string[];
}

/** Why rows did not become entries, one counter per reason (they add up to rows read minus entries). */
export interface DropCounters {
  lineZero: number;
  noFileName: number;
  belowBase: number;
  /** v5 rules: at or above `_etext`; modules: outside `.text` (newest rules: outside every covered section). */
  aboveEnd: number;
  offsetOver4G: number;
  /** Rule sets of ours: not a statement row. */
  notStatement: number;
  /** An end-of-sequence row not kept: rule sets of ours, and the newest (a sequence end, no entry). */
  endSequence: number;
  /** Rule sets with unit-range gaps (symbolizer): a row in no compile unit's address ranges. */
  outsideUnits?: number;
  /**
   * Rule sets that read line programs as llvm-symbolizer (symbolizer): rows
   * of sequences whose addresses do not ascend, less the rows LLVM's search
   * answers with there (one per address).
   */
  unorderedSequence?: number;
  /** Another row at the same offset won (upstream: the smallest file_id, then line). */
  sameOffset: number;
  /** Same file and line as the entry before it. */
  sameFileLine: number;
}

export interface ExtractStats {
  units: number;
  unitsWithLines: number;
  rowsRead: number;
  sequences: number;
  /** Line-table versions: version -> number of tables. */
  lineVersions: Record<number, number>;
  /** Unit versions: version -> number of units. */
  unitVersions: Record<number, number>;
  /**
   * Upstream relocation of a module only: units libdw cannot read in an
   * unrelocated `.debug_info` (first DIE or line table unreadable), skipped
   * as the generator skips them (our reading).
   */
  unitsUnreadable?: number;
  /**
   * Units libdw cannot read (a first DIE or a line table it fails on),
   * skipped as the generator skips them: each one also has a warning.
   */
  unitsSkipped: number;
}

export interface ExtractResult {
  /** The entries; for a module under the newest rules, `.text`'s only (every section's: `moduleSections`). */
  table: EntryTable;
  rules: UpstreamRules;
  base: bigint;
  /** Upper bound applied (exclusive), if any. */
  end?: bigint;
  drops: DropCounters;
  stats: ExtractStats;
  /** What relocation did, per section (empty unless a relocatable object was relocated). */
  relocations: RelocationReport[];
  /**
   * Newest rules: entries copied to function starts (added beyond rows read
   * minus drops) and entries kept at a start that repeat the file:line before.
   */
  symbolStarts?: SymbolStartCounts;
  /**
   * Unit-range gaps (symbolizer): gap candidates added at the end of each
   * range the units cover, beyond the rows read; each became an entry or is
   * counted in sameOffset or sameFileLine, so rows read = entries + drops - this.
   */
  unitRangeGaps?: number;
  /** Newest rules: the build roots file names were made relative to (longest first). */
  buildRoots?: string[];
  /** A module (ET_REL) under the newest rules: one table per covered section. */
  moduleSections?: ModuleSections;
  /**
   * Parts of the file read past, as the generator reads past them (libelf,
   * libdw): the figures above leave out only what needs them.
   */
  warnings: InputWarning[];
}

export const MAX_FILES = 65535;

/**
 * The base address entries are relative to (and a module's `.text` end): what
 * extraction uses, exported so measurements can sample addresses before they
 * extract.
 */
export function resolveBase(
  elf: ElfFile,
  base: string | bigint | undefined,
): { base: bigint; end?: bigint; module: boolean } {
  if (typeof base === 'bigint') return { base, module: false };
  if (elf.type === ET.REL && base === undefined) {
    const text = elf.section('.text');
    if (!text) throw new FormatError('relocatable object without a .text section', elf.name);
    return { base: text.addr, end: text.addr + BigInt(text.size), module: true };
  }
  const name = base ?? '_text';
  const v = elf.symbolValue(name);
  if (v === undefined) {
    const why = elf.symbols() ? `no symbol ${name}` : 'no symbol table';
    throw new FormatError(
      `${why} to take the base address from (not a vmlinux? pass --base)`,
      elf.name,
    );
  }
  return { base: v, module: false };
}

/**
 * Reads every unit's line rows and turns them into the entry table exactly as
 * the upstream generator (`scripts/gen_lineinfo`) does: libdw's row order,
 * its drop rules, its file-name normalisation and ids, then the sort and
 * de-duplication (spec section 1).
 */
export function extractUpstream(elf: ElfFile, options: ExtractOptions = {}): ExtractResult {
  const rules = options.rules ?? 'v1-v4';
  const rs = knownRuleSet(rules);
  // the newest rules read a module their own way: covered sections apart, each
  // at a synthetic base, the 64-bit addresses relocated too (spec section 6)
  const sectioned = elf.type === ET.REL && options.base === undefined && rs.symbolStarts;
  const warnings: InputWarning[] = [];
  const dw = openDwarf(
    elf,
    sectioned ? newestMode(options.relocation ?? 'none') : options.relocation,
    warnings,
  );
  dw.stringsPastSection = rs.stringsPastSection === true;
  const bounds = sectioned ? SECTIONED_BOUNDS : resolveBounds(elf, rs, options.base);
  const classifier = sectioned ? new SectionClassifier(resolveCoveredSections(elf)) : undefined;
  // Upstream reads a module's .debug_info unrelocated: later units are garbage
  // to libdw, which fails on them; the generator goes on with the rest.
  const tolerant = elf.type === ET.REL && leavesDebugInfo(dw.relocation);
  const missing = missingDwarfPart(dw);
  if (missing) warnings.push(missing);
  const units = dw.has('.debug_info') ? readCompileUnits(elf, dw, warnings) : [];
  let unitCount = 0;
  for (const unit of units) unitCount += unit.skippedRun ?? 1;
  const stats = newStats(unitCount, tolerant);
  for (const unit of units) noteUnreadableUnit(unit, tolerant, stats, warnings);
  const roots = rs.paths === 'newest' ? buildRoots(options.buildRoots ?? []) : [];
  const collector = new EntryCollector(
    rs,
    bounds,
    dw.size('.debug_line'),
    elf.name,
    options.onRow,
    roots,
    classifier,
  );
  if (rs.unitRangeGaps && !classifier)
    collector.setUnitRanges(units.map((u) => readUnitRanges(elf, dw, u)));
  let scratch: LineRows = allocRows(1 << 16);
  for (let u = 0; u < units.length; u++) {
    const unit = units[u];
    stats.unitVersions[unit.version] =
      (stats.unitVersions[unit.version] ?? 0) + (unit.skippedRun ?? 1);
    const lt = missing
      ? undefined
      : readUnitLineTable(dw, unit, tolerant, stats, scratch, warnings, rs.llvmLineTable === true);
    if (lt) {
      scratch = lt.rows;
      countLineTable(stats, lt);
      collector.addUnitRows(unit, lt);
    }
    options.onProgress?.(u + 1, units.length);
  }
  const starts =
    rs.symbolStarts && !classifier ? collectSymbolStarts(elf, bounds.base, bounds.end) : undefined;
  const table = classifier
    ? collector.finishSections(collectModuleSymbolStarts(elf, classifier.covered))
    : collector.finish(starts);
  return {
    table,
    rules,
    base: bounds.base,
    end: bounds.end,
    drops: collector.drops,
    stats,
    relocations: [...dw.relocations.values()],
    symbolStarts: collector.symbolStartCounts,
    unitRangeGaps: rs.unitRangeGaps && !classifier ? collector.unitRangeGaps : undefined,
    buildRoots: rs.paths === 'newest' ? roots : undefined,
    moduleSections: classifier ? collector.moduleSections(classifier) : undefined,
    // the file's own first (its header, section and symbol tables), then what
    // relocating it read past, then the units'
    warnings: [
      ...elf.warnings,
      ...[...dw.relocations.values()].flatMap((r) => r.warnings),
      ...mergeUnitWarnings(warnings),
    ],
  };
}

/** A module under the newest rules: addresses are read as they are (biased), the classifier bounds them. */
const SECTIONED_BOUNDS: AddressBounds = {
  base: 0n,
  baseHi: 0,
  baseLo: 0,
  endOffset: Number.POSITIVE_INFINITY,
  module: true,
};

function knownRuleSet(rules: UpstreamRules): RuleSet {
  const rs = ruleSet(rules);
  if (!rs)
    throw new UserError(`unknown rule set ${rules} (known: ${Object.keys(RULE_SETS).join(', ')})`);
  return rs;
}

/** The file's DWARF sections, which must include a line table and units to find them by. */
function openDwarf(
  elf: ElfFile,
  relocation: RelocationMode | undefined,
  warnings: InputWarning[],
): DwarfSections {
  const noDwarf = () =>
    new FormatError(
      'no DWARF line information (.debug_info or .debug_line missing); build with debug info',
      elf.name,
    );
  if (!['.debug_info', '.debug_line', '.zdebug_info', '.zdebug_line'].some((n) => elf.section(n)))
    throw noDwarf();
  // dwarf_begin_elf looks at every section's name and loads each it knows:
  // a name libelf cannot read, or a known section whose bytes are not in
  // the file, fails it (and the generator with it)
  const names = elf.sectionNameTable;
  if (names && names.type !== SHT.STRTAB)
    throw new FormatError(
      `the section name table (section ${names.index}) is of type ${names.type}, not SHT_STRTAB: libelf reads no name from it, so libdw reads no DWARF from the file`,
      elf.name,
    );
  if (names && elf.sectionNamesProblem !== undefined)
    throw new FormatError(
      `the section name table (section ${names.index}) is ${elf.sectionNamesProblem}: libelf reads no name from it, so libdw reads no DWARF from the file`,
      elf.name,
    );
  if (elf.unnamedSections.length > 0) {
    const s = elf.sections[elf.unnamedSections[0]];
    throw new FormatError(
      `section ${s.index}: name offset ${s.nameOffset} outside the section name table, so libdw reads no DWARF from the file`,
      elf.name,
    );
  }
  const chosen = libdwSections(elf, warnings);
  const dw = new DwarfSections(elf, relocation, chosen);
  // a module's compressed .debug_line (the only section a generator
  // relocates), patched in its stored bytes before libdw decompresses them:
  // a stream that no longer inflates is left out, as dwarf_begin_elf leaves it out
  const patched = dw.patchedCompressionProblem('.debug_line');
  if (patched !== undefined) {
    chosen.delete('.debug_line');
    warnings.push({
      part: '.debug_line',
      cause: `flagged compressed: the generator applies its relocations to the compressed bytes, before libdw decompresses them; then ${patched}`,
      skipped: 'the section (libdw leaves it out)',
    });
  }
  if (!dw.has('.debug_info') && !dw.has('.debug_line')) throw noDwarf();
  return dw;
}

/**
 * The section libdw reads for each debug section name, as dwarf_begin_elf's
 * check_section picks it, section by section in file order: `SHT_NOBITS`
 * and section group members are passed over; a name already loaded is
 * ignored; a compressed section libelf does not decompress (its header,
 * its data, its bytes past the end of the file) is left out, as is an
 * empty one, so a later section of that name may still load; any other
 * section libelf gives no data for (elf_getdata: its bytes not in the file,
 * a size its type does not divide) fails dwarf_begin_elf, and the
 * generator with it. Each section passed over is a warning.
 */
function libdwSections(elf: ElfFile, warnings: InputWarning[]): Map<string, Section> {
  const chosen = new Map<string, Section>();
  const leftOut = (s: Section, cause: string) =>
    warnings.push({
      part: sectionPart(elf, s),
      cause,
      skipped: 'the section (libdw leaves it out)',
    });
  for (const s of elf.sections) {
    const name = libdwName(s.name);
    if (name === undefined || s.type === SHT.NOBITS) continue;
    // dwarf_begin_elf ignores a section of a section group (SHF_GROUP) when
    // reading the file's own debug info
    if (s.flags & SHF_GROUP) {
      leftOut(s, 'flagged SHF_GROUP (a section group member)');
      continue;
    }
    const first = chosen.get(name);
    if (first) {
      warnings.push({
        part: sectionPart(elf, s),
        cause: `a second section of this name (libdw reads section ${first.index})`,
        skipped: 'the section',
      });
      continue;
    }
    if (s.flags & SHF.COMPRESSED) {
      const d = elf.decompressed(s);
      if ('problem' in d) leftOut(s, d.problem);
      else if (d.bytes.length > 0) chosen.set(name, s);
      continue;
    }
    elf.checkRange(s);
    const problem = elf.dataProblem(s);
    if (problem !== undefined)
      throw new FormatError(
        `section ${s.name} (section ${s.index}): ${problem}, so libdw reads no DWARF from the file`,
        elf.name,
      );
    if (name !== s.name) {
      // GNU-compressed (.zdebug_*): libdw ignores elf_compress_gnu's errors
      // and then reads the section as it is stored
      const d = elf.gnuDecompressed(s);
      if ('problem' in d)
        warnings.push({
          part: sectionPart(elf, s),
          cause: `does not decompress as GNU-compressed: ${d.problem}`,
          skipped: 'nothing (read as stored, as libdw reads it)',
        });
      else if (d.bytes.length === 0) continue;
    }
    if (s.size > 0) chosen.set(name, s);
  }
  // libelf converts a section of a structured type record by record in a
  // file of the other byte order (DwarfSections reads it so); a few types
  // it converts as chains we do not model: read as stored, and said so
  for (const s of chosen.values())
    if (elf.libelfConversion(s) === null)
      warnings.push({
        part: sectionPart(elf, s),
        cause: `of type ${s.type} in a file of the other byte order: libelf converts its data as records of that type, which we do not model`,
        skipped: "nothing (read as stored: the generator's table may differ)",
      });
  return chosen;
}

/** A debug section as a warning names it: by name, and by index when the name is not the first of its kind. */
function sectionPart(elf: ElfFile, s: Section): string {
  return elf.section(s.name) === s ? s.name : `${s.name} (section ${s.index})`;
}

/**
 * The debug section libdw takes a section for, by its name: one it knows,
 * or `.z` and the rest of one (`.zdebug_line`, GNU-compressed); undefined
 * for any other.
 */
function libdwName(name: string): string | undefined {
  if (LIBDW_SECTIONS.has(name)) return name;
  if (name.startsWith('.z') && LIBDW_SECTIONS.has(`.${name.slice(2)}`)) return `.${name.slice(2)}`;
  return undefined;
}

/** sh_flags: a member of a section group. */
const SHF_GROUP = 0x200;

/** The sections libdw's dwarf_begin_elf loads by name (elfutils 0.188, libdwP.h). */
const LIBDW_SECTIONS = new Set([
  '.debug_info',
  '.debug_types',
  '.debug_abbrev',
  '.debug_addr',
  '.debug_aranges',
  '.debug_line',
  '.debug_line_str',
  '.debug_frame',
  '.debug_loc',
  '.debug_loclists',
  '.debug_pubnames',
  '.debug_str',
  '.debug_str_offsets',
  '.debug_macinfo',
  '.debug_macro',
  '.debug_ranges',
  '.debug_rnglists',
  '.debug_cu_index',
  '.debug_tu_index',
  '.gnu_debugaltlink',
]);

/**
 * A file with units but no `.debug_line`, or a `.debug_line` but no units:
 * libdw opens it and finds no line table, so the generator writes an empty
 * table; a warning says which part was missing.
 */
function missingDwarfPart(dw: DwarfSections): InputWarning | undefined {
  if (!dw.has('.debug_info'))
    return {
      part: '.debug_info',
      cause: 'no such section',
      skipped: 'every line table (no unit points to one)',
    };
  if (!dw.has('.debug_line'))
    return { part: '.debug_line', cause: 'no such section', skipped: "every unit's line table" };
  return undefined;
}

/** The range rows must fall in, also in the number form the row loop compares. */
interface AddressBounds {
  base: bigint;
  /** Exclusive upper bound, if any. */
  end?: bigint;
  baseHi: number;
  baseLo: number;
  /** The end as an offset from base; Infinity when unbounded. */
  endOffset: number;
  /** A relocatable object (.ko): base and end are `.text`'s. */
  module: boolean;
}

function resolveBounds(
  elf: ElfFile,
  rs: RuleSet,
  baseOption: string | bigint | undefined,
): AddressBounds {
  const { base, end: moduleEnd, module } = resolveBase(elf, baseOption);
  let end = moduleEnd;
  if (!module && rs.etextCap) {
    end = elf.symbolValue('_etext');
    // the newest generator takes an _etext of 0 for none (its "no cap" value)
    if (end === 0n && rs.etextCap !== 'required') end = undefined;
    if (end === undefined && rs.etextCap === 'required')
      throw new FormatError('no symbol _etext for the v5 upper bound', elf.name);
  }
  return {
    base,
    end,
    module,
    baseHi: Number(base >> 32n),
    baseLo: Number(base & 0xffffffffn),
    endOffset: end === undefined ? Number.POSITIVE_INFINITY : Number(end - base),
  };
}

/**
 * The units as libdw walks them: a unit whose first DIE it cannot read is
 * kept, marked unreadable, and a unit header it cannot get past ends the
 * walk (dwarf_nextcu fails there), with a warning.
 */
function readCompileUnits(
  elf: ElfFile,
  dw: DwarfSections,
  warnings: InputWarning[],
): CompileUnit[] {
  const infoSize = dw.size('.debug_info');
  try {
    return readUnits(dw, {
      tolerant: true,
      runs: true,
      onStop: (offset, cause, unitRead) =>
        warnings.push({
          part: `unit at .debug_info+${offset}`,
          cause: `header: ${causeOf(cause)}`,
          skipped: unitRead
            ? 'every unit after it (it was read up to the section end, as libdw reads it)'
            : `it and every unit after it (${infoSize - offset} bytes of .debug_info)`,
        }),
    });
  } catch (e) {
    throw e instanceof FormatError ? e.withFile(elf.name) : e;
  }
}

/**
 * Units that fail the same way (a missing string section fails them all)
 * make one warning naming how many and the first, not one line each.
 */
function mergeUnitWarnings(warnings: InputWarning[]): InputWarning[] {
  const groups = new Map<string, { first: InputWarning; units: number }>();
  for (const w of warnings) {
    const key = `${w.cause}\0${w.skipped}`;
    const g = groups.get(key);
    const units = unitsWarnedFor.get(w) ?? 1;
    if (g) g.units += units;
    else groups.set(key, { first: w, units });
  }
  return [...groups.values()].map(({ first, units }) =>
    units === 1 || !first.part.startsWith('unit at ')
      ? first
      : {
          part: `${units} units (the first ${first.part.slice('unit '.length)})`,
          cause: first.cause,
          skipped: PLURAL_SKIPPED[first.skipped] ?? `for each: ${first.skipped}`,
        },
  );
}

/** A warning that stands for a run of units skipped alike (`skippedRun`): how many. */
const unitsWarnedFor = new WeakMap<InputWarning, number>();

const PLURAL_SKIPPED: Record<string, string> = {
  'the unit (its line table is not read)': 'the units (their line tables are not read)',
  'its line table': 'their line tables',
  'that string (the unit is read without it, as libdw reads it)':
    'that string of each (the units are read without it, as libdw reads them)',
};

/** The part a unit's warnings name: its offset, and its name when it was read. */
function unitPart(unit: CompileUnit): string {
  return `unit at .debug_info+${unit.offset}${unit.name ? ` (${unit.name})` : ''}`;
}

/** A message of a reader below the file level, without the file name or the unit offset it repeats. */
function causeOf(message: string): string {
  return message.replace(/^\.debug_info unit at \d+: /, '');
}

/**
 * Counts and warns about a unit libdw cannot read (its first DIE) or reads
 * in part (attributes after a broken one). An unrelocated module's units
 * are expected to be unreadable (the generator's own reading): counted, no warning.
 */
function noteUnreadableUnit(
  unit: CompileUnit,
  tolerant: boolean,
  stats: ExtractStats,
  warnings: InputWarning[],
): void {
  if (unit.unreadable !== undefined && !tolerant) {
    const units = unit.skippedRun ?? 1;
    stats.unitsSkipped += units;
    const w = {
      part: unitPart(unit),
      cause: causeOf(unit.unreadable),
      skipped: 'the unit (its line table is not read)',
    };
    if (units !== 1) unitsWarnedFor.set(w, units);
    warnings.push(w);
  }
  if (unit.addressSizeReplaced !== undefined) {
    warnings.push({
      part: unitPart(unit),
      cause: `header: address size ${unit.addressSizeReplaced}`,
      skipped: `that size (read as ${unit.addressSize}, as libdw reads any size but 4 and 8)`,
    });
  }
  if (unit.stringsUnread !== undefined) {
    warnings.push({
      part: unitPart(unit),
      cause: `first DIE: ${unit.stringsUnread}`,
      skipped: 'that string (the unit is read without it, as libdw reads it)',
    });
  }
  if (unit.attributesCut !== undefined) {
    warnings.push({
      part: unitPart(unit),
      cause: `first DIE: ${causeOf(unit.attributesCut)}`,
      skipped: 'the attributes after it (DW_AT_stmt_list came before it: the line table is read)',
    });
  }
}

/** A unit's address ranges; none for a unit whose first DIE could not be read. */
function readUnitRanges(elf: ElfFile, dw: DwarfSections, unit: CompileUnit): AddressRange[] {
  if (unit.unreadable) return [];
  try {
    return unitRanges(dw, unit);
  } catch (e) {
    throw e instanceof FormatError
      ? new FormatError(
          `unit at .debug_info+${unit.offset} (${unit.name ?? '?'}): ${e.message}`,
          elf.name,
        )
      : e;
  }
}

function newStats(units: number, tolerant: boolean): ExtractStats {
  const stats: ExtractStats = {
    units,
    unitsWithLines: 0,
    rowsRead: 0,
    sequences: 0,
    lineVersions: {},
    unitVersions: {},
    unitsSkipped: 0,
  };
  if (tolerant) stats.unitsUnreadable = 0;
  return stats;
}

function countLineTable(stats: ExtractStats, lt: LineTable): void {
  stats.unitsWithLines++;
  stats.rowsRead += lt.rows.count;
  stats.sequences += lt.sequences;
  stats.lineVersions[lt.header.version] = (stats.lineVersions[lt.header.version] ?? 0) + 1;
}

/**
 * One unit's line table, read into `scratch`; undefined when the unit has
 * none, or when `tolerant` and libdw could not read it (counted as unreadable).
 */
function readUnitLineTable(
  dw: DwarfSections,
  unit: CompileUnit,
  tolerant: boolean,
  stats: ExtractStats,
  scratch: LineRows,
  warnings: InputWarning[],
  /** Read as llvm-symbolizer reads it (RuleSet.llvmLineTable). */
  wrap64: boolean,
): LineTable | undefined {
  if (unit.stmtList === undefined) {
    if (unit.unreadable && tolerant) stats.unitsUnreadable! += unit.skippedRun ?? 1;
    return undefined;
  }
  try {
    return readLineTable(dw, unit.stmtList, unit.addressSize, scratch, { wrap64 });
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    // dwarf_getsrclines fails on the whole table, and the generator goes on with the next unit
    if (tolerant) stats.unitsUnreadable!++;
    else {
      stats.unitsSkipped++;
      warnings.push({
        part: unitPart(unit),
        cause: causeOf(e.message),
        skipped: 'its line table',
      });
    }
    return undefined;
  }
}

function newDropCounters(): DropCounters {
  return {
    lineZero: 0,
    noFileName: 0,
    belowBase: 0,
    aboveEnd: 0,
    offsetOver4G: 0,
    notStatement: 0,
    endSequence: 0,
    sameOffset: 0,
    sameFileLine: 0,
  };
}

/** A row's address as an offset from the base (exact: both halves are u32). */
function offsetOf(rows: LineRows, i: number, baseHi: number, baseLo: number): number {
  return (rows.addrHi[i] - baseHi) * 0x100000000 + (rows.addrLo[i] - baseLo);
}

/**
 * Rows at their own sequence's end address (just before its end row): a
 * sequence covers [first row, end row), so the tools never answer from such
 * a row, and the end's "no line" gap must not lose to it (gcc writes one
 * after the last instruction of a .cold part: Debian amd64's
 * `amd_rp_pme_suspend.cold`). Marked 1; undefined when there are none.
 */
export function rowsAtSequenceEnd(rows: LineRows): Uint8Array | undefined {
  let marks: Uint8Array | undefined;
  for (let i = 1; i < rows.count; i++) {
    if (!(rows.flags[i] & ROW.endSequence)) continue;
    for (
      let j = i - 1;
      j >= 0 &&
      !(rows.flags[j] & ROW.endSequence) &&
      rows.addrLo[j] === rows.addrLo[i] &&
      rows.addrHi[j] === rows.addrHi[i];
      j--
    ) {
      marks ??= new Uint8Array(rows.count);
      marks[j] = 1;
    }
  }
  return marks;
}

/**
 * Applies a rule set's filters to the rows of unit after unit, gathering the
 * rows that pass as candidate entries under file ids shared by all units,
 * and counting every row that does not pass by its reason.
 */
class EntryCollector {
  readonly drops = newDropCounters();
  private readonly files: string[] = [];
  private readonly fileIdByName = new Map<string, number>();
  /** Rule sets whose smallest (file, line) wins at an address: upstream's. */
  private readonly upstream: CandidateTable | undefined;
  /** Rule sets whose last row wins at an address. */
  private readonly last: LastRowTable | undefined;
  // Rows that became gap candidates: each is counted by its candidate's fate,
  // not as a dropped row (see finish).
  private endSequenceGaps = 0;
  private lineZeroGaps = 0;
  /** Newest rules: offsets one past each sequence's last byte. */
  private seqEnds: Uint32Array = new Uint32Array(1 << 14);
  private seqEndCount = 0;
  symbolStartCounts: SymbolStartCounts | undefined;
  /** A module under the newest rules: candidates, sequence ends and the finished table per covered section. */
  private readonly perSection: CandidateTable[] | undefined;
  private readonly sectionEnds: number[][] | undefined;
  private sectionTables: (EntryTable | undefined)[] = [];
  /** Rows outside every covered section (counted in aboveEnd too). */
  private uncovered = 0;
  /**
   * Unit-range gaps: the offsets every compile unit's ranges cover, merged
   * into [starts[i], ends[i]), sorted; undefined when the rule set has none.
   */
  private unitStarts: Float64Array | undefined;
  private unitEnds: Float64Array | undefined;
  /** Gap candidates added at the ends of unit ranges (no row behind them). */
  unitRangeGaps = 0;
  /** Each unit's row order is written here (one buffer, grown to the largest unit). */
  private orderScratch = new Uint32Array(1 << 16);

  constructor(
    private readonly rs: RuleSet,
    private readonly bounds: AddressBounds,
    debugLineSize: number,
    /** The ELF file's name, for errors. */
    private readonly fileName: string,
    private readonly onRow: ExtractOptions['onRow'],
    /** Newest rules: build roots, longest first. */
    private readonly roots: readonly string[],
    /** A module under the newest rules: which covered section a (biased) address is in. */
    private readonly sections?: SectionClassifier,
  ) {
    // about one candidate per 8 bytes of .debug_line after the reduction
    // (x86_64), twice that as room: a table is never copied to grow, and
    // untouched room costs no memory
    const capacity = Math.ceil(debugLineSize / 4);
    this.upstream =
      rs.winner === 'smallest' && !sections
        ? new CandidateTable(capacity, rs.symbolStarts)
        : undefined;
    this.last = rs.winner === 'last' ? new LastRowTable(capacity) : undefined;
    if (sections) {
      if (rs.winner !== 'smallest')
        throw new Error('per-section module tables are the newest rules: smallest wins');
      this.perSection = sections.covered.map(() => new CandidateTable(capacity >> 2, true));
      this.sectionEnds = sections.covered.map(() => []);
    }
    if (rs.llvmLineTable) this.drops.unorderedSequence = 0;
  }

  /**
   * Unit-range gaps: every unit's address ranges, merged into the offsets
   * they cover (clamped to [0, end) and 32 bits); rows outside them are no
   * entries, and finish puts a gap entry at the end of each merged range.
   */
  setUnitRanges(perUnit: AddressRange[][]): void {
    const { base, endOffset } = this.bounds;
    const limit = Math.min(endOffset, 0x100000000);
    const spans: [number, number][] = [];
    for (const ranges of perUnit) {
      for (const r of ranges) {
        if (r.hi <= base) continue;
        const lo = r.lo <= base ? 0 : Number(r.lo - base);
        const hi = Math.min(Number(r.hi - base), limit);
        if (lo < hi) spans.push([lo, hi]);
      }
    }
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [lo, hi] of spans) {
      const k = ends.length - 1;
      if (k >= 0 && lo <= ends[k]) ends[k] = Math.max(ends[k], hi);
      else {
        starts.push(lo);
        ends.push(hi);
      }
    }
    this.unitStarts = Float64Array.from(starts);
    this.unitEnds = Float64Array.from(ends);
    this.drops.outsideUnits = 0;
  }

  /** True when some unit's ranges cover the offset (always, without unit-range gaps). */
  private inUnits(offset: number): boolean {
    const starts = this.unitStarts;
    if (!starts) return true;
    // the last merged range starting at or before offset
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && offset < this.unitEnds![lo - 1];
  }

  /** Filters one unit's rows, in libdw's order, into candidates. */
  addUnitRows(unit: CompileUnit, lt: LineTable): void {
    const rows = lt.rows;
    const h = lt.header;
    const { rs, drops, onRow, upstream, last, sections } = this;
    const { baseHi, baseLo } = this.bounds;
    // file index in this table -> file id (-1: not yet resolved, -2: no name)
    const idOfIndex = new Int32Array(h.files.length + 1).fill(-1);
    // onRow sees the rows as read, not the answers an unordered sequence's are replaced by
    const shown = rs.llvmLineTable === true && onRow !== undefined;
    if (shown) {
      for (let i = 0; i < rows.count; i++)
        if (rows.line[i] !== 0)
          showRow(
            onRow,
            offsetOf(rows, i, baseHi, baseLo),
            rows.line[i],
            rows.flags[i],
            lt,
            i,
            unit,
          );
    }
    if (rs.llvmLineTable) drops.unorderedSequence! += llvmSequenceRows(rows);
    if (this.orderScratch.length < rows.count)
      this.orderScratch = new Uint32Array(Math.max(rows.count, 2 * this.orderScratch.length));
    const order = libdwRowOrder(rows, this.orderScratch);
    const boundaries = rs.endSequence === 'boundary';
    const atEnd = rs.endSequence === 'gap' ? rowsAtSequenceEnd(rows) : undefined;
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      const line = rows.line[i];
      const flags = rows.flags[i];
      // the newest generator looks at the end flag first, whatever the line;
      // libdw marks a unit's last row (in its order) as an end row too
      const isBoundary = boundaries && ((flags & ROW.endSequence) !== 0 || k === order.length - 1);
      if (line === 0 && !isBoundary) {
        drops.lineZero++;
        // an end row of line 0, or one at its own sequence's end, is an end gap all the same (weak)
        if (rs.lineZero === 'gap')
          this.addLineZeroGap(
            offsetOf(rows, i, baseHi, baseLo),
            (flags & ROW.endSequence) !== 0 || atEnd?.[i] === 1,
          );
        continue;
      }
      if (onRow && !shown && line !== 0)
        showRow(onRow, offsetOf(rows, i, baseHi, baseLo), line, flags, lt, i, unit);
      if (isBoundary) {
        drops.endSequence++;
        this.recordSequenceEnd(rows, i);
        continue;
      }
      if (rs.stmtOnly && !(flags & ROW.isStmt) && !(flags & ROW.endSequence)) {
        drops.notStatement++;
        continue;
      }
      const fileIndex = rows.file[i];
      let id = fileIndex < idOfIndex.length ? idOfIndex[fileIndex] : -2;
      if (id === -1) {
        // the id itself is given after the address checks, so ids follow first use by a kept row
        const path = libdwFilePath(h, fileIndex, unit.compDir);
        if (path === undefined || path === '') {
          idOfIndex[fileIndex] = -2;
          id = -2;
        }
      }
      if (id === -2) {
        drops.noFileName++;
        continue;
      }
      let offset = offsetOf(rows, i, baseHi, baseLo);
      let into = upstream;
      if (sections) {
        const s = sections.classify(offset);
        if (s < 0) {
          drops.aboveEnd++;
          this.uncovered++;
          continue;
        }
        offset -= sections.covered[s].bias;
        into = this.perSection![s];
      } else if (this.outOfBounds(offset)) continue;
      if (flags & ROW.endSequence && rs.endSequence !== 'keep') {
        this.dropEndSequence(offset);
        continue;
      }
      if (atEnd?.[i]) {
        // its own sequence's end row, a gap, is the answer at this offset
        drops.sameOffset++;
        continue;
      }
      if (!this.inUnits(offset)) {
        drops.outsideUnits!++;
        continue;
      }
      if (id === -1) {
        id = this.fileId(libdwFilePath(h, fileIndex, unit.compDir)!, unit.compDir);
        idOfIndex[fileIndex] = id;
      }
      if (into) into.add(offset, id, line);
      else last!.add(offset, id, line);
    }
  }

  /**
   * Newest rules: an end row's address, one past the sequence, kept as an
   * offset when the byte before it lies in [base, end) (as the generator's
   * classify_seq_end; address 0 never counts).
   */
  private recordSequenceEnd(rows: LineRows, i: number): void {
    if (rows.addrHi[i] === 0 && rows.addrLo[i] === 0) return;
    if (this.sections) {
      // per section, from the byte before the end (as classify_seq_end)
      const last = offsetOf(rows, i, 0, 0) - 1;
      const s = this.sections.classify(last);
      const offset = s < 0 ? 0 : last - this.sections.covered[s].bias + 1;
      if (s >= 0 && offset <= 0xffffffff) this.sectionEnds![s].push(offset);
      return;
    }
    const { baseHi, baseLo, endOffset } = this.bounds;
    const offset = offsetOf(rows, i, baseHi, baseLo);
    if (offset <= 0 || offset - 1 >= endOffset || offset > 0xffffffff) return;
    if (this.seqEndCount === this.seqEnds.length) this.seqEnds = grownU32(this.seqEnds);
    this.seqEnds[this.seqEndCount++] = offset;
  }

  /**
   * Line-0 rule 'gap': the tools have no line here, so a gap entry when the
   * address is in range; an end row's is weak, as any end gap (LastRowTable).
   */
  private addLineZeroGap(offset: number, endRow: boolean): void {
    if (offset >= 0 && offset < this.bounds.endOffset && offset <= 0xffffffff) {
      this.last!.add(offset, 0, 0, endRow);
      this.lineZeroGaps++;
    }
  }

  /** True, with the reason counted, when the offset is below the base, at or past the end, or over 4 GiB. */
  private outOfBounds(offset: number): boolean {
    if (offset < 0) {
      this.drops.belowBase++;
      return true;
    }
    if (offset >= this.bounds.endOffset) {
      this.drops.aboveEnd++;
      return true;
    }
    if (offset > 0xffffffff) {
      this.drops.offsetOver4G++;
      return true;
    }
    return false;
  }

  /** An end-of-sequence row the rule set does not keep: dropped, or a gap candidate. */
  private dropEndSequence(offset: number): void {
    this.drops.endSequence++;
    if (this.rs.endSequence === 'gap') {
      this.last!.add(offset, 0, 0, true);
      this.endSequenceGaps++;
    }
  }

  /** The file id of a file entry's path, normalised as the rule set says; a new id on first sight. */
  private fileId(path: string, compDir: string | undefined): number {
    const normalized =
      this.rs.paths === 'newest'
        ? normalizeNewest(path, compDir, this.roots)
        : normalizeUpstream(path, compDir);
    const name = this.rs.cleanPaths ? cleanPath(normalized) : normalized;
    let fid = this.fileIdByName.get(name);
    if (fid === undefined) {
      fid = this.files.length;
      if (fid >= MAX_FILES) {
        throw new FormatError(
          `more than ${MAX_FILES} distinct file names: the table's u16 file ids cannot hold them`,
          this.fileName,
        );
      }
      this.files.push(name);
      this.fileIdByName.set(name, fid);
    }
    return fid;
  }

  /**
   * A module under the newest rules: sort, synthesis and de-duplication per
   * covered section (the walk restarts at each section; whether it runs at
   * all depends on the rows of every section together, as the generator's
   * one array). Returns `.text`'s table; moduleSections gives them all.
   */
  finishSections(starts: SymbolStarts[]): EntryTable {
    const per = this.perSection!;
    const total = per.reduce((n, c) => n + c.rows, 0);
    const counts: SymbolStartCounts = { synthesized: 0, keptAtStart: 0 };
    this.sectionTables = per.map((c, s) => {
      if (!this.sections!.covered[s].present) return undefined;
      const ends = Uint32Array.from(this.sectionEnds![s]).sort();
      const r = finishNewest(c, this.files, this.drops, starts[s], ends, total);
      counts.synthesized += r.counts.synthesized;
      counts.keptAtStart += r.counts.keptAtStart;
      return r.table;
    });
    this.symbolStartCounts = counts;
    return this.sectionTables[0] ?? emptyTable(this.files);
  }

  /** After finishSections: every present covered section's table, in the generator's order. */
  moduleSections(classifier: SectionClassifier): ModuleSections {
    const { covered, extra } = classifier.sections;
    return {
      sections: covered.flatMap((c, s) =>
        c.present
          ? [
              {
                name: c.name,
                blob: c.blob,
                index: c.index,
                size: c.size,
                bias: c.bias,
                table: this.sectionTables[s] ?? emptyTable(this.files),
              },
            ]
          : [],
      ),
      files: this.files,
      uncoveredRows: this.uncovered,
      otherSections: extra.map((e) => ({ name: e.name, size: e.size })),
    };
  }

  /** Sorts and de-duplicates the candidates into the entry table, counting what that drops. */
  finish(starts: SymbolStarts | undefined): EntryTable {
    const drops = this.drops;
    if (this.upstream && starts) {
      const ends = this.seqEnds.slice(0, this.seqEndCount).sort();
      const r = finishNewest(this.upstream, this.files, drops, starts, ends);
      this.symbolStartCounts = r.counts;
      return r.table;
    }
    if (this.upstream) return this.upstream.finish(this.files, drops);
    const last = this.last!;
    // code past a unit's last range has no line: a gap there, added last so
    // it wins over any candidate at the same offset (none is covered)
    const ends = this.unitEnds;
    if (ends) {
      for (const end of ends) {
        if (end < this.bounds.endOffset && end <= 0xffffffff) last.add(end, 0, 0);
      }
      this.unitRangeGaps = ends.length;
    }
    const r = last.finish(this.files);
    drops.sameOffset += last.replaced + r.notLast;
    drops.sameFileLine += r.sameFileLine;
    // an end row that became a gap candidate is counted by that candidate's
    // fate (an entry, or replaced, or merged), not as a dropped end row
    drops.endSequence -= this.endSequenceGaps;
    drops.lineZero -= this.lineZeroGaps;
    return r.table;
  }
}

/**
 * Shows a row to an `onRow` callback when its offset fits 32 bits; the file
 * name is built only if the callback asks for it.
 */
function showRow(
  onRow: NonNullable<ExtractOptions['onRow']>,
  offset: number,
  line: number,
  flags: number,
  lt: LineTable,
  i: number,
  unit: CompileUnit,
): void {
  if (offset >= 0 && offset <= 0xffffffff) {
    const { header: h, rows } = lt;
    onRow(offset, line, flags, () => {
      const p = libdwFilePath(h, rows.file[i], unit.compDir);
      return p === undefined ? undefined : normalizeUpstream(p, unit.compDir);
    });
  }
}
