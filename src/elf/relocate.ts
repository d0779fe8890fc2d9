import { FormatError } from '../errors.js';
import { type ElfFile, ET, type Section, SHF, SHT } from './elf-file.js';

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
 */
export type RelocationMode = 'none' | 'upstream' | 'full' | 'upstream-line';
/*
 * 'upstream-line' is for attributing differences, not a reading anyone makes:
 * `.debug_line` as upstream relocates it, every other debug section fully.
 */

/** The mode one section is relocated in. */
function sectionMode(mode: RelocationMode, name: string): 'none' | 'upstream' | 'full' {
  if (mode === 'upstream-line') return name === '.debug_line' ? 'upstream' : 'full';
  return mode;
}

/** What a relocation type does to its field. */
type Kind =
  | 'none'
  | 'abs'
  | 'pcrel'
  | 'add'
  | 'sub'
  | 'set'
  /** RISC-V SUB6: the low 6 bits of a byte (DW_CFA_advance_loc). */
  | 'sub6'
  | 'set6'
  /** RISC-V RELAX / ALIGN hints: nothing to write. */
  | 'hint';

interface TypeInfo {
  name: string;
  kind: Kind;
  /** Field width in bytes (ignored for none/hint). */
  size: number;
}

const t = (name: string, kind: Kind, size = 0): TypeInfo => ({ name, kind, size });

/** e_machine -> relocation type -> what it does. Types not listed are counted as unknown. */
const TYPES: Record<number, Record<number, TypeInfo>> = {
  // x86_64
  62: {
    0: t('R_X86_64_NONE', 'none'),
    1: t('R_X86_64_64', 'abs', 8),
    2: t('R_X86_64_PC32', 'pcrel', 4),
    10: t('R_X86_64_32', 'abs', 4),
    11: t('R_X86_64_32S', 'abs', 4),
    24: t('R_X86_64_PC64', 'pcrel', 8),
  },
  // i386
  3: {
    0: t('R_386_NONE', 'none'),
    1: t('R_386_32', 'abs', 4),
    2: t('R_386_PC32', 'pcrel', 4),
  },
  // aarch64
  183: {
    0: t('R_AARCH64_NONE', 'none'),
    256: t('R_AARCH64_NONE', 'none'),
    257: t('R_AARCH64_ABS64', 'abs', 8),
    258: t('R_AARCH64_ABS32', 'abs', 4),
    259: t('R_AARCH64_ABS16', 'abs', 2),
    260: t('R_AARCH64_PREL64', 'pcrel', 8),
    261: t('R_AARCH64_PREL32', 'pcrel', 4),
  },
  // arm
  40: {
    0: t('R_ARM_NONE', 'none'),
    2: t('R_ARM_ABS32', 'abs', 4),
    3: t('R_ARM_REL32', 'pcrel', 4),
    38: t('R_ARM_TARGET1', 'abs', 4),
  },
  // riscv
  243: {
    0: t('R_RISCV_NONE', 'none'),
    1: t('R_RISCV_32', 'abs', 4),
    2: t('R_RISCV_64', 'abs', 8),
    33: t('R_RISCV_ADD8', 'add', 1),
    34: t('R_RISCV_ADD16', 'add', 2),
    35: t('R_RISCV_ADD32', 'add', 4),
    36: t('R_RISCV_ADD64', 'add', 8),
    37: t('R_RISCV_SUB8', 'sub', 1),
    38: t('R_RISCV_SUB16', 'sub', 2),
    39: t('R_RISCV_SUB32', 'sub', 4),
    40: t('R_RISCV_SUB64', 'sub', 8),
    43: t('R_RISCV_ALIGN', 'hint'),
    51: t('R_RISCV_RELAX', 'hint'),
    52: t('R_RISCV_SUB6', 'sub6', 1),
    53: t('R_RISCV_SET6', 'set6', 1),
    54: t('R_RISCV_SET8', 'set', 1),
    55: t('R_RISCV_SET16', 'set', 2),
    56: t('R_RISCV_SET32', 'set', 4),
    57: t('R_RISCV_32_PCREL', 'pcrel', 4),
  },
  // ppc64 (both byte orders)
  21: {
    0: t('R_PPC64_NONE', 'none'),
    1: t('R_PPC64_ADDR32', 'abs', 4),
    26: t('R_PPC64_REL32', 'pcrel', 4),
    38: t('R_PPC64_ADDR64', 'abs', 8),
    44: t('R_PPC64_REL64', 'pcrel', 8),
  },
  // ppc (32-bit)
  20: {
    0: t('R_PPC_NONE', 'none'),
    1: t('R_PPC_ADDR32', 'abs', 4),
    26: t('R_PPC_REL32', 'pcrel', 4),
  },
  // s390 / s390x
  22: {
    0: t('R_390_NONE', 'none'),
    1: t('R_390_8', 'abs', 1),
    3: t('R_390_16', 'abs', 2),
    4: t('R_390_32', 'abs', 4),
    5: t('R_390_PC32', 'pcrel', 4),
    22: t('R_390_64', 'abs', 8),
    23: t('R_390_PC64', 'pcrel', 8),
  },
  // mips (32-bit relocation records only: MIPS64's r_info is laid out differently)
  8: { 0: t('R_MIPS_NONE', 'none'), 2: t('R_MIPS_32', 'abs', 4), 18: t('R_MIPS_64', 'abs', 8) },
  // loongarch
  258: {
    0: t('R_LARCH_NONE', 'none'),
    1: t('R_LARCH_32', 'abs', 4),
    2: t('R_LARCH_64', 'abs', 8),
  },
  // parisc
  15: { 0: t('R_PARISC_NONE', 'none'), 1: t('R_PARISC_DIR32', 'abs', 4) },
};

/** The one type the upstream generator applies, per e_machine (spec section 1). */
const UPSTREAM_ABS32: Record<number, number> = {
  62: 10, // R_X86_64_32
  3: 1, // R_386_32
  183: 258, // R_AARCH64_ABS32
  40: 2, // R_ARM_ABS32
  243: 1, // R_RISCV_32
  21: 1, // R_PPC64_ADDR32
  20: 1, // R_PPC_ADDR32
  22: 4, // R_390_32
  8: 2, // R_MIPS_32
  258: 1, // R_LARCH_32
  15: 1, // R_PARISC_DIR32
};

/** The name of a relocation type, or `type N` for one we do not know. */
export function relocationTypeName(machine: number, type: number): string {
  return TYPES[machine]?.[type]?.name ?? `type ${type}`;
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

/** The `.rel`/`.rela` sections whose target (sh_info) is `target`. */
export function relocationSectionsFor(elf: ElfFile, target: Section): Section[] {
  return elf.sections.filter(
    (s) => (s.type === SHT.RELA || s.type === SHT.REL) && s.info === target.index && s.size > 0,
  );
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
  const report: RelocationReport = {
    section: target.name,
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
  const effective = sectionMode(mode, target.name);
  if (elf.type !== ET.REL || effective === 'none') return report;
  const types = TYPES[elf.machine];
  const upstreamType = UPSTREAM_ABS32[elf.machine];
  const relSections = relocationSectionsFor(elf, target);
  if (relSections.length === 0) return report;
  const syms = elf.symbols();
  if (!syms)
    throw new FormatError(`${target.name} has relocations but there is no symbol table`, elf.name);
  const place = effective === 'full' ? (layout ?? moduleLayout(elf)) : undefined;
  const textIndex = elf.section('.text')?.index ?? -1;
  const le = elf.littleEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mask = elf.is64 ? 0xffffffffffffffffn : 0xffffffffn;

  const readField = (off: number, size: number): bigint => {
    switch (size) {
      case 1:
        return BigInt(bytes[off]);
      case 2:
        return BigInt(view.getUint16(off, le));
      case 4:
        return BigInt(view.getUint32(off, le));
      default:
        return view.getBigUint64(off, le);
    }
  };
  const writeField = (off: number, size: number, v: bigint): void => {
    switch (size) {
      case 1:
        bytes[off] = Number(v & 0xffn);
        break;
      case 2:
        view.setUint16(off, Number(v & 0xffffn), le);
        break;
      case 4:
        view.setUint32(off, Number(v & 0xffffffffn), le);
        break;
      default:
        view.setBigUint64(off, v & 0xffffffffffffffffn, le);
    }
  };

  for (const rs of relSections) {
    const rela = rs.type === SHT.RELA;
    const entsize = elf.is64 ? (rela ? 24 : 16) : rela ? 12 : 8;
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
    report.records += n;
    for (let i = 0; i < n; i++) {
      const o = i * entsize;
      let offset: number;
      let type: number;
      let sym: number;
      let addend = 0n;
      if (elf.is64) {
        offset = Number(rv.getBigUint64(o, le));
        // r_info: sym << 32 | type
        const infoHi = rv.getUint32(o + (le ? 12 : 8), le);
        const infoLo = rv.getUint32(o + (le ? 8 : 12), le);
        sym = infoHi;
        type = infoLo;
        if (rela) addend = rv.getBigInt64(o + 16, le);
      } else {
        offset = rv.getUint32(o, le);
        const info = rv.getUint32(o + 4, le);
        sym = info >>> 8;
        type = info & 0xff;
        if (rela) addend = BigInt(rv.getInt32(o + 8, le));
      }
      const ti = types?.[type];
      if (!ti) {
        const name = relocationTypeName(elf.machine, type);
        report.unknown[name] = (report.unknown[name] ?? 0) + 1;
        continue;
      }
      if (ti.kind === 'none' || ti.kind === 'hint') {
        report.applied++;
        continue;
      }
      if (offset + ti.size > bytes.length) {
        report.outOfRange++;
        continue;
      }
      if (sym >= syms.count) {
        throw new FormatError(
          `${rs.name}: record ${i} names symbol ${sym}, the table has ${syms.count}`,
          elf.name,
        );
      }
      const shndx = syms.shndx[sym];
      let S = syms.values[sym];
      if (place && shndx !== 0 && shndx < SHN_LORESERVE && shndx < place.length) S += place[shndx];
      // REL: the addend is what the field holds
      const A = rela
        ? addend
        : ti.kind === 'sub6' || ti.kind === 'set6'
          ? 0n
          : readField(offset, ti.size);
      if (
        ti.kind === 'abs' &&
        shndx !== textIndex &&
        shndx !== 0 &&
        shndx < SHN_LORESERVE &&
        (elf.sections[shndx]?.flags ?? 0) & SHF.ALLOC
      )
        report.otherCodeSection++;
      const isUpstream = effective === 'upstream';
      if (isUpstream && !(type === upstreamType && target.name === '.debug_line')) {
        report.notApplied++;
        report.notAppliedByType[ti.name] = (report.notAppliedByType[ti.name] ?? 0) + 1;
        if (ti.kind === 'abs' || ti.kind === 'set') {
          if (shndx !== textIndex) report.notAppliedOtherSection++;
          // REL: the field already holds A, only S is lost
          else if (((rela ? S + A : S) & mask) !== 0n) report.notAppliedNonZero++;
        }
        continue;
      }
      const value = S + A;
      switch (ti.kind) {
        case 'abs':
        case 'set':
          writeField(offset, ti.size, value);
          break;
        case 'pcrel': {
          const P = place ? (place[target.index] ?? 0n) + BigInt(offset) : BigInt(offset);
          writeField(offset, ti.size, value - P);
          break;
        }
        case 'add':
          writeField(offset, ti.size, readField(offset, ti.size) + value);
          break;
        case 'sub':
          writeField(offset, ti.size, readField(offset, ti.size) - value);
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
      report.applied++;
    }
  }
  return report;
}

/** True when relocating this file in this mode can change `name`'s bytes. */
export function relocates(elf: ElfFile, mode: RelocationMode, name: string): boolean {
  const effective = sectionMode(mode, name);
  if (elf.type !== ET.REL || effective === 'none') return false;
  if (effective === 'upstream' && name !== '.debug_line') return false;
  const s = elf.section(name);
  return s !== undefined && relocationSectionsFor(elf, s).length > 0;
}
