import { FormatError } from '../errors.js';
import { newestModuleLayout } from './covered-sections.js';
import { type ElfFile, ET, type Section, SHF, SHT, type SymbolTable } from './elf-file.js';
import {
  type ElfRelocation,
  readRelocation,
  relocationEntrySize,
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
 * `.rel` sections (i386, arm) carry the addend in the field itself; both
 * modes apply them as `.rela` ones (our reading for upstream: the spec's list
 * of types includes R_386_32 and R_ARM_ABS32, which only come as `.rel`).
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
  /** Records read from the `.rel(a)` sections aimed at this section. */
  records: number;
  applied: number;
  /** Known types the mode leaves alone (upstream: everything but the 32-bit absolute type). */
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
 * in place) as `mode` says. A no-op for anything but ET_REL. Throws
 * FormatError for a malformed relocation section.
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
  const relSections = relocationSectionsFor(elf, target);
  if (relSections.length === 0) return report;
  const syms = elf.symbols();
  if (!syms)
    throw new FormatError(`${target.name} has relocations but there is no symbol table`, elf.name);
  const job: SectionRelocation = {
    elf,
    target,
    fields: new SectionFields(bytes, elf.littleEndian),
    report,
    syms,
    upstream: effective === 'upstream' || effective === 'upstream-newest',
    types: RELOCATION_TYPES[elf.machine],
    upstreamTypes:
      effective === 'upstream'
        ? [UPSTREAM_ABS32[elf.machine]]
        : [NEWEST_ABS32[elf.machine], NEWEST_ABS64[elf.machine]],
    place: placeOf(elf, effective, layout),
    textIndex: elf.section('.text')?.index ?? -1,
    mask: elf.is64 ? 0xffffffffffffffffn : 0xffffffffn,
  };
  const record: ElfRelocation = { offset: 0, symbol: 0, type: 0, addend: 0n };
  for (const rs of relSections) applyRelocationSection(job, rs, record);
  return report;
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
  };
}

/** What applying the records aimed at one section needs, and the report they go to. */
interface SectionRelocation {
  elf: ElfFile;
  target: Section;
  fields: SectionFields;
  report: RelocationReport;
  syms: SymbolTable;
  /** A generator's mode: only `upstreamTypes` in `.debug_line` are applied. */
  upstream: boolean;
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
  if (
    job.upstream &&
    !(job.upstreamTypes.includes(rec.type) && job.target.name === '.debug_line')
  ) {
    // REL: the field already holds A, only S is lost
    countNotApplied(job, ti, shndx, rela ? S + A : S);
    return;
  }
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

/** True when relocating this file in this mode can change `name`'s bytes. */
export function relocates(elf: ElfFile, mode: RelocationMode, name: string): boolean {
  const effective = sectionMode(mode, name);
  if (elf.type !== ET.REL || effective === 'none') return false;
  if ((effective === 'upstream' || effective === 'upstream-newest') && name !== '.debug_line')
    return false;
  const s = elf.section(name);
  return s !== undefined && relocationSectionsFor(elf, s).length > 0;
}
