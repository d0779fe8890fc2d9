import { type ElfFile, type Section, SHF, SHT } from '../elf/elf-file.js';
import {
  moduleLayout,
  patchesStoredBytes,
  type RelocationMode,
  type RelocationReport,
  relocateSection,
  relocates,
} from '../elf/relocate.js';
import { FormatError } from '../errors.js';
import { decodeUtf8, HOST_LITTLE_ENDIAN } from '../util/bytes.js';

/** What peek reads at once when units lie closer together than what it read last. */
const READ_AHEAD = 1 << 16;
/** Strings of a section read one by one before it is read whole instead. */
const STRINGS_READ_APART = 4096;

/**
 * The DWARF sections of one ELF file, loaded on first use. `.debug_info` is
 * the largest section of a vmlinux (160 MiB and more) and we need only the
 * first DIE of each unit, so when it is stored uncompressed it is read in
 * small pieces instead of whole.
 */
export class DwarfSections {
  private cache = new Map<string, Uint8Array | null>();
  private layout?: BigUint64Array;
  /** What relocation did to each section loaded so far (ET_REL files with a mode other than 'none'). */
  readonly relocations = new Map<string, RelocationReport>();
  /** A string that runs to its section's end goes on in the file (RuleSet.stringsPastSection). */
  stringsPastSection = false;

  /**
   * `relocation` applies to relocatable objects (ET_REL: `.ko`) only; a
   * vmlinux's `.rela.debug_*` sections are never applied. See src/elf/relocate.ts.
   */
  constructor(
    readonly elf: ElfFile,
    readonly relocation: RelocationMode = 'none',
    private readonly chosen?: ReadonlyMap<string, Section>,
  ) {}

  /**
   * True when this section's bytes are relocated when loaded (then it is
   * always loaded whole). Kept per name: peek asks on every unit it reads,
   * and the answer walks the section headers.
   */
  private relocated(name: string): boolean {
    let r = this.relocatedNames.get(name);
    if (r === undefined) {
      r = relocates(this.elf, this.relocation, name);
      this.relocatedNames.set(name, r);
    }
    return r;
  }
  private readonly relocatedNames = new Map<string, boolean>();

  /**
   * True when a section is only read whole: compressed, relocated, or
   * converted by libelf (a type it converts, in a file of the other byte order).
   */
  private loadedWhole(s: Section, name: string): boolean {
    return (
      (s.flags & SHF.COMPRESSED) !== 0 ||
      s.name !== name || // GNU-compressed (`.zdebug_*` read as `.debug_*`)
      this.relocated(name) ||
      (this.elf.littleEndian !== HOST_LITTLE_ENDIAN && !!this.elf.libelfConversion(s))
    );
  }

  /**
   * The section of a name: the one libdw reads (`chosen`, when given: see
   * libdwSections in src/lineinfo/extract.ts), else the first of the name.
   */
  private section(name: string) {
    return this.chosen ? this.chosen.get(name) : this.elf.section(name);
  }

  get littleEndian(): boolean {
    return this.elf.littleEndian;
  }

  /** Whole contents of a section (decompressed), or null if absent. */
  get(name: string): Uint8Array | null {
    let v = this.cache.get(name);
    if (v === undefined) {
      const sec = this.section(name);
      if (sec && this.patchesCompressed(sec, name)) {
        v = this.patchedCompressed(sec, name);
        this.cache.set(name, v);
        return v;
      }
      // as elf_getdata hands it to libdw: converted by its type in a file of
      // the other byte order (a debug section retyped)
      v = sec ? (sec.name !== name ? this.elf.gnuData(sec) : this.elf.libelfData(sec)) : null;
      if (v && this.relocated(name)) {
        v = v.slice(); // never write into a buffer someone else holds
        if (this.relocation !== 'upstream') this.layout ??= moduleLayout(this.elf);
        const s = this.section(name)!;
        this.relocations.set(name, relocateSection(this.elf, s, v, this.relocation, this.layout));
      }
      this.cache.set(name, v);
    }
    return v;
  }

  /** True when this compressed section is relocated as a generator relocates it: in its stored bytes. */
  private patchesCompressed(s: Section, name: string): boolean {
    return (
      (s.flags & SHF.COMPRESSED) !== 0 &&
      patchesStoredBytes(this.relocation, name) &&
      this.relocated(name)
    );
  }

  /** Why the section, patched as stored, does not decompress (see patchedCompressionProblem). */
  private readonly patchedProblems = new Map<string, string>();

  /**
   * A compressed `.debug_line` as a generator hands it to libdw: the
   * generator patches the data `elf_getdata` gives it, the stored bytes
   * (compression header and compressed data: a record's offset is checked
   * against their size), and libelf decompresses what it patched when
   * `dwarf_begin_elf` asks for the section. Null when that does not
   * decompress (a patched zlib stream): libdw leaves the section out.
   */
  private patchedCompressed(s: Section, name: string): Uint8Array | null {
    this.elf.checkRange(s);
    const raw = this.elf.source.read(s.offset, s.size).slice();
    this.relocations.set(name, relocateSection(this.elf, s, raw, this.relocation));
    const d = this.elf.decompressStored(s, raw);
    if ('problem' in d) {
      this.patchedProblems.set(name, d.problem);
      return null;
    }
    return d.bytes;
  }

  /**
   * For a compressed section a generator relocates in its stored bytes: why
   * libelf does not decompress it as patched (libdw then leaves it out), or
   * undefined. Loads the section.
   */
  patchedCompressionProblem(name: string): string | undefined {
    const s = this.section(name);
    if (!s || !this.patchesCompressed(s, name)) return undefined;
    this.get(name);
    return this.patchedProblems.get(name);
  }

  require(name: string): Uint8Array {
    const v = this.get(name);
    if (!v) throw new FormatError(`no ${name} section (no DWARF debug info?)`, this.elf.name);
    return v;
  }

  has(name: string): boolean {
    return this.section(name) !== undefined;
  }

  /** Bytes [offset, offset + length) of a section, clamped to its end, without loading it whole when possible. */
  slice(name: string, offset: number, length: number): Uint8Array {
    const s = this.section(name);
    if (!s) throw new FormatError(`no ${name} section`, this.elf.name);
    const cached = this.cache.get(name);
    if (cached) return cached.subarray(offset, Math.min(cached.length, offset + length));
    if (this.loadedWhole(s, name)) return this.require(name).subarray(offset, offset + length);
    const end = Math.min(s.size, offset + length);
    if (offset > s.size)
      throw new FormatError(`${name}: offset ${offset} past its end (${s.size})`, this.elf.name);
    return this.elf.source.read(s.offset + offset, end - offset);
  }

  /**
   * As slice, but bytes read from the file go into `scratch` (at least
   * `length` long) or a read-ahead buffer, and are valid only until the next
   * peek (or until scratch is reused): for the many small pieces a unit
   * walk reads.
   */
  peek(name: string, offset: number, length: number, scratch: Uint8Array): Uint8Array {
    const s = this.section(name);
    if (!s || this.cache.get(name) || this.loadedWhole(s, name))
      return this.slice(name, offset, length);
    const end = Math.min(s.size, offset + length);
    if (offset > s.size)
      throw new FormatError(`${name}: offset ${offset} past its end (${s.size})`, this.elf.name);
    // bytes the last read already holds are not read again, and a unit that
    // starts within them (units a few bytes apart: a zeroed stretch is one
    // 4-byte unit after another) reads ahead: one read per READ_AHEAD bytes,
    // not one per unit; units far apart (a vmlinux's) read `length` each
    const w = this.lastPeek;
    if (w.buf !== undefined && w.name === name && offset >= w.start) {
      if (end <= w.end) return w.buf.subarray(offset - w.start, end - w.start);
      if (offset < w.end && length <= READ_AHEAD) {
        this.ahead ??= new Uint8Array(READ_AHEAD);
        const aheadEnd = Math.min(s.size, offset + READ_AHEAD);
        const bytes = this.elf.source.readInto(s.offset + offset, aheadEnd - offset, this.ahead);
        this.peekReads++;
        this.lastPeek = { buf: bytes, name, start: offset, end: aheadEnd };
        return bytes.subarray(0, end - offset);
      }
    }
    const bytes = this.elf.source.readInto(s.offset + offset, end - offset, scratch);
    this.peekReads++;
    this.lastPeek = { buf: bytes, name, start: offset, end };
    return bytes;
  }

  /** What the last peek read: section bytes [start, end) in buf (valid until the next peek). */
  private lastPeek: { buf?: Uint8Array; name: string; start: number; end: number } = {
    name: '',
    start: 0,
    end: 0,
  };
  private ahead?: Uint8Array;
  /** Reads from the file peek has made: work counted, for tests that bound it. */
  peekReads = 0;

  /**
   * Bytes [offset, offset + length) of a section, clamped to its end, for
   * reading one part after another: read into one buffer per section that
   * grows as needed, valid until the next window on that section (a view
   * of the section when it is loaded whole). A vmlinux's `.debug_line` is
   * read table by table so, never all at once.
   */
  window(name: string, offset: number, length: number): Uint8Array {
    let scratch = this.windows.get(name);
    if (!scratch || scratch.length < length) {
      scratch = new Uint8Array(Math.max(length, 2 * (scratch?.length ?? 0), 1 << 16));
      this.windows.set(name, scratch);
    }
    return this.peek(name, offset, length, scratch);
  }
  private readonly windows = new Map<string, Uint8Array>();

  /** Uncompressed size of a section (0 if absent). */
  size(name: string): number {
    const s = this.section(name);
    if (!s || s.type === SHT.NOBITS) return 0;
    const cached = this.cache.get(name);
    if (cached) return cached.length;
    if (s.flags & SHF.COMPRESSED || s.name !== name) return this.require(name).length;
    // a size is a promise of bytes to read: one the file cannot keep is an error here,
    // before anything is sized from it (libdw gives up on such a section too)
    this.elf.checkRange(s);
    return s.size;
  }

  str(offset: number): string {
    return this.cachedString('.debug_str', this.strCache, offset);
  }
  lineStr(offset: number): string {
    return this.cachedString('.debug_line_str', this.lineStrCache, offset);
  }

  // Decoded strings by offset: every unit's line table names the same few
  // thousand directories and files (a vmlinux: some 300,000 references).
  private readonly strCache = new Map<number, string>();
  private readonly lineStrCache = new Map<number, string>();

  private cachedString(name: string, cache: Map<number, string>, offset: number): string {
    let s = cache.get(offset);
    if (s === undefined) {
      s = cache.size < STRINGS_READ_APART ? this.stringApart(name, offset) : undefined;
      s ??= dwarfStringAt(this.require(name), offset, `${this.elf.name}: ${name}`);
      if (this.stringsPastSection) s = this.pastSection(name, offset, s);
      cache.set(offset, s);
    }
    return s;
  }

  /**
   * The string at `offset` read from the file by itself, while the section
   * is not loaded: a vmlinux's units name a handful of producers in its
   * megabytes of `.debug_str`. Undefined when it is not worth it (a section
   * under 1 MiB: `.debug_line_str`, whose every string is read) or cannot be
   * (compressed or relocated, a bad offset, a string running past 4 KiB):
   * then the whole section is read, and its checks report what is wrong.
   */
  private stringApart(name: string, offset: number): string | undefined {
    const s = this.section(name);
    if (!s || s.size < 1 << 20 || this.cache.get(name)) return undefined;
    if (this.loadedWhole(s, name)) return undefined;
    if (offset >= s.size) return undefined;
    const bytes = this.window(name, offset, 4096);
    const nul = bytes.indexOf(0);
    return nul < 0 ? undefined : decodeUtf8(bytes, 0, nul);
  }

  /**
   * `s`, read at `offset` up to its section's end, continued in the file's
   * bytes after the section up to a NUL (or the file's end, where a mapping
   * reads zeros; at most 4 KiB, one page, where a string with no NUL at all
   * would run on in libdw): what a mapped file gives libdw. A section held
   * in a buffer of its own (decompressed, relocated, converted) ends where
   * it ends.
   */
  private pastSection(name: string, offset: number, s: string): string {
    const sec = this.section(name);
    if (!sec || this.loadedWhole(sec, name)) return s;
    const table = this.require(name);
    if (table.indexOf(0, offset) >= 0) return s;
    const start = sec.offset + sec.size;
    const src = this.elf.source;
    const after = src.read(start, Math.max(0, Math.min(4096, src.size - start)));
    const nul = after.indexOf(0);
    const tail = after.subarray(0, nul < 0 ? after.length : nul);
    if (tail.length === 0) return s;
    const whole = new Uint8Array(table.length - offset + tail.length);
    whole.set(table.subarray(offset));
    whole.set(tail, table.length - offset);
    return decodeUtf8(whole, 0, whole.length);
  }

  /** The string of a DW_FORM_strx* index, given the unit's DW_AT_str_offsets_base. */
  strx(index: number, base: number, offsetSize: number): string {
    const tab = this.require('.debug_str_offsets');
    const at = base + index * offsetSize;
    if (at + offsetSize > tab.length) {
      throw new FormatError(
        `.debug_str_offsets: index ${index} (base ${base}) past its end`,
        this.elf.name,
      );
    }
    const view = new DataView(tab.buffer, tab.byteOffset, tab.byteLength);
    const off =
      offsetSize === 8
        ? Number(view.getBigUint64(at, this.littleEndian))
        : view.getUint32(at, this.littleEndian);
    return this.str(off);
  }
}

/**
 * The string at `offset` in a DWARF string section. libdw reads a string that
 * runs to the section's end as ending there: a `.debug_line_str` cut one
 * byte short (its last NUL) still names `kern.c` to the generators (fuzz
 * i686-gcc:719), where an ELF string table's would be refused.
 */
function dwarfStringAt(table: Uint8Array, offset: number, what: string): string {
  if (offset >= table.length)
    throw new FormatError(`${what}: string offset ${offset} is past its end (${table.length})`);
  const nul = table.indexOf(0, offset);
  return decodeUtf8(table, offset, nul < 0 ? table.length : nul);
}
