import { inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { FormatError, type InputWarning } from '../errors.js';
import { ByteReader, HOST_LITTLE_ENDIAN, stringAt } from '../util/bytes.js';
import { type ArchInfo, archOf } from './machine.js';
import { type ByteSource, FileSource } from './source.js';

export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
} as const;
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4, COMPRESSED: 0x800 } as const;
export const ET = { REL: 1, EXEC: 2, DYN: 3 } as const;
/** The largest section we decompress: a typed array's limit in Node 20 (4 GiB less one byte is not). */
const MAX_DECOMPRESSED = 2 ** 31 - 1;
/** A symbol's name offset when its name lies outside the string table (it has none). */
const NO_NAME = 0xffffffff;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;

export interface Section {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  align: number;
}

export interface SymbolTable {
  /** The `SHT_SYMTAB` section it was read from. */
  section: Section;
  count: number;
  /** How many of them the generator's loops visit: sh_size / sh_entsize (at most count). */
  scanned: number;
  /** Decoded on first use: a vmlinux has over 100,000 names and most reads need none of them. */
  readonly names: string[];
  values: BigUint64Array;
  sizes: Float64Array;
  /** st_info: binding << 4 | type. */
  info: Uint8Array;
  shndx: Uint16Array;
}

/** e_machine values whose ELF64 `SHT_HASH` entries are 8 bytes to libelf (elf-knowledge.h SH_ENTSIZE_HASH). */
const EM_S390 = 22;
const EM_ALPHA = 0x9026;

/**
 * The size libelf 0.188 requires sh_size to be a multiple of for a section of
 * this type (`__libelf_set_rawdata_wrlock`: the size of the ELF data type its
 * `shtype_map` maps the type to), or 1 when any size will do. Measured with
 * the installed libelf for every type 0..19 and 0x6ffffff4..0x6fffffff, both
 * classes: SHT_NOTE, SHT_GNU_verdef and (ELF64) SHT_GNU_HASH are read as
 * bytes whatever their size, as is every type it maps to no structure.
 */
export function libelfEntrySize(is64: boolean, machine: number, type: number): number {
  switch (type) {
    case 2: // SHT_SYMTAB
    case 11: // SHT_DYNSYM: ELF_T_SYM
      return is64 ? 24 : 16;
    case 4: // SHT_RELA
      return is64 ? 24 : 12;
    case 6: // SHT_DYNAMIC: ELF_T_DYN
    case 9: // SHT_REL
      return is64 ? 16 : 8;
    case 5: // SHT_HASH: SH_ENTSIZE_HASH
      return is64 && (machine === EM_ALPHA || machine === EM_S390) ? 8 : 4;
    case 14: // SHT_INIT_ARRAY
    case 15: // SHT_FINI_ARRAY
    case 16: // SHT_PREINIT_ARRAY: ELF_T_ADDR
      return is64 ? 8 : 4;
    case 17: // SHT_GROUP
    case 18: // SHT_SYMTAB_SHNDX: ELF_T_WORD
    case 0x6ffffffc: // SHT_SUNW_syminfo: ELF_T_SYMINFO (two halves)
      return 4;
    case 0x6ffffff6: // SHT_GNU_HASH: ELF_T_GNUHASH, bytes in ELF64
      return is64 ? 1 : 4;
    case 0x6ffffff7: // SHT_GNU_LIBLIST: ELF_T_LIB
      return 20;
    case 0x6ffffffa: // SHT_SUNW_move: ELF_T_MOVE (28 bytes in both classes, as measured)
      return 28;
    case 0x6ffffffe: // SHT_GNU_verneed: ELF_T_VNEED
      return 16;
    case 0x6fffffff: // SHT_GNU_versym: ELF_T_HALF
      return 2;
    default:
      return 1;
  }
}

/**
 * Why libelf 0.188 gives no data for a section (`elf_getdata`,
 * `elf_rawdata`: `__libelf_set_rawdata_wrlock` fails), or undefined when it
 * gives some. A section of no size or of type SHT_NOBITS always has data
 * (none); a compressed one (SHF_COMPRESSED) is taken as bytes, whatever its
 * type; any other must have a size that is a multiple of its type's entry
 * size (`libelfEntrySize`: sh_entsize and sh_addralign play no part), else
 * ELF_E_INVALID_DATA; and its bytes must lie in the file, else
 * ELF_E_INVALID_SECTION_HEADER. The generator then reads no symbols from such
 * a symbol table, and libdw fails dwarf_begin_elf on such a debug section.
 */
export function libelfDataProblem(
  s: Section,
  is64: boolean,
  machine: number,
  fileSize: number,
): string | undefined {
  if (s.size === 0 || s.type === SHT.NOBITS) return undefined;
  if (!(s.flags & SHF.COMPRESSED)) {
    const entry = libelfEntrySize(is64, machine, s.type);
    if (s.size % entry !== 0)
      return `sh_size ${s.size} is not a multiple of ${entry}, the size of an entry of its type (sh_type ${s.type}): libelf gives no data for it`;
  }
  if (s.offset + s.size > fileSize)
    return `its bytes (${s.size} at ${s.offset}) end past the end of the file (${fileSize} bytes)`;
  return undefined;
}

/**
 * The fields (their widths in bytes, in order) of one record of the ELF data
 * type libelf converts a section of this type to (`elf_getdata`:
 * `convert_data`, gelf_xlate.h) when the file's byte order is not the
 * host's: each field's bytes are reversed, record by record. Undefined for
 * a type it hands over as bytes; null for a type whose records libelf walks
 * as a chain (notes, version definitions and needs, ELF64 GNU hash tables)
 * or lays out unlike the file (SHT_SUNW_move), not modelled here.
 */
export function libelfRecordFields(
  is64: boolean,
  machine: number,
  type: number,
): readonly number[] | null | undefined {
  const w = is64 ? 8 : 4;
  switch (type) {
    case 2: // SHT_SYMTAB
    case 11: // SHT_DYNSYM
      return is64 ? [4, 1, 1, 2, 8, 8] : [4, 4, 4, 1, 1, 2];
    case 4: // SHT_RELA
      return [w, w, w];
    case 6: // SHT_DYNAMIC
    case 9: // SHT_REL
      return [w, w];
    case 5: // SHT_HASH
      return [libelfEntrySize(is64, machine, type)];
    case 14: // SHT_INIT_ARRAY
    case 15: // SHT_FINI_ARRAY
    case 16: // SHT_PREINIT_ARRAY
      return [w];
    case 17: // SHT_GROUP
    case 18: // SHT_SYMTAB_SHNDX
      return [4];
    case 0x6ffffffc: // SHT_SUNW_syminfo
      return [2, 2];
    case 0x6ffffff7: // SHT_GNU_LIBLIST
      return [4, 4, 4, 4, 4];
    case 0x6fffffff: // SHT_GNU_versym
      return [2];
    case 0x6ffffff6: // SHT_GNU_HASH
      return is64 ? null : [4];
    case 0x6ffffffa: // SHT_SUNW_move
    case 0x6ffffffd: // SHT_GNU_verdef
    case 0x6ffffffe: // SHT_GNU_verneed
      return null;
    default:
      return undefined;
  }
}

/**
 * `bytes` as libelf hands them over converted record by record (fields of
 * `fields`' widths, each reversed), a copy; bytes after the last whole
 * record are kept as they are.
 */
export function convertRecords(bytes: Uint8Array, fields: readonly number[]): Uint8Array {
  const out = bytes.slice();
  let record = 0;
  for (const f of fields) record += f;
  const whole = bytes.length - (bytes.length % record);
  for (let r = 0; r < whole; r += record) {
    let at = r;
    for (const f of fields) {
      for (let i = 0; i < f; i++) out[at + i] = bytes[at + f - 1 - i];
      at += f;
    }
  }
  return out;
}

const SHT_NOTE = 7;

/**
 * `bytes` of a SHT_NOTE section as libelf hands them over converted
 * (`elf_cvt_note`): note by note, the three header words reversed, name and
 * descriptor kept, each padded to 4 bytes (8 when sh_addralign is 8: GNU
 * property notes); the first note that does not fit what is left has its
 * header reversed too, and the bytes after it are kept as they are
 * (measured on libelf 0.188). A copy.
 */
export function convertNotes(
  bytes: Uint8Array,
  align8: boolean,
  littleEndian: boolean,
): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unit = align8 ? 8 : 4;
  const align = (n: number) => Math.ceil(n / unit) * unit;
  let pos = 0;
  while (bytes.length - pos >= 12) {
    for (let w = pos; w < pos + 12; w += 4)
      for (let i = 0; i < 4; i++) out[w + i] = bytes[w + 3 - i];
    const left = bytes.length - pos;
    let len = align(12 + view.getUint32(pos, littleEndian));
    if (len > left) break;
    len = align(len + view.getUint32(pos + 4, littleEndian));
    if (len > left) break;
    pos += len;
  }
  return out;
}

/** A compressed section's bytes, or why libelf would not decompress them. */
export type Decompressed =
  | { bytes: Uint8Array; compression: 'zlib' | 'zstd' }
  | { problem: string };

/** How a section's bytes were stored, for reports. */
export interface SectionContents {
  bytes: Uint8Array;
  compression: 'none' | 'zlib' | 'zstd';
  /** Size in the file (compressed size for compressed sections). */
  storedSize: number;
}

/**
 * An ELF file: header, sections by name, symbols, program headers and
 * (decompressed) section contents. ELF32/ELF64 in either byte order.
 */
export class ElfFile {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  readonly type: number;
  readonly machine: number;
  readonly entry: bigint;
  readonly sections: (Section & { nameOffset: number })[];
  readonly programHeaders: ProgramHeader[];
  /**
   * Parts of the file read past, as libelf reads past them (program headers,
   * an unknown machine, symbol names outside their string table ...).
   */
  readonly warnings: InputWarning[] = [];
  /** The section holding the section names (e_shstrndx), if any. */
  sectionNameTable?: Section;
  /**
   * Why libelf reads no section name at all, when the section name table is
   * flagged SHF_COMPRESSED and does not decompress (the names are then read
   * from its bytes as they are, to describe the file; libdw reads no DWARF).
   */
  sectionNamesProblem?: string;
  /** Sections whose name lies outside the section name table (libelf gives them none). */
  readonly unnamedSections: number[] = [];
  private symtabCache?: SymbolTable | null;
  private allSymtabs?: SymbolTable[];
  /** Where each symbol's name starts in its string table (filled as each table is read). */
  private readonly symbolNames = new Map<
    SymbolTable,
    { offsets: Uint32Array; strings: Uint8Array }
  >();
  private readonly byName = new Map<string, Section>();
  private readonly decompressions = new Map<number, Decompressed>();

  static open(path: string): ElfFile {
    const src = new FileSource(path);
    try {
      return new ElfFile(src);
    } catch (e) {
      src.close();
      throw e instanceof FormatError ? e.withFile(path) : e;
    }
  }

  constructor(readonly source: ByteSource) {
    const name = source.name;
    if (source.size < 16)
      throw new FormatError(`not an ELF file (${source.size} bytes, too short)`, name);
    const ident = source.read(0, 16);
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      throw new FormatError('not an ELF file (no \\x7fELF magic)', name);
    }
    if (ident[4] !== 1 && ident[4] !== 2)
      throw new FormatError(`unknown ELF class ${ident[4]}`, name);
    if (ident[5] !== 1 && ident[5] !== 2)
      throw new FormatError(`unknown ELF data encoding ${ident[5]}`, name);
    // libelf opens no other version (the generator stops there too)
    if (ident[6] !== 1)
      throw new FormatError(`unknown ELF version ${ident[6]} (e_ident[EI_VERSION])`, name);
    this.is64 = ident[4] === 2;
    this.littleEndian = ident[5] === 1;
    const ehsize = this.is64 ? 64 : 52;
    if (source.size < ehsize)
      throw new FormatError(
        `truncated: ELF header needs ${ehsize} bytes, file has ${source.size}`,
        name,
      );
    const h = new ByteReader(source.read(0, ehsize), this.littleEndian, `${name}: ELF header`, 16);
    this.type = h.u16();
    this.machine = h.u16();
    h.u32(); // e_version
    // a 64-bit offset past 2^53 is past any file: kept approximate, the range checks reject it
    const word = () => (this.is64 ? Number(h.u64()) : h.u32());
    this.entry = this.is64 ? h.u64() : BigInt(h.u32());
    const phoff = word();
    const shoff = word();
    h.u32(); // e_flags
    h.u16(); // e_ehsize
    const phentsize = h.u16();
    let phnum = h.u16();
    const shentsize = h.u16();
    let shnum = h.u16();
    let shstrndx = h.u16();

    if (archOf(this.machine, this.is64, this.littleEndian) === undefined) {
      this.warnings.push({
        part: 'ELF header',
        cause: `unknown machine (e_machine ${this.machine})`,
        skipped: 'what needs the architecture (its name, instruction size, assembler)',
      });
    }

    this.sections = [];
    if (shoff !== 0) {
      // libelf reads section headers at their standard size whatever e_shentsize says
      const shdrSize = this.is64 ? 64 : 40;
      if (shentsize !== shdrSize) {
        this.warnings.push({
          part: 'ELF header',
          cause: `e_shentsize ${shentsize} is not ${shdrSize}`,
          skipped: `e_shentsize (section headers read ${shdrSize} bytes apart, as libelf reads them)`,
        });
      }
      if (shoff + shdrSize > source.size) {
        throw new FormatError(
          `truncated: section headers start at ${shoff}, past the end of the file (${source.size} bytes)`,
          name,
        );
      }
      // Extended numbering: counts above 0xff00 live in section 0.
      if (shnum === 0 || shstrndx === 0xffff || phnum === 0xffff) {
        const s0 = this.readSectionHeader(source.read(shoff, shdrSize), 0);
        if (shnum === 0) shnum = s0.size;
        if (shstrndx === 0xffff) shstrndx = s0.link;
        if (phnum === 0xffff) phnum = s0.info;
      }
      if (shoff + shnum * shdrSize > source.size) {
        throw new FormatError(
          `truncated: section headers (${shnum} x ${shdrSize} bytes at ${shoff}) end past the file (${source.size} bytes)`,
          name,
        );
      }
      const table = source.read(shoff, shnum * shdrSize);
      for (let i = 0; i < shnum; i++) {
        this.sections.push(
          this.readSectionHeader(table.subarray(i * shdrSize, (i + 1) * shdrSize), i),
        );
      }
      if (shstrndx >= shnum)
        throw new FormatError(`section name table index ${shstrndx} out of range`, name);
      const strSec = this.sections[shstrndx];
      this.sectionNameTable = strSec;
      this.checkRange(strSec);
      let names = source.read(strSec.offset, strSec.size);
      // elf_strptr decompresses a string table flagged SHF_COMPRESSED, and
      // reads no name when libelf cannot (then libdw reads no DWARF)
      if (strSec.flags & SHF.COMPRESSED) {
        const d = this.decompressed(strSec);
        if ('problem' in d) this.sectionNamesProblem = d.problem;
        else names = d.bytes;
      }
      // a name past the table's last NUL has no name to libelf (elf_strptr fails): nothing finds it
      const lastNul = names.lastIndexOf(0);
      const unnamed = this.unnamedSections;
      for (const s of this.sections) {
        if (s.index !== 0 && s.nameOffset > lastNul) {
          unnamed.push(s.index);
          continue;
        }
        s.name = s.index === 0 ? '' : stringAt(names, s.nameOffset, `${name}: section names`);
        if (!this.byName.has(s.name)) this.byName.set(s.name, s);
      }
      if (unnamed.length > 0) {
        const first = this.sections[unnamed[0]];
        this.warnings.push({
          part: 'section headers',
          cause: `${unnamed.length === 1 ? 'a section name' : `${unnamed.length} section names`} outside the section name table (section ${first.index}: offset ${first.nameOffset}, table ${names.length} bytes)`,
          skipped: `${unnamed.length === 1 ? `section ${first.index}` : `sections ${unnamed.join(', ')}`} (no name to find ${unnamed.length === 1 ? 'it' : 'them'} by)`,
        });
      }
    }

    this.programHeaders = [];
    if (phoff !== 0 && phnum > 0) {
      // the generator never reads program headers (libelf reads them on demand only)
      try {
        this.programHeaders = this.readProgramHeaders(phoff, phnum, phentsize);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        this.warnings.push({
          part: 'program headers',
          cause: e.message.replace(`${name}: `, ''),
          skipped: 'the program headers (no figure is taken from them)',
        });
      }
    }
  }

  private readProgramHeaders(phoff: number, phnum: number, phentsize: number): ProgramHeader[] {
    const minPh = this.is64 ? 56 : 32;
    if (phentsize < minPh) throw new FormatError(`e_phentsize ${phentsize} is below ${minPh}`);
    if (phoff + phnum * phentsize > this.source.size) {
      throw new FormatError(
        `${phnum} x ${phentsize} bytes at ${phoff} end past the end of the file (${this.source.size} bytes)`,
      );
    }
    const table = this.source.read(phoff, phnum * phentsize);
    const headers: ProgramHeader[] = [];
    for (let i = 0; i < phnum; i++) {
      const r = new ByteReader(
        table,
        this.littleEndian,
        `program header ${i}`,
        i * phentsize,
        (i + 1) * phentsize,
      );
      if (this.is64) {
        const type = r.u32();
        const flags = r.u32();
        const offset = r.u64n();
        const vaddr = r.u64();
        const paddr = r.u64();
        headers.push({
          type,
          flags,
          offset,
          vaddr,
          paddr,
          filesz: r.u64n(),
          memsz: r.u64n(),
          align: r.u64n(),
        });
      } else {
        const type = r.u32();
        const offset = r.u32();
        const vaddr = BigInt(r.u32());
        const paddr = BigInt(r.u32());
        const filesz = r.u32();
        const memsz = r.u32();
        const flags = r.u32();
        headers.push({ type, flags, offset, vaddr, paddr, filesz, memsz, align: r.u32() });
      }
    }
    return headers;
  }

  private readSectionHeader(bytes: Uint8Array, index: number): Section & { nameOffset: number } {
    const r = new ByteReader(
      bytes,
      this.littleEndian,
      `${this.source.name}: section header ${index}`,
    );
    const nameOffset = r.u32();
    const type = r.u32();
    if (this.is64) {
      const flags = Number(r.u64() & 0xffffffffn);
      const addr = r.u64();
      // kept approximate past 2^53 (past any file): checked when the section is read, as libelf does
      const offset = Number(r.u64());
      const size = Number(r.u64());
      const link = r.u32();
      const info = r.u32();
      return {
        index,
        name: '',
        nameOffset,
        type,
        flags,
        addr,
        offset,
        size,
        link,
        info,
        addralign: Number(r.u64()),
        entsize: Number(r.u64()),
      };
    }
    const flags = r.u32();
    const addr = BigInt(r.u32());
    const offset = r.u32();
    const size = r.u32();
    const link = r.u32();
    const info = r.u32();
    return {
      index,
      name: '',
      nameOffset,
      type,
      flags,
      addr,
      offset,
      size,
      link,
      info,
      addralign: r.u32(),
      entsize: r.u32(),
    };
  }

  /** Throws a FormatError when the section's bytes do not lie within the file (SHT_NOBITS has none). */
  checkRange(s: Section): void {
    if (s.type !== SHT.NOBITS && s.offset + s.size > this.source.size) {
      throw new FormatError(
        `truncated: section ${s.name || `#${s.index}`} (${s.size} bytes at ${s.offset}) ends past the end of the file (${this.source.size} bytes)`,
        this.source.name,
      );
    }
  }

  /**
   * Why libelf 0.188 gives no data for this section (`elf_getdata` and
   * `elf_rawdata` fail), or undefined when it gives some: see
   * `libelfDataProblem`.
   */
  dataProblem(s: Section): string | undefined {
    return libelfDataProblem(s, this.is64, this.machine, this.source.size);
  }

  /**
   * The record layout libelf converts this section's data with when the
   * generator reads it (`libelfRecordFields`, or 'notes' for SHT_NOTE):
   * only in a file whose byte order is not the host's (the generator's host:
   * this one), else undefined, as for a section handed over as bytes.
   */
  libelfConversion(s: Section): readonly number[] | 'notes' | null | undefined {
    if (this.littleEndian === HOST_LITTLE_ENDIAN || s.type === SHT.NOBITS) return undefined;
    if (s.type === SHT_NOTE) return 'notes';
    return libelfRecordFields(this.is64, this.machine, s.type);
  }

  /**
   * The section's contents as `elf_getdata` hands them to libdw: decompressed,
   * and converted to the host's byte order by its type (a `.debug_str`
   * retyped `SHT_GNU_versym` in a big-endian file: every 2 bytes swapped).
   * A type whose conversion is not modelled (null) gives the bytes as they
   * are; `libelfConversion` tells the caller.
   */
  libelfData(s: Section): Uint8Array {
    const bytes = this.contents(s).bytes;
    const fields = this.libelfConversion(s);
    if (fields === 'notes') return convertNotes(bytes, s.addralign === 8, this.littleEndian);
    return fields ? convertRecords(bytes, fields) : bytes;
  }

  get name(): string {
    return this.source.name;
  }

  /** The architecture, or undefined for an unknown machine (the reader warned about it). */
  get knownArch(): ArchInfo | undefined {
    return archOf(this.machine, this.is64, this.littleEndian);
  }

  /** The architecture, or a FormatError naming the unknown machine. */
  get arch(): ArchInfo {
    const a = archOf(this.machine, this.is64, this.littleEndian);
    if (!a) throw new FormatError(`unknown architecture (e_machine ${this.machine})`, this.name);
    return a;
  }

  get typeName(): string {
    return (
      ({ 1: 'ET_REL', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE' } as Record<number, string>)[
        this.type
      ] ?? `type ${this.type}`
    );
  }

  section(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** The section's contents, decompressed if SHF_COMPRESSED (a FormatError when libelf could not). */
  contents(s: Section): SectionContents {
    if (s.type === SHT.NOBITS)
      return { bytes: new Uint8Array(0), compression: 'none', storedSize: 0 };
    this.checkRange(s);
    if (!(s.flags & SHF.COMPRESSED))
      return { bytes: this.source.read(s.offset, s.size), compression: 'none', storedSize: s.size };
    const d = this.decompressed(s);
    if ('problem' in d) throw new FormatError(`section ${s.name}: ${d.problem}`, this.name);
    return { bytes: d.bytes, compression: d.compression, storedSize: s.size };
  }

  /**
   * A section flagged SHF_COMPRESSED, decompressed as libelf 0.188
   * decompresses it (`__libelf_decompress_elf`), or why it could not: a
   * header too short or of a type it does not know, a ch_addralign that is
   * no power of 2, a ch_size more than 1032 times the data, data that is not
   * zlib streams filling exactly ch_size bytes. zstd we decompress where
   * 0.188 cannot (docs/input-tolerance.md, deliberate differences). Kept
   * once made: dwarf_begin_elf decompresses every debug section it knows, and
   * the reader reads some of them again.
   */
  decompressed(s: Section): Decompressed {
    const had = this.decompressions.get(s.index);
    if (had) return had;
    const d = this.decompress(s);
    this.decompressions.set(s.index, d);
    return d;
  }

  private decompress(s: Section): Decompressed {
    const headerSize = this.is64 ? 24 : 12;
    if (s.size < headerSize)
      return { problem: `flagged compressed, but ${s.size} bytes hold no compression header` };
    // libelf reads the stored bytes first (elf_rawdata): none, nothing to decompress
    if (s.offset + s.size > this.source.size)
      return {
        problem: `flagged compressed, but its ${s.size} bytes at ${s.offset} end past the end of the file (${this.source.size} bytes)`,
      };
    return this.decompressStored(s, this.source.read(s.offset, s.size));
  }

  /**
   * `raw`, the stored bytes of compressed section `s` (its compression header
   * and data) or a patched copy of them, decompressed as libelf decompresses
   * them: a generator that patches a compressed `.debug_line` before libdw
   * decompresses it (src/elf/relocate.ts) gives libelf such a copy. Not kept.
   */
  decompressStored(s: Section, raw: Uint8Array): Decompressed {
    const headerSize = this.is64 ? 24 : 12;
    if (raw.length < headerSize)
      return { problem: `flagged compressed, but ${raw.length} bytes hold no compression header` };
    const r = new ByteReader(raw, this.littleEndian, `${this.name}: section ${s.name}`);
    const chType = r.u32();
    if (this.is64) r.u32(); // ch_reserved
    // a 64-bit ch_size or ch_addralign past 2^53 is kept approximate: past anything we inflate
    const size = this.is64 ? Number(r.u64()) : r.u32();
    const align = this.is64 ? r.u64() : BigInt(r.u32());
    if (chType !== ELFCOMPRESS_ZLIB && chType !== ELFCOMPRESS_ZSTD)
      return { problem: `flagged compressed, but its compression type is ${chType}` };
    if ((align & (align - 1n)) !== 0n)
      return { problem: `its compression header's ch_addralign ${align} is no power of 2` };
    const payload = raw.subarray(headerSize);
    if (chType === ELFCOMPRESS_ZSTD) {
      let out: Uint8Array;
      try {
        out = zstdDecompress(payload);
      } catch (e) {
        return { problem: `corrupt zstd data (${(e as Error).message})` };
      }
      if (out.length !== size)
        return { problem: `decompressed to ${out.length} bytes, its header says ${size}` };
      return { bytes: out, compression: 'zstd' };
    }
    return this.inflateZlib(payload, size);
  }

  /**
   * zlib data inflated as `__libelf_decompress` inflates it: zlib streams
   * one after another until the input is used up, each complete, filling
   * exactly `size` bytes; a ratio above zlib's 1032:1 refused first.
   */
  private inflateZlib(payload: Uint8Array, size: number): Decompressed {
    // libelf refuses a ratio above zlib's 1032:1 before allocating anything
    if (Math.floor(size / 1032) > payload.length)
      return {
        problem: `its compression header claims ${size} bytes from ${payload.length} (more than zlib's 1032:1)`,
      };
    // ch_size is only a claim: no more than it is inflated, and nothing is allocated from it
    // before the data has shown it
    if (size > MAX_DECOMPRESSED)
      return {
        problem: `its compression header claims ${size} bytes (more than ${MAX_DECOMPRESSED})`,
      };
    // as __libelf_decompress: zlib streams one after another (inflate, inflateReset)
    // until the input is used up, each complete, filling exactly ch_size bytes
    const parts: Uint8Array[] = [];
    let filled = 0;
    let pos = 0;
    while (pos < payload.length) {
      let part: { buffer: Uint8Array; engine: { bytesWritten: number } };
      try {
        part = inflateSync(payload.subarray(pos), {
          info: true,
          maxOutputLength: size - filled + 1,
        }) as unknown as { buffer: Uint8Array; engine: { bytesWritten: number } };
      } catch (e) {
        return { problem: `corrupt zlib data at byte ${pos} (${(e as Error).message})` };
      }
      if (filled + part.buffer.length > size)
        return { problem: `its zlib data holds more than the ${size} bytes its header says` };
      parts.push(part.buffer);
      filled += part.buffer.length;
      pos += part.engine.bytesWritten;
    }
    if (filled !== size)
      return { problem: `decompressed to ${filled} bytes, its header says ${size}` };
    const bytes = parts.length === 1 ? parts[0] : new Uint8Array(size);
    if (parts.length !== 1) {
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
    }
    return { bytes, compression: 'zlib' };
  }

  /**
   * A GNU-compressed section (`.zdebug_*`: "ZLIB", a big-endian 64-bit
   * size, zlib data), decompressed as libelf 0.188's `elf_compress_gnu`
   * does for libdw, or why it is not: flagged SHF_COMPRESSED, its bytes not
   * in the file, 12 bytes or fewer, no "ZLIB", data that does not inflate to
   * that size (`inflateZlib`).
   */
  gnuDecompressed(s: Section): Decompressed {
    const had = this.gnuDecompressions.get(s.index);
    if (had) return had;
    const d = this.decompressGnu(s);
    this.gnuDecompressions.set(s.index, d);
    return d;
  }
  private readonly gnuDecompressions = new Map<number, Decompressed>();

  private decompressGnu(s: Section): Decompressed {
    if (s.flags & SHF.COMPRESSED) return { problem: 'flagged SHF_COMPRESSED as well' };
    if (s.offset + s.size > this.source.size)
      return { problem: `its bytes end past the end of the file (${this.source.size} bytes)` };
    if (s.size <= 12) return { problem: `${s.size} bytes hold no GNU compression header` };
    const raw = this.source.read(s.offset, s.size);
    if (raw[0] !== 0x5a || raw[1] !== 0x4c || raw[2] !== 0x49 || raw[3] !== 0x42)
      return { problem: 'no "ZLIB" at its start' };
    const size = Number(new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0, false));
    return this.inflateZlib(raw.subarray(12), size);
  }

  /**
   * A `.zdebug_*` section's data as libdw gets it: decompressed, or, when
   * elf_compress_gnu fails (libdw ignores its errors), the bytes as stored.
   */
  gnuData(s: Section): Uint8Array {
    const d = this.gnuDecompressed(s);
    return 'problem' in d ? this.contents(s).bytes : d.bytes;
  }

  /**
   * Why a section flagged SHF_COMPRESSED is one libelf does not decompress
   * (its header, or its data: dwarf_begin_elf then leaves it out, elf_strptr
   * reads no string from it); undefined when it decompresses.
   */
  compressionProblem(s: Section): string | undefined {
    const d = this.decompressed(s);
    return 'problem' in d ? d.problem : undefined;
  }

  /** How a section is stored, from its flags and compression header: 'unknown' when libelf does not decompress it. */
  compressionOf(s: Section): 'none' | 'zlib' | 'zstd' | 'unknown' {
    if (!(s.flags & SHF.COMPRESSED)) return 'none';
    const d = this.decompressed(s);
    return 'problem' in d ? 'unknown' : d.compression;
  }

  /** Contents by name, or undefined when the section is absent. */
  sectionBytes(name: string): Uint8Array | undefined {
    const s = this.section(name);
    return s ? this.contents(s).bytes : undefined;
  }

  /**
   * The symbol table: the first `SHT_SYMTAB` section, whatever its name, parsed
   * once; null when there is none (libelf and the generator know no other:
   * a `.symtab` of another type, or a `.dynsym`, is no symbol table to them).
   */
  symbols(): SymbolTable | null {
    if (this.symtabCache !== undefined) return this.symtabCache;
    this.symtabCache = this.symbolTables()[0] ?? null;
    return this.symtabCache;
  }

  /**
   * Every `SHT_SYMTAB` section, in section order, parsed once: the generator
   * walks them all (`elf_nextscn`) when it looks for `_text` and `_etext` and
   * collects function starts.
   */
  symbolTables(): SymbolTable[] {
    if (this.allSymtabs) return this.allSymtabs;
    this.allSymtabs = this.sections
      .filter((x) => x.type === SHT.SYMTAB)
      .map((x) => this.readSymbolTable(x));
    return this.allSymtabs;
  }

  private readSymbolTable(s: Section): SymbolTable {
    // what elf_getdata fails on gives the generator no symbols from this
    // table, and what elf_strptr fails on (no such section, not a string
    // table, bytes not in the file) no names: read past, as it does
    let bytes: Uint8Array = new Uint8Array(0);
    try {
      // libelf hands a compressed section's data over as it is stored (a
      // compression header, ELF_T_CHDR), and gelf_getsym reads no symbol from it
      if (s.flags & SHF.COMPRESSED)
        throw new FormatError('flagged SHF_COMPRESSED: gelf_getsym reads no symbol from it');
      const problem = this.dataProblem(s);
      if (problem !== undefined) throw new FormatError(problem);
      bytes = this.contents(s).bytes;
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      this.warnings.push({
        part: s.name || `section ${s.index}`,
        cause: e.message.replace(`${this.name}: `, ''),
        skipped: 'its symbols (libelf gives the generator none)',
      });
    }
    const strSec = this.sections[s.link] as Section | undefined;
    let strings: Uint8Array = new Uint8Array(0);
    let stringsProblem: string | undefined;
    if (!strSec) stringsProblem = `its string table index ${s.link} is out of range`;
    else if (strSec.type !== SHT.STRTAB)
      stringsProblem = `its string table ${strSec.name} is of type ${strSec.type}, not SHT_STRTAB`;
    else {
      try {
        strings = this.contents(strSec).bytes;
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        stringsProblem = `its string table: ${e.message.replace(`${this.name}: `, '')}`;
      }
    }
    const entsize = this.is64 ? 24 : 16;
    const count = Math.floor(bytes.length / entsize);
    const nameOffsets = new Uint32Array(count);
    const values = new BigUint64Array(count);
    // the values written as u32 halves: no bigint made per symbol
    const halves = new Uint32Array(values.buffer);
    const loHalf = HOST_LITTLE_ENDIAN ? 0 : 1;
    const sizes = new Float64Array(count);
    const info = new Uint8Array(count);
    const shndx = new Uint16Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = this.littleEndian;
    const what = `${this.name}: ${strSec?.name}`;
    // a name must start before the table's last NUL; one that does not has no
    // name to libelf (elf_strptr fails), and the generator passes over it;
    // elf_strptr reads names from a string table only (SHT_STRTAB)
    const lastNul = stringsProblem === undefined ? strings.lastIndexOf(0) : -1;
    let unnamed = 0;
    let firstUnnamed = -1;
    for (let i = 0; i < count; i++) {
      const o = i * entsize;
      let nameOff = view.getUint32(o, le);
      if ((nameOff !== 0 || lastNul < 0) && nameOff > lastNul) {
        if (unnamed++ === 0) firstUnnamed = i;
        nameOff = NO_NAME;
      }
      nameOffsets[i] = nameOff;
      if (this.is64) {
        info[i] = bytes[o + 4];
        shndx[i] = view.getUint16(o + 6, le);
        const vlo = view.getUint32(o + (le ? 8 : 12), le);
        const vhi = view.getUint32(o + (le ? 12 : 8), le);
        halves[2 * i + loHalf] = vlo;
        halves[2 * i + 1 - loHalf] = vhi;
        sizes[i] =
          view.getUint32(o + (le ? 20 : 16), le) * 0x100000000 +
          view.getUint32(o + (le ? 16 : 20), le);
      } else {
        halves[2 * i + loHalf] = view.getUint32(o + 4, le);
        sizes[i] = view.getUint32(o + 8, le);
        info[i] = bytes[o + 12];
        shndx[i] = view.getUint16(o + 14, le);
      }
    }
    if (unnamed > 0) {
      const off = view.getUint32(firstUnnamed * entsize, le);
      this.warnings.push({
        part: s.name,
        cause:
          stringsProblem !== undefined
            ? `${stringsProblem} (libelf reads no name from it)`
            : `${unnamed === 1 ? 'a symbol name' : `${unnamed} symbol names`} outside ${strSec?.name} (symbol ${firstUnnamed}: offset ${off}, table ${strings.length} bytes)`,
        skipped: `${unnamed === 1 ? 'that symbol' : 'those symbols'} (no name to find ${unnamed === 1 ? 'it' : 'them'} by)`,
      });
    }
    let names: string[] | undefined;
    // the generator's loops count sh_size / sh_entsize symbols; gelf_getsym
    // fails past the data (an sh_entsize of 0 divides by zero there: both
    // generators die of SIGFPE, and we read every symbol)
    const scanned = s.entsize > 0 ? Math.min(count, Math.floor(s.size / s.entsize)) : count;
    if (s.entsize === 0 && count > 0)
      this.warnings.push({
        part: s.name || `section ${s.index}`,
        cause: 'sh_entsize 0',
        skipped: 'nothing (every symbol read: the generators divide by it and die of SIGFPE)',
      });
    const table: SymbolTable = {
      section: s,
      count,
      scanned,
      values,
      sizes,
      info,
      shndx,
      get names() {
        names ??= Array.from(nameOffsets, (off) =>
          off === 0 || off === NO_NAME ? '' : stringAt(strings, off, what),
        );
        return names;
      },
    };
    this.symbolNames.set(table, { offsets: nameOffsets, strings });
    return table;
  }

  /**
   * The value of the first symbol with this name, as the generator's
   * `find_text_addr` finds it: every `SHT_SYMTAB` section in order, its first
   * sh_size / sh_entsize symbols, names compared as bytes (none is decoded).
   */
  symbolValue(name: string): bigint | undefined {
    const want = new TextEncoder().encode(name);
    const n = want.length;
    for (const t of this.symbolTables()) {
      const { offsets, strings } = this.symbolNames.get(t)!;
      for (let i = 0; i < t.scanned; i++) {
        const off = offsets[i];
        if (off === NO_NAME) continue;
        if (n === 0 && (off === 0 || strings[off] === 0)) return t.values[i];
        if (off === 0 || strings[off] !== want[0] || strings[off + n] !== 0) continue;
        let j = 1;
        while (j < n && strings[off + j] === want[j]) j++;
        if (j === n) return t.values[i];
      }
    }
    return undefined;
  }

  close(): void {
    this.source.close();
  }
}
