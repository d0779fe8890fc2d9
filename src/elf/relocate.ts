import { FormatError, type InputWarning } from '../errors.js';
import { newestModuleLayout } from './covered-sections.js';
import { type ElfFile, ET, type Section, SHF, SHT, type SymbolTable } from './elf-file.js';
import {
  type ElfRelocation,
  readRelocation,
  relocationEntrySize,
  relocationRecords,
  relocationSectionsFor,
} from './relocation-records.js';
import {
  NEWEST_ABS32,
  NEWEST_ABS64,
  RELOCATION_TYPES,
  type RelocationType,
  relocationTypeName,
  UPSTREAM_ABS32,
} from './relocation-types.js';

export { relocationSectionsFor, relocationTypeName };

/**
 * Relocation of the debug sections of a relocatable object (ET_REL: a `.ko`
 * or an `ld -r` output). Only ET_REL files are ever relocated: a vmlinux
 * (ET_EXEC, or ET_DYN on arm64) may still carry `.rela.debug_*` sections
 * (from `--emit-relocs`), but its DWARF is final and those must never be
 * applied.
 *
 * Two modes (spec section 1):
 * - 'upstream': what the upstream generator does before reading a module:
 *   only `.debug_line`, and only the architecture's 32-bit absolute type,
 *   value = symbol value + addend. Everything else (the 64-bit
 *   `DW_LNE_set_address` operands, RISC-V's ADD/SUB pairs, `.debug_info`) is
 *   left as the assembler wrote it.
 * - 'full': every supported type in every debug section, as a linker (or
 *   llvm-dwarfdump) would. Symbol values are placed in a module layout (see
 *   `moduleLayout`) so that `.text`, `.init.text`, `.exit.text` ... which all
 *   start at 0 in a `.ko` do not collide: `.text` stays at its own address
 *   (0) and every other allocated section follows it. A sequence thus keeps
 *   its section, and a reader that keeps only `[.text, .text + size)` sees
 *   `.text`'s rows only.
 *
 * `.rel` sections (i386, arm) carry the addend in the field itself: 'full'
 * applies them as `.rela` ones; 'upstream' never reads them, as v4 reads only
 * the section named `.rela.debug_line` (an i386 or arm module's `.debug_line`
 * keeps its fields as the assembler wrote them: the records are counted as
 * not applied). v4's `r_type_abs32` names R_386_32 and R_ARM_ABS32, which
 * only come as `.rel` records: v4 never applies them (a mutant against a
 * symbol of non-zero value shows it, test/elf/relocation-tolerance.test.ts);
 * the newest generator reads `.rel.debug_line` too, and 'upstream-newest'
 * applies it after `.rela.debug_line`, as it does.
 *
 * The generator modes find their sections as the generators do, by name
 * (the last `.debug_line`, `.rela.debug_line`, `.rel.debug_line` and
 * SHT_SYMTAB section: sh_info and sh_link play no part), and read past what
 * libelf and the generators read past (a table or symbol table libelf gives
 * no data for, an sh_entsize of 0 or other than a record's, a symbol index
 * past the table, a field past the section), each as a warning in the
 * report: see `relocateAsGenerator`. The full modes stop with a FormatError
 * on a malformed relocation section.
 *
 * Our reading (not confirmed): upstream writes the value in the host's byte
 * order; we always write the target's, so a big-endian module cross-built on
 * a little-endian host is read as the generator would read it natively.
 *
 * The newest generator (spec section 6) reads a module in its own way, and
 * two more modes model it:
 * - 'upstream-newest': `.debug_line` only, the architecture's 32- and 64-bit
 *   absolute types (its `r_type_abs32` / `r_type_abs64`), value = symbol
 *   value + addend + the synthetic base of the symbol's section when that is
 *   a covered or other code section (src/elf/covered-sections.ts), written in
 *   the target's byte order. `.debug_info` stays unrelocated.
 * - 'full-newest': every supported type in every debug section, code
 *   sections at those same bases and every other allocated section after
 *   them (the true figure, told apart by section as the generator does).
 */
export type RelocationMode =
  | 'none'
  | 'upstream'
  | 'full'
  | 'upstream-line'
  | 'upstream-newest'
  | 'full-newest'
  | 'upstream-newest-line';
/*
 * 'upstream-line' and 'upstream-newest-line' are for attributing differences,
 * not readings anyone makes: `.debug_line` as upstream (or the newest
 * generator) relocates it, every other debug section fully.
 */

type SectionMode = 'none' | 'upstream' | 'full' | 'upstream-newest' | 'full-newest';

/** The mode one section is relocated in. */
function sectionMode(mode: RelocationMode, name: string): SectionMode {
  if (mode === 'upstream-line') return name === '.debug_line' ? 'upstream' : 'full';
  if (mode === 'upstream-newest-line')
    return name === '.debug_line' ? 'upstream-newest' : 'full-newest';
  return mode;
}

/** True for the modes that read `.debug_info` as it is (a generator's), so later units may be garbage. */
export function leavesDebugInfo(mode: RelocationMode): boolean {
  return isGeneratorMode(mode);
}

/** A generator's own reading ('upstream', 'upstream-newest'): `.debug_line` only, found by name, read past as it reads past. */
function isGeneratorMode(
  mode: RelocationMode | SectionMode,
): mode is 'upstream' | 'upstream-newest' {
  return mode === 'upstream' || mode === 'upstream-newest';
}

/** The newest generator's reading of a module for the modes of the v1-v4 one ('upstream' -> 'upstream-newest' ...). */
export function newestMode(mode: RelocationMode): RelocationMode {
  switch (mode) {
    case 'upstream':
      return 'upstream-newest';
    case 'full':
      return 'full-newest';
    case 'upstream-line':
      return 'upstream-newest-line';
    default:
      return mode;
  }
}

/** What relocating one section did. Every relocation record is counted exactly once. */
export interface RelocationReport {
  section: string;
  mode: RelocationMode;
  /**
   * Records read from the `.rel(a)` sections aimed at this section (a
   * generator's mode: those it reads, found by name, as many as it reads,
   * and v4's unread `.rel.debug_line`).
   */
  records: number;
  applied: number;
  /** Known types the mode leaves alone (upstream: everything but the 32-bit absolute type, and every record of `.rel.debug_line`, which v4 never reads). */
  notApplied: number;
  /** Of notApplied: field-writing records whose symbol is not `.text`'s, i.e. the mode keeps another section's addresses at 0 + field. */
  notAppliedOtherSection: number;
  /** Of notApplied: records against `.text` whose value (symbol + addend; REL: the symbol, the field holds the addend) is not 0. */
  notAppliedNonZero: number;
  /**
   * Absolute records (applied or not) against a symbol in an allocated
   * section other than `.text`: in `.debug_line`, the sequences of
   * `.init.text`, `.exit.text`, `.text.unlikely` ...
   */
  otherCodeSection: number;
  /** Of notApplied: type name -> count. */
  notAppliedByType: Record<string, number>;
  /** Unknown types: name -> count. Never applied, never ignored silently. */
  unknown: Record<string, number>;
  /** Records whose field runs past the section. */
  outOfRange: number;
  /**
   * A generator's mode: records of a type it applies that name a symbol past
   * the symbol table (`gelf_getsym` fails: the record is skipped).
   */
  badSymbol: number;
  /**
   * A generator's mode: what of the relocation input it reads past (a table
   * libelf gives no data for, records it cannot read or apply), one warning
   * per cause; see `relocateAsGenerator`.
   */
  warnings: InputWarning[];
}

/** Where each allocated section goes in the module layout of 'full' mode (section index -> address). */
export function moduleLayout(elf: ElfFile): BigUint64Array {
  const addr = new BigUint64Array(elf.sections.length);
  const text = elf.section('.text');
  let next = text ? text.addr + BigInt(text.size) : 0n;
  for (const s of elf.sections) {
    if (!(s.flags & SHF.ALLOC) || s.index === 0) continue;
    if (text && s.index === text.index) {
      addr[s.index] = s.addr;
      continue;
    }
    // never 0: a section after .text must not start where .text does, even if .text is empty
    const align = BigInt(Math.max(16, s.addralign || 1));
    next = ((next + align) / align) * align;
    addr[s.index] = next + s.addr;
    next += s.addr + BigInt(Math.max(s.size, 1));
  }
  return addr;
}

const SHN_LORESERVE = 0xff00;

/**
 * Applies the relocations aimed at `target` to `bytes` (its contents, modified
 * in place) as `mode` says. A no-op for anything but ET_REL. In the full
 * modes, throws FormatError for a malformed relocation section; in a
 * generator's mode, reads past what the generator reads past
 * (`relocateAsGenerator`), each part in `warnings` of the report.
 */
export function relocateSection(
  elf: ElfFile,
  target: Section,
  bytes: Uint8Array,
  mode: RelocationMode,
  layout?: BigUint64Array,
): RelocationReport {
  const report = emptyReport(target.name, mode);
  const effective = sectionMode(mode, target.name);
  if (elf.type !== ET.REL || effective === 'none') return report;
  if (isGeneratorMode(effective)) {
    relocateAsGenerator(elf, target, bytes, effective, report);
    return report;
  }
  const relSections = relocationSectionsFor(elf, target);
  if (relSections.length === 0) return report;
  const syms = elf.symbols();
  if (!syms)
    throw new FormatError(`${target.name} has relocations but there is no symbol table`, elf.name);
  const job = newJob(elf, target, bytes, effective, report, syms, layout);
  const record: ElfRelocation = { offset: 0, symbol: 0, type: 0, addend: 0n };
  for (const rs of relSections) applyRelocationSection(job, rs, record);
  return report;
}

function newJob(
  elf: ElfFile,
  target: Section,
  bytes: Uint8Array,
  effective: SectionMode,
  report: RelocationReport,
  syms: SymbolTable,
  layout?: BigUint64Array,
): SectionRelocation {
  return {
    elf,
    target,
    fields: new SectionFields(bytes, elf.littleEndian),
    report,
    syms,
    types: RELOCATION_TYPES[elf.machine],
    upstreamTypes:
      effective === 'upstream'
        ? [UPSTREAM_ABS32[elf.machine]]
        : [NEWEST_ABS32[elf.machine], NEWEST_ABS64[elf.machine]],
    place: placeOf(elf, effective, layout),
    textIndex: elf.section('.text')?.index ?? -1,
    mask: elf.is64 ? 0xffffffffffffffffn : 0xffffffffn,
  };
}

/**
 * The sections a generator's `apply_debug_line_relocations` finds: walking
 * the sections in order (`elf_nextscn`, a section without a name passed
 * over), the last named `.debug_line`, the last named `.rela.debug_line`
 * (the newest: and `.rel.debug_line`), and the last other one of type
 * SHT_SYMTAB. Their types (but the symbol table's), sh_info and sh_link play
 * no part.
 */
interface GeneratorSections {
  debugLine?: Section;
  rela?: Section;
  rel?: Section;
  symtab?: Section;
}

function generatorSections(elf: ElfFile, newest: boolean): GeneratorSections {
  const found: GeneratorSections = {};
  const unnamed = new Set(elf.unnamedSections);
  for (const s of elf.sections) {
    if (s.index === 0 || unnamed.has(s.index)) continue;
    if (s.name === '.debug_line') found.debugLine = s;
    else if (s.name === '.rela.debug_line') found.rela = s;
    else if (newest && s.name === '.rel.debug_line') found.rel = s;
    else if (s.type === SHT.SYMTAB) found.symtab = s;
  }
  return found;
}

/** The symbol table of a file with none: every symbol index is past it. */
const NO_SYMBOLS: SymbolTable = {
  section: {
    index: 0,
    name: '',
    type: SHT.NULL,
    flags: 0,
    addr: 0n,
    offset: 0,
    size: 0,
    link: 0,
    info: 0,
    addralign: 0,
    entsize: 0,
  },
  count: 0,
  scanned: 0,
  names: [],
  values: new BigUint64Array(0),
  sizes: new Float64Array(0),
  info: new Uint8Array(0),
  shndx: new Uint16Array(0),
};

/** The first skipped record of a kind, and how many there were, for one warning per table. */
interface Skipped {
  count: number;
  record: number;
  what: string;
}

/**
 * `.debug_line` relocated as a generator relocates it before libdw reads a
 * module (v4: `apply_debug_line_relocations`; the newest:
 * `apply_debug_line_relocations`, `apply_dl_reloc_table`,
 * `apply_one_dl_reloc`), reading past what it reads past:
 * - the sections are found by name (`generatorSections`); records aimed
 *   at `.debug_line` (sh_info) from a section of another name are not read;
 *   v4 reads no `.rel.debug_line` at all (i386, arm: its records are counted
 *   as not applied, without a warning: that is v4's reading of every such
 *   module, nothing wrong with the file);
 * - a table or symbol table libelf gives no data for (`ElfFile.dataProblem`:
 *   a size that is no multiple of its type's entry size, bytes past the
 *   file): v4 applies nothing; the newest applies nothing without symbols,
 *   and skips a table without data but applies the other;
 * - sh_entsize 0: v4 divides by it (SIGFPE, the generator dies: we apply
 *   nothing), the newest skips the table;
 * - the generator counts sh_size / sh_entsize records and reads them at the
 *   standard size, `gelf_getrela`/`gelf_getrel` failing past the data (a
 *   larger sh_entsize leaves the last records out) and on data of another
 *   type (a `.rela.debug_line` not SHT_RELA, compressed ...: every record);
 * - a record of a type it applies whose symbol is past the table
 *   (`gelf_getsym` fails), or whose field runs past `.debug_line`: skipped.
 */
function relocateAsGenerator(
  elf: ElfFile,
  target: Section,
  bytes: Uint8Array,
  effective: 'upstream' | 'upstream-newest',
  report: RelocationReport,
): void {
  const newest = effective === 'upstream-newest';
  const who = newest ? 'the newest generator' : 'v4';
  const warn = (part: string, cause: string, skipped: string) =>
    report.warnings.push({ part, cause, skipped });
  const found = generatorSections(elf, newest);
  const tables = [found.rela, found.rel].filter((t): t is Section => t !== undefined);
  const aimed = relocationSectionsFor(elf, target);
  const symtab = found.symtab
    ? elf.symbolTables().find((t) => t.section === found.symtab)
    : undefined;
  // the sections aimed at .debug_line the generator does not read
  const unread = aimed.filter((s) => !tables.includes(s));
  const v4Rel = unread.filter((s) => !newest && s.name === '.rel.debug_line');
  for (const s of unread) {
    if (v4Rel.includes(s)) continue;
    warn(
      s.name,
      `its relocation records aim at ${target.name} (sh_info ${target.index}), but ${who} takes them from the section named .rela.debug_line${newest ? ' or .rel.debug_line' : ''} only`,
      'its records (not applied)',
    );
  }
  const job = newJob(elf, target, bytes, effective, report, symtab ?? elf.symbols() ?? NO_SYMBOLS);
  const record: ElfRelocation = { offset: 0, symbol: 0, type: 0, addend: 0n };
  // v4's .rel.debug_line: counted, never applied
  for (const s of v4Rel) countUnread(job, s);
  if (target.name !== '.debug_line' || tables.length === 0) return;
  const all = 'every relocation of .debug_line';
  if (found.debugLine !== target) {
    warn(
      target.name,
      `section ${found.debugLine?.index} is named .debug_line too: ${who} relocates that one (the last of the name), libdw reads this one`,
      `${all} (${who} applies none to the section libdw reads)`,
    );
    return;
  }
  if (!found.symtab || !symtab) {
    warn(tables[0].name, 'there is no symbol table (SHT_SYMTAB)', `${all} (${who} applies none)`);
    return;
  }
  const symProblem =
    found.symtab.flags & SHF.COMPRESSED
      ? 'flagged SHF_COMPRESSED: gelf_getsym reads no symbol from it'
      : elf.dataProblem(found.symtab);
  if (symProblem !== undefined) {
    warn(found.symtab.name, symProblem, `${all} (${who} applies none without symbols)`);
    return;
  }
  // v4 reads its one table's data before it divides by sh_entsize: no data, no relocation
  const order = newest ? [found.rela, found.rel] : [found.rela];
  for (const rs of order) {
    if (!rs) continue;
    const rela = rs === found.rela;
    const problem = elf.dataProblem(rs);
    if (problem !== undefined) {
      warn(
        rs.name,
        problem,
        newest ? 'its records (the newest generator skips the table)' : `${all} (v4 applies none)`,
      );
      continue;
    }
    applyGeneratorTable(job, rs, rela, record, who);
  }
}

/** Reads one `.rela.debug_line` (`rela`) or `.rel.debug_line` whose data libelf gives, as the generator does. */
function applyGeneratorTable(
  job: SectionRelocation,
  rs: Section,
  rela: boolean,
  record: ElfRelocation,
  who: string,
): void {
  const { elf, report } = job;
  const warn = (cause: string, skipped: string) =>
    report.warnings.push({ part: rs.name, cause, skipped });
  const entsize = relocationEntrySize(elf, rela);
  const whole = Math.floor(rs.size / entsize);
  if (rs.entsize === 0) {
    warn(
      'sh_entsize is 0',
      who === 'v4'
        ? `its ${whole} records (v4 divides sh_size by sh_entsize and dies of SIGFPE)`
        : `its ${whole} records (the newest generator skips the table)`,
    );
    return;
  }
  const wantType = rela ? SHT.RELA : SHT.REL;
  if (rs.type !== wantType || rs.flags & SHF.COMPRESSED) {
    // elf_getdata hands such data over as bytes (or a compression header):
    // gelf_getrela / gelf_getrel read no record from it
    warn(
      rs.flags & SHF.COMPRESSED
        ? 'flagged SHF_COMPRESSED'
        : `of type ${rs.type}, not ${rela ? 'SHT_RELA' : 'SHT_REL'}`,
      `its records (${rela ? 'gelf_getrela' : 'gelf_getrel'} reads none from it)`,
    );
    return;
  }
  const counted = Math.floor(rs.size / rs.entsize);
  const n = Math.min(counted, whole);
  if (n < whole)
    warn(
      `sh_entsize ${rs.entsize} is not ${entsize}: ${who} counts sh_size / sh_entsize = ${counted} records and reads them ${entsize} bytes apart`,
      `its last ${whole - n} of ${whole} records`,
    );
  const raw = elf.contents(rs).bytes;
  const rv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const skips: { badSymbol?: Skipped; outOfRange?: Skipped } = {};
  report.records += n;
  for (let i = 0; i < n; i++) {
    readRelocation(rv, i * entsize, elf.is64, elf.littleEndian, rela, record);
    applyGeneratorRecord(job, i, rela, record, skips);
  }
  const those = (k: Skipped) => (k.count === 1 ? 'that record' : 'those records');
  const b = skips.badSymbol;
  if (b)
    warn(
      `${b.count === 1 ? 'a record names' : `${b.count} records name`} a symbol past ${job.syms.section.name} (record ${b.record}: ${b.what})`,
      `${those(b)} (gelf_getsym fails)`,
    );
  const o = skips.outOfRange;
  if (o)
    warn(
      `${o.count === 1 ? 'a record patches' : `${o.count} records patch`} bytes past the end of ${job.target.name} (record ${o.record}: ${o.what})`,
      those(o),
    );
}

/** One record as the generator's loop takes it: a type it applies, a symbol in the table, a field in the section. */
function applyGeneratorRecord(
  job: SectionRelocation,
  i: number,
  rela: boolean,
  rec: ElfRelocation,
  skips: { badSymbol?: Skipped; outOfRange?: Skipped },
): void {
  const { report } = job;
  const ti = countKind(job, rec);
  if (!ti) return;
  const known = rec.symbol < job.syms.count;
  if (!job.upstreamTypes.includes(rec.type)) {
    countNotAppliedRecord(job, ti, rela, rec, known);
    return;
  }
  const shndx = known ? job.syms.shndx[rec.symbol] : 0;
  if (known && ti.kind === 'abs' && inOtherAllocatedSection(job, shndx)) report.otherCodeSection++;
  if (!known) {
    report.badSymbol++;
    skips.badSymbol ??= {
      count: 0,
      record: i,
      what: `symbol ${rec.symbol}, the table has ${job.syms.count}`,
    };
    skips.badSymbol.count++;
    return;
  }
  if (rec.offset + ti.size > job.fields.bytes.length) {
    report.outOfRange++;
    skips.outOfRange ??= {
      count: 0,
      record: i,
      what: `${ti.size} bytes at ${rec.offset}, the section has ${job.fields.bytes.length}`,
    };
    skips.outOfRange.count++;
    return;
  }
  const S = symbolValue(job, rec.symbol, shndx);
  // REL: the addend is what the field holds
  const A = rela ? rec.addend : job.fields.read(rec.offset, ti.size);
  writeRelocated(job, ti, rec.offset, S + A);
  report.applied++;
}

/**
 * The type of a record, counted in the report when it writes nothing
 * (unknown, or a none/hint type); undefined then.
 */
function countKind(job: SectionRelocation, rec: ElfRelocation): RelocationType | undefined {
  const { report } = job;
  const ti = job.types?.[rec.type];
  if (!ti) {
    const name = relocationTypeName(job.elf.machine, rec.type);
    report.unknown[name] = (report.unknown[name] ?? 0) + 1;
    return undefined;
  }
  if (ti.kind === 'none' || ti.kind === 'hint') {
    report.applied++;
    return undefined;
  }
  return ti;
}

/** A record of a known, field-writing type the mode leaves alone, its symbol's section counted when the table has it. */
function countNotAppliedRecord(
  job: SectionRelocation,
  ti: RelocationType,
  rela: boolean,
  rec: ElfRelocation,
  known: boolean,
): void {
  if (!known) {
    job.report.notApplied++;
    job.report.notAppliedByType[ti.name] = (job.report.notAppliedByType[ti.name] ?? 0) + 1;
    return;
  }
  const shndx = job.syms.shndx[rec.symbol];
  if (ti.kind === 'abs' && inOtherAllocatedSection(job, shndx)) job.report.otherCodeSection++;
  const S = symbolValue(job, rec.symbol, shndx);
  // REL: the field already holds A, only S is lost
  countNotApplied(job, ti, shndx, rela ? S + rec.addend : S);
}

/** The records of a table the mode does not read (v4's `.rel.debug_line`), counted as not applied. */
function countUnread(job: SectionRelocation, rs: Section): void {
  const { elf } = job;
  if (elf.dataProblem(rs) !== undefined || rs.flags & SHF.COMPRESSED) return;
  const rela = rs.type === SHT.RELA;
  const records = relocationRecords(elf, rs);
  job.report.records += records.length;
  for (const r of records) {
    const ti = countKind(job, r);
    if (ti) countNotAppliedRecord(job, ti, rela, r, r.symbol < job.syms.count);
  }
}

/** Where symbols' sections are placed in this mode (undefined: where the file says, 0 in a `.ko`). */
function placeOf(
  elf: ElfFile,
  mode: SectionMode,
  layout: BigUint64Array | undefined,
): BigUint64Array | undefined {
  switch (mode) {
    case 'full':
      return layout ?? moduleLayout(elf);
    case 'upstream-newest':
      return newestModuleLayout(elf).bias;
    case 'full-newest':
      return newestModuleLayout(elf).full;
    default:
      return undefined;
  }
}

function emptyReport(section: string, mode: RelocationMode): RelocationReport {
  return {
    section,
    mode,
    records: 0,
    applied: 0,
    notApplied: 0,
    notAppliedOtherSection: 0,
    notAppliedNonZero: 0,
    otherCodeSection: 0,
    notAppliedByType: {},
    unknown: {},
    outOfRange: 0,
    badSymbol: 0,
    warnings: [],
  };
}

/** What applying the records aimed at one section needs, and the report they go to. */
interface SectionRelocation {
  elf: ElfFile;
  target: Section;
  fields: SectionFields;
  report: RelocationReport;
  syms: SymbolTable;
  /** The machine's types; undefined for a machine we know none of. */
  types: Record<number, RelocationType> | undefined;
  /** The types a generator's mode applies (undefined entries: none for this machine). */
  upstreamTypes: (number | undefined)[];
  /** The module layout (section index -> address), when the mode moves sections. */
  place: BigUint64Array | undefined;
  textIndex: number;
  /** The machine's address width. */
  mask: bigint;
}

/** The fields of the section being relocated, read and written in the target's byte order. */
class SectionFields {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly le: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  read(off: number, size: number): bigint {
    switch (size) {
      case 1:
        return BigInt(this.bytes[off]);
      case 2:
        return BigInt(this.view.getUint16(off, this.le));
      case 4:
        return BigInt(this.view.getUint32(off, this.le));
      default:
        return this.view.getBigUint64(off, this.le);
    }
  }

  /** Writes the low `size` bytes of `v`. */
  write(off: number, size: number, v: bigint): void {
    switch (size) {
      case 1:
        this.bytes[off] = Number(v & 0xffn);
        break;
      case 2:
        this.view.setUint16(off, Number(v & 0xffffn), this.le);
        break;
      case 4:
        this.view.setUint32(off, Number(v & 0xffffffffn), this.le);
        break;
      default:
        this.view.setBigUint64(off, v & 0xffffffffffffffffn, this.le);
    }
  }
}

/** Applies the records of one `.rel`/`.rela` section; `record` is scratch, refilled per record. */
function applyRelocationSection(job: SectionRelocation, rs: Section, record: ElfRelocation): void {
  const { elf } = job;
  const rela = rs.type === SHT.RELA;
  const entsize = relocationEntrySize(elf, rela);
  if (rs.link !== 0 && elf.sections[rs.link]?.type !== SHT.SYMTAB) {
    // relocations against a symbol table we do not read (not .symtab): refuse
    throw new FormatError(
      `${rs.name}: its symbol table (section ${rs.link}) is not .symtab`,
      elf.name,
    );
  }
  const raw = elf.contents(rs).bytes;
  if (raw.length % entsize !== 0)
    throw new FormatError(
      `${rs.name}: size ${raw.length} is not a multiple of ${entsize}`,
      elf.name,
    );
  const rv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length / entsize;
  job.report.records += n;
  for (let i = 0; i < n; i++) {
    readRelocation(rv, i * entsize, elf.is64, elf.littleEndian, rela, record);
    applyRecord(job, rs, i, rela, record);
  }
}

/** Applies (or counts why it does not apply) record `i` of `rs`. */
function applyRecord(
  job: SectionRelocation,
  rs: Section,
  i: number,
  rela: boolean,
  rec: ElfRelocation,
): void {
  const { report } = job;
  const ti = job.types?.[rec.type];
  if (!ti) {
    const name = relocationTypeName(job.elf.machine, rec.type);
    report.unknown[name] = (report.unknown[name] ?? 0) + 1;
    return;
  }
  if (ti.kind === 'none' || ti.kind === 'hint') {
    report.applied++;
    return;
  }
  if (rec.offset + ti.size > job.fields.bytes.length) {
    report.outOfRange++;
    return;
  }
  if (rec.symbol >= job.syms.count) {
    throw new FormatError(
      `${rs.name}: record ${i} names symbol ${rec.symbol}, the table has ${job.syms.count}`,
      job.elf.name,
    );
  }
  const shndx = job.syms.shndx[rec.symbol];
  const S = symbolValue(job, rec.symbol, shndx);
  // REL: the addend is what the field holds
  const A = rela
    ? rec.addend
    : ti.kind === 'sub6' || ti.kind === 'set6'
      ? 0n
      : job.fields.read(rec.offset, ti.size);
  if (ti.kind === 'abs' && inOtherAllocatedSection(job, shndx)) report.otherCodeSection++;
  writeRelocated(job, ti, rec.offset, S + A);
  report.applied++;
}

/** S: the symbol's value, moved to its section's place in the module layout of the mode, if any. */
function symbolValue(job: SectionRelocation, sym: number, shndx: number): bigint {
  const place = job.place;
  let S = job.syms.values[sym];
  if (place && shndx !== 0 && shndx < SHN_LORESERVE && shndx < place.length) S += place[shndx];
  return S;
}

/** True when section `shndx` is allocated and not `.text` (`.init.text`, `.exit.text` ...). */
function inOtherAllocatedSection(job: SectionRelocation, shndx: number): boolean {
  return (
    shndx !== job.textIndex &&
    shndx !== 0 &&
    shndx < SHN_LORESERVE &&
    ((job.elf.sections[shndx]?.flags ?? 0) & SHF.ALLOC) !== 0
  );
}

/** A record the upstream mode leaves alone; `lost` is the value the field goes without. */
function countNotApplied(
  job: SectionRelocation,
  ti: RelocationType,
  shndx: number,
  lost: bigint,
): void {
  const { report } = job;
  report.notApplied++;
  report.notAppliedByType[ti.name] = (report.notAppliedByType[ti.name] ?? 0) + 1;
  if (ti.kind === 'abs' || ti.kind === 'set') {
    if (shndx !== job.textIndex) report.notAppliedOtherSection++;
    else if ((lost & job.mask) !== 0n) report.notAppliedNonZero++;
  }
}

/** Writes `value` (S + A) into the field at `offset` as the type's kind says. */
function writeRelocated(
  job: SectionRelocation,
  ti: RelocationType,
  offset: number,
  value: bigint,
): void {
  const { fields, place } = job;
  const { bytes } = fields;
  switch (ti.kind) {
    case 'abs':
    case 'set':
      fields.write(offset, ti.size, value);
      break;
    case 'pcrel': {
      const P = place ? (place[job.target.index] ?? 0n) + BigInt(offset) : BigInt(offset);
      fields.write(offset, ti.size, value - P);
      break;
    }
    case 'add':
      fields.write(offset, ti.size, fields.read(offset, ti.size) + value);
      break;
    case 'sub':
      fields.write(offset, ti.size, fields.read(offset, ti.size) - value);
      break;
    case 'sub6': {
      const old = bytes[offset];
      bytes[offset] = (old & 0xc0) | Number((BigInt(old & 0x3f) - value) & 0x3fn);
      break;
    }
    case 'set6': {
      const old = bytes[offset];
      bytes[offset] = (old & 0xc0) | Number(value & 0x3fn);
      break;
    }
  }
}

/**
 * True when the mode relocates `name` as a generator does, in its bytes as
 * `elf_getdata` hands them over before libdw reads the file: a compressed
 * section's stored bytes (compression header and compressed data), which
 * libdw then decompresses as patched (src/dwarf/sections.ts).
 */
export function patchesStoredBytes(mode: RelocationMode, name: string): boolean {
  const effective = sectionMode(mode, name);
  return isGeneratorMode(effective) && name === '.debug_line';
}

/** True when relocating this file in this mode can change `name`'s bytes. */
export function relocates(elf: ElfFile, mode: RelocationMode, name: string): boolean {
  const effective = sectionMode(mode, name);
  if (elf.type !== ET.REL || effective === 'none') return false;
  const s = elf.section(name);
  if (s === undefined) return false;
  if (isGeneratorMode(effective)) {
    if (name !== '.debug_line') return false;
    // found by name, whatever their sh_info (relocateAsGenerator)
    const named = (n: string) => elf.sections.some((x) => x.index !== 0 && x.name === n);
    if (named('.rela.debug_line') || named('.rel.debug_line')) return true;
  }
  return relocationSectionsFor(elf, s).length > 0;
}
