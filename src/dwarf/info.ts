import { FormatError } from '../errors.js';
import { ByteReader } from '../util/bytes.js';
import { DW_AT, DW_FORM, DW_UT } from './constants.js';
import { type FormContext, type FormValue, readForm } from './forms.js';
import type { DwarfSections } from './sections.js';

/** One unit of `.debug_info`, described by its first DIE. */
export interface CompileUnit {
  /** Offset of the unit header in `.debug_info`. */
  offset: number;
  /** Total size including the unit_length field. */
  size: number;
  version: number;
  unitType: number;
  addressSize: number;
  offsetSize: number;
  /** DW_TAG of the first DIE (DW_TAG_compile_unit = 0x11, partial 0x3c, type 0x41 ...). */
  tag: number;
  name?: string;
  compDir?: string;
  producer?: string;
  language?: number;
  /** Offset of the unit's line program in `.debug_line`, if it has one. */
  stmtList?: number;
  /** The address size in the unit header when it was neither 4 nor 8 (`addressSize` is then 8, as libdw's). */
  addressSizeReplaced?: number;
  /**
   * Set when a string attribute of the first DIE (name, comp_dir, producer)
   * could not be read: which and why. The unit is read without it, as libdw reads it.
   */
  stringsUnread?: string;
  /**
   * Set when the unit's length runs past the section end: why. It was read
   * up to the section end (`size` is clamped), and the walk ended after it, as libdw's.
   */
  lengthPastEnd?: string;
  /** Set (tolerant reading only) when the unit's first DIE could not be read: why. */
  unreadable?: string;
  /**
   * Set (readUnits with `runs`) when this entry stands for this many units
   * one after another that libdw skips for the same header field (a version
   * it does not read): `offset` and `unreadable` are the first's, `size`
   * all of theirs. A zeroed stretch of `.debug_info` is millions of 4-byte
   * units; one entry for them keeps the walk as cheap per unit as libdw's.
   */
  skippedRun?: number;
  /**
   * Set (tolerant reading only) when an attribute of the first DIE after
   * DW_AT_stmt_list could not be read: why. libdw finds the attributes
   * before it (the line table among them) and none after it.
   */
  attributesCut?: string;
  /** The first DIE's address-range attributes, as read (see unitRanges in ranges.ts). */
  rangeAttrs?: UnitRangeAttrs;
}

/**
 * A unit DIE's DW_AT_low_pc, DW_AT_high_pc and DW_AT_ranges as read, with
 * the bases needed to resolve them (`addrx` forms and `rnglistx` indexes).
 */
export interface UnitRangeAttrs {
  /** DW_AT_low_pc: an address, or an index into `.debug_addr` (`addrx` forms). */
  lowPc?: { address: bigint } | { index: number };
  /** DW_AT_high_pc: an address (or `.debug_addr` index), or (constant forms) an offset from low_pc. */
  highPc?: { address: bigint } | { index: number } | { offset: bigint };
  /** DW_AT_ranges: a section offset, or (DW_FORM_rnglistx) an index into the unit's offsets table. */
  ranges?: { offset: number } | { index: number };
  addrBase?: number;
  rnglistsBase?: number;
}

interface Abbrev {
  tag: number;
  /** attr, form, implicit_const triples. */
  specs: number[];
  /** Where the declaration starts in `.debug_abbrev`. */
  offset: number;
}

/** One table as libdw's abbreviation lookup has read it so far. */
interface AbbrevTable {
  /** Declarations by code (libdw keeps 31 bits of a code). */
  map: Map<number, Abbrev>;
  /** Where the next declaration starts; -1 once the table ended or a declaration failed. */
  next: number;
  /** Why the reading stopped at a declaration libdw rejects. */
  failure?: string;
}

/** A bare walk's answers besides a declaration's offset. */
const TABLE_END = -1;
const UNUSUAL = -2;

/**
 * Abbreviation tables, read as libdw 0.188 reads them (dwarf_getabbrev.c,
 * dwarf_tag.c): declaration after declaration from the table's start until
 * the code asked for. A declaration it rejects (cut by the section end, a
 * code declared again at another offset) ends the lookup: the codes before
 * it are found, none after. LEB128s as libdw reads them (see ByteReader.uleb),
 * codes, tags, attribute names and forms in 32 bits.
 *
 * Only each unit's first DIE is read, so a table is usually asked for one
 * code: the first lookup in a table walks its bytes to that code's declaration
 * without building any other (GCC puts the unit DIE's abbreviation last, and
 * a vmlinux has megabytes of them); anything unusual on the way, or a second
 * code, is left to the declaration-by-declaration reading.
 */
class AbbrevTables {
  private tables = new Map<number, AbbrevTable>();
  private reader: ByteReader;
  /** seen[code] === stamp: the bare walk met that code already (a duplicate fails libdw's lookup). */
  private readonly seen = new Uint32Array(1 << 16);
  private stamp = 0;

  constructor(bytes: Uint8Array, littleEndian: boolean, what: string) {
    this.reader = new ByteReader(bytes, littleEndian, what);
  }

  /** The section's size. */
  get size(): number {
    return this.reader.bytes.length;
  }

  get(tableOffset: number, code: number): Abbrev {
    const what = this.reader.what;
    if (tableOffset >= this.reader.bytes.length)
      throw new FormatError(`${what}: table offset ${tableOffset} past its end`);
    let t = this.tables.get(tableOffset);
    if (!t) {
      t = { map: new Map(), next: tableOffset };
      this.tables.set(tableOffset, t);
      const at = code < 0x80000000 ? this.skipTo(tableOffset, code) : UNUSUAL;
      if (at === TABLE_END) {
        throw new FormatError(`${what}: abbreviation code ${code} not in table at ${tableOffset}`);
      }
      if (at >= 0) {
        const d = this.readDeclaration(at);
        if (typeof d !== 'string') {
          t.map.set(code, d.abbrev);
          return d.abbrev;
        }
      }
    } else {
      const hit = t.map.get(code);
      if (hit) return hit;
    }
    while (t.next >= 0 && !t.map.has(code)) this.readNext(t);
    const a = t.map.get(code);
    if (a) return a;
    throw new FormatError(
      t.failure ?? `${what}: abbreviation code ${code} not in table at ${tableOffset}`,
    );
  }

  /** Reads the table's next declaration into its map, as libdw's __libdw_getabbrev. */
  private readNext(t: AbbrevTable): void {
    const bytes = this.reader.bytes;
    const at = t.next;
    if (at >= bytes.length) {
      t.next = -1;
      t.failure = `${this.reader.what}: table runs past the section end (${bytes.length})`;
      return;
    }
    if (bytes[at] === 0) {
      t.next = -1; // the table's end
      return;
    }
    const d = this.readDeclaration(at, t.map);
    if (typeof d === 'string') {
      t.next = -1;
      t.failure = d;
      return;
    }
    t.next = d.next;
    if (d.known) return;
    // libdw keeps 31 bits of the code: another code with the same 31 bits is not found again
    const key = d.code % 0x80000000;
    if (t.map.has(key)) {
      t.next = -1;
      t.failure = `${this.reader.what}: abbreviation code ${d.code} at ${at} has the low 31 bits of code ${key}`;
      return;
    }
    t.map.set(key, d.abbrev);
  }

  /**
   * The declaration at `at`, or why libdw rejects it. With `map`: a code
   * already declared at another offset is rejected (`known` when at this one).
   */
  private readDeclaration(
    at: number,
    map?: Map<number, Abbrev>,
  ): { code: number; abbrev: Abbrev; next: number; known: boolean } | string {
    const r = this.reader;
    const end = r.bytes.length;
    const cut = () => `${r.what}: declaration at ${at} cut short by the section end (${end})`;
    r.pos = at;
    const code = r.uleb32();
    const earlier = map?.get(code);
    if (earlier && earlier.offset !== at)
      return `${r.what}: abbreviation code ${code} declared again at ${at} (first at ${earlier.offset})`;
    if (r.pos >= end) return cut();
    const tag = r.uleb32();
    if (r.pos + 1 >= end) return cut();
    r.pos++; // has_children
    const specs: number[] = [];
    for (;;) {
      if (r.pos >= end) return cut();
      const attr = r.uleb32();
      if (r.pos >= end) return cut();
      const form = r.uleb32();
      let implicit = 0;
      if (form === DW_FORM.implicit_const) {
        if (r.pos >= end) return cut();
        implicit = r.sleb();
      }
      if (attr === 0 && form === 0) break;
      specs.push(attr, form, implicit);
    }
    return {
      code,
      abbrev: earlier ?? { tag, specs, offset: at },
      next: r.pos,
      known: earlier !== undefined,
    };
  }

  /**
   * Where `code`'s declaration starts in the table, by a bare walk over the
   * bytes, or TABLE_END when the table ends before it; UNUSUAL at anything
   * the walk leaves to readNext (a value past 28 bits or 16 for a code, a
   * code met twice, the section's end near).
   */
  private skipTo(tableOffset: number, code: number): number {
    const bytes = this.reader.bytes;
    const end = bytes.length;
    const seen = this.seen;
    const stamp = ++this.stamp;
    if (stamp === 0xffffffff) {
      seen.fill(0);
      this.stamp = 1;
    }
    let pos = tableOffset;
    // ULEB128s read inline (a closure over pos would be slow here), at most 4 bytes each
    for (;;) {
      if (pos >= end) return UNUSUAL;
      if (bytes[pos] === 0) return TABLE_END;
      const start = pos;
      let b = 0;
      let shift = 0;
      let c = 0;
      do {
        if (pos >= end || shift >= 28) return UNUSUAL;
        b = bytes[pos++];
        c |= (b & 0x7f) << shift;
        shift += 7;
      } while (b >= 0x80);
      if (c === code) return start;
      if (c >= 0x10000 || seen[c] === this.stamp) return UNUSUAL;
      seen[c] = this.stamp;
      shift = 0;
      do {
        if (pos >= end || shift >= 28) return UNUSUAL;
        b = bytes[pos++];
        shift += 7;
      } while (b >= 0x80); // the tag
      if (pos + 1 >= end) return UNUSUAL;
      pos++; // has_children
      for (;;) {
        let attr = 0;
        shift = 0;
        do {
          if (pos >= end || shift >= 28) return UNUSUAL;
          b = bytes[pos++];
          attr |= (b & 0x7f) << shift;
          shift += 7;
        } while (b >= 0x80);
        let form = 0;
        shift = 0;
        do {
          if (pos >= end || shift >= 28) return UNUSUAL;
          b = bytes[pos++];
          form |= (b & 0x7f) << shift;
          shift += 7;
        } while (b >= 0x80);
        if (form === DW_FORM.implicit_const) {
          shift = 0;
          do {
            if (pos >= end || shift >= 28) return UNUSUAL;
            b = bytes[pos++];
            shift += 7;
          } while (b >= 0x80);
        }
        if (attr === 0 && form === 0) break;
      }
    }
  }
}

/**
 * A unit header libdw will not read, measured against libdw 0.188: a
 * reserved length or an abbreviation offset past `.debug_abbrev` makes
 * dwarf_nextcu fail, and the walk ends before the unit (`endsWalk`); an
 * unknown version or unit type makes only that unit unreadable, and the
 * walk goes on by its length.
 */
class UnitHeaderError extends FormatError {
  constructor(
    message: string,
    readonly endsWalk = false,
  ) {
    super(message);
  }
}

/** Bytes of a unit read up front; the first DIE is almost always within this. */
const FIRST_DIE_READ = 2048;

/**
 * Iterates the units of `.debug_info` in section order, reading only each
 * unit's header and first DIE.
 */
export function readUnits(
  dw: DwarfSections,
  /**
   * Tolerant: a unit whose first DIE cannot be read is returned marked
   * `unreadable` and the walk goes on by its unit_length, as libdw's
   * dwarf_nextcu does (for reading an unrelocated `.ko` as upstream does).
   */
  opts: {
    tolerant?: boolean;
    /**
     * Tolerant: where the walk ends early as libdw's does (see UnitHeaderError):
     * called with the unit's offset, why, and whether that unit itself was read.
     */
    onStop?: (offset: number, cause: string, unitRead: boolean) => void;
    /**
     * Tolerant: units one after another that libdw skips for an unknown
     * version come back as one entry (`skippedRun`), made without an error
     * or an object per unit.
     */
    runs?: boolean;
  } = {},
): CompileUnit[] {
  const file = dw.elf.name;
  const infoSize = dw.size('.debug_info');
  if (infoSize === 0) return [];
  // no .debug_abbrev: every unit's abbreviation offset is past its end (libdw's walk ends at once)
  const abbrevs = new AbbrevTables(
    dw.get('.debug_abbrev') ?? new Uint8Array(0),
    dw.littleEndian,
    '.debug_abbrev',
  );
  const units: CompileUnit[] = [];
  // each unit's first bytes are read into this one buffer: a unit keeps nothing that points into them
  const scratch = new Uint8Array(FIRST_DIE_READ);
  /** The version of the units the last entry stands for, when it is a run (`skippedRun`). */
  let runVersion = -1;
  let off = 0;
  while (off < infoSize) {
    // libdw's dwarf_nextcu starts no unit in the section's last 4 bytes: its walk ends there
    if (off + 4 >= infoSize) {
      const left = infoSize - off;
      const cause = `.debug_info unit at ${off}: ${left} byte${left === 1 ? '' : 's'} left, fewer than a unit header`;
      if (!opts.tolerant || !opts.onStop) throw new FormatError(cause, file);
      opts.onStop(off, cause, false);
      break;
    }
    let chunk = dw.peek('.debug_info', off, FIRST_DIE_READ, scratch);
    if (opts.runs && opts.tolerant && chunk.length >= 6) {
      // what parseUnit would find first, without a reader or an error: a
      // 32-bit unit_length and a version libdw does not read (the unit is
      // skipped by its length, the walk goes on)
      const le = dw.littleEndian;
      const b = chunk;
      const len =
        (le
          ? b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)
          : (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      const version = le ? b[4] | (b[5] << 8) : (b[4] << 8) | b[5];
      if (len < 0xfffffff0 && (version < 2 || version > 5)) {
        const size = Math.min(len + 4, infoSize - off);
        const prev = units[units.length - 1];
        if (prev?.skippedRun !== undefined && runVersion === version) {
          prev.skippedRun++;
          prev.size += size;
        } else {
          runVersion = version;
          units.push({
            offset: off,
            size,
            version: 0,
            unitType: 0,
            addressSize: 0,
            offsetSize: 4,
            tag: 0,
            unreadable: `.debug_info unit at ${off}: unsupported DWARF version ${version}`,
            skippedRun: 1,
          });
        }
        off += size;
        continue;
      }
    }
    let unit: CompileUnit | undefined;
    /** The unit's size as its length says, clamped to the section: all a tolerant walk needs to go on. */
    const unitSize = () => {
      const r = new ByteReader(chunk, dw.littleEndian, `.debug_info unit at ${off}`);
      const len = r.u32();
      const size = len === 0xffffffff ? Number(r.u64()) + 12 : len + 4;
      return Math.min(size, infoSize - off);
    };
    const fail = (e: unknown): CompileUnit | undefined => {
      if (!opts.tolerant || !(e instanceof FormatError))
        throw e instanceof FormatError ? e.withFile(file) : e;
      if (e instanceof UnitHeaderError && e.endsWalk) {
        if (!opts.onStop) throw e.withFile(file);
        opts.onStop(off, e.message, false);
        return undefined;
      }
      return {
        offset: off,
        size: unitSize(),
        version: 0,
        unitType: 0,
        addressSize: 0,
        offsetSize: 4,
        tag: 0,
        unreadable: e.message,
      };
    };
    try {
      unit = parseUnit(chunk, off, infoSize, dw, abbrevs);
    } catch (e) {
      // The first DIE did not fit in the piece read: read the whole unit.
      if (
        !(e instanceof FormatError) ||
        !e.message.includes('truncated') ||
        chunk.length >= unitSize()
      ) {
        unit = fail(e);
      } else {
        chunk = dw.slice('.debug_info', off, unitSize());
        try {
          unit = parseUnit(chunk, off, infoSize, dw, abbrevs);
        } catch (e2) {
          unit = fail(e2);
        }
      }
    }
    if (!unit) break;
    units.push(unit);
    off += unit.size;
    if (unit.lengthPastEnd !== undefined) {
      // libdw reads this unit up to the section end, and no unit after it
      if (!opts.onStop) throw new FormatError(unit.lengthPastEnd, file);
      opts.onStop(unit.offset, unit.lengthPastEnd, true);
      break;
    }
  }
  return units;
}

/** The size of a unit header of this version and type, as libdw computes where the first DIE starts. */
function unitHeaderSize(version: number, unitType: number, offsetSize: number): number {
  // the length field (4, or 12 for 64-bit DWARF), the version, the abbreviation offset, the address size
  let n = 3 * offsetSize - 4 + 3;
  if (version < 5) return n;
  n += 1; // the unit type
  if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) n += 8;
  else if (unitType === DW_UT.type || unitType === DW_UT.split_type) n += 8 + offsetSize;
  return n;
}

/** A section offset of `size` bytes; one past 2^53 is read as Infinity (past any section). */
function sectionOffset(r: ByteReader, size: number): number {
  if (size === 4) return r.u32();
  const v = r.u64();
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
}

function parseUnit(
  bytes: Uint8Array,
  off: number,
  infoSize: number,
  dw: DwarfSections,
  abbrevs: AbbrevTables,
): CompileUnit {
  const r = new ByteReader(bytes, dw.littleEndian, `.debug_info unit at ${off}`);
  const what = r.what;
  // The header is read as libdw's __libdw_next_unit reads it: from the section
  // (not bounded by the unit's length); a header the section cuts ends the walk.
  const cut = () =>
    new UnitHeaderError(
      `${what}: header cut short by the section end (${infoSize - off} bytes left)`,
      true,
    );
  let length = r.u32(); // readUnits leaves 5 bytes at least
  let offsetSize = 4;
  if (length === 0xffffffff) {
    if (r.left < 8) throw cut();
    length = r.u64n();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) {
    throw new UnitHeaderError(`${what}: reserved unit length 0x${length.toString(16)}`, true);
  }
  let size = r.pos + length;
  let lengthPastEnd: string | undefined;
  if (off + size > infoSize) {
    lengthPastEnd = `${what}: length ${length} runs past the section end (${infoSize})`;
    size = infoSize - off;
  }
  if (r.left < 2) throw cut();
  const version = r.u16();
  let unitType: number = DW_UT.compile;
  if (version >= 5) {
    if (r.left < 1) throw cut();
    unitType = r.u8();
  }
  if (version < 2 || version > 5)
    throw new UnitHeaderError(`${what}: unsupported DWARF version ${version}`);
  if (version === 5 && (unitType < DW_UT.compile || unitType > DW_UT.split_type))
    throw new UnitHeaderError(`${what}: unknown unit type ${unitType}`);
  // libdw's walk ends (quietly) at a header whose size by version and unit type reaches the section end
  const headerSize = unitHeaderSize(version, unitType, offsetSize);
  if (off + headerSize >= infoSize)
    throw new UnitHeaderError(
      `${what}: a ${headerSize}-byte unit header does not fit in the ${infoSize - off} bytes left`,
      true,
    );
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    addressSize = r.u8();
    abbrevOffset = sectionOffset(r, offsetSize);
  } else {
    abbrevOffset = sectionOffset(r, offsetSize);
    addressSize = r.u8();
  }
  // libdw takes an abbreviation offset up to the section's size: at its very end the DIE finds no abbreviation
  if (abbrevs.size === 0 || abbrevOffset > abbrevs.size)
    throw new UnitHeaderError(
      `${what}: abbreviation offset ${abbrevOffset} past .debug_abbrev's end (${abbrevs.size})`,
      true,
    );
  if (version >= 5 && unitType !== DW_UT.compile && unitType !== DW_UT.partial) {
    r.skip(8); // the unit id or type signature
    if (unitType === DW_UT.type || unitType === DW_UT.split_type) {
      // libdw checks the type DIE's offset: in the section, and past the header
      const typeOffset = sectionOffset(r, offsetSize);
      if (typeOffset > infoSize || typeOffset < r.pos)
        throw new UnitHeaderError(
          `${what}: type unit's type offset ${typeOffset} ${typeOffset > infoSize ? `past the section end (${infoSize})` : `inside its ${r.pos}-byte header`}`,
          true,
        );
    }
  }
  // nothing of the unit's first DIE is read past the unit's end (libdw's bound too)
  r.end = Math.min(r.end, size);
  // libdw reads a unit of another address size with 8 (libdw_findcu.c: "assume we are dealing with 64bit")
  let addressSizeReplaced: number | undefined;
  if (addressSize !== 4 && addressSize !== 8) {
    addressSizeReplaced = addressSize;
    addressSize = 8;
  }
  const unit: CompileUnit = {
    offset: off,
    size,
    lengthPastEnd,
    addressSizeReplaced,
    version,
    unitType,
    addressSize,
    offsetSize,
    tag: 0,
  };
  if (r.pos >= size) return unit; // a unit with no DIE
  // libdw reads the code into 32 bits; code 0 is no DIE
  const code = r.uleb32();
  if (code === 0) return unit;
  const ab = abbrevs.get(abbrevOffset, code);
  unit.tag = ab.tag;
  const ctx: FormContext = { version, addressSize, offsetSize };
  let strxName: FormValue | undefined;
  let strxCompDir: FormValue | undefined;
  let strOffsetsBase: number | undefined;
  const ra: UnitRangeAttrs = {};
  for (let i = 0; i < ab.specs.length; i += 3) {
    const attr = ab.specs[i];
    const form = ab.specs[i + 1];
    // libdw skips an attribute of form 0 without reading a value, and finds no value for it
    if (form === 0) continue;
    let v: FormValue;
    try {
      v = readForm(r, form, ctx, ab.specs[i + 2]);
    } catch (e) {
      // libdw walks the attributes in order to the one asked for: those
      // before a broken one are found, and the line table with them
      // (a piece shorter than the unit is read again whole first)
      if (!(e instanceof FormatError) || unit.stmtList === undefined || bytes.length < size)
        throw e;
      unit.attributesCut = e.message;
      break;
    }
    switch (attr) {
      case DW_AT.low_pc:
        ra.lowPc = addressAttr(form, v);
        break;
      case DW_AT.high_pc:
        ra.highPc = ADDRESS_FORMS.has(form) ? addressAttr(form, v) : offsetAttr(v);
        break;
      case DW_AT.ranges:
        if (v.kind === 'uint')
          ra.ranges = form === DW_FORM.rnglistx ? { index: v.value } : { offset: v.value };
        break;
      case DW_AT.addr_base:
        if (v.kind === 'uint') ra.addrBase = v.value;
        break;
      case DW_AT.rnglists_base:
        if (v.kind === 'uint') ra.rnglistsBase = v.value;
        break;
      case DW_AT.name:
        strxName = v;
        break;
      case DW_AT.comp_dir:
        strxCompDir = v;
        break;
      case DW_AT.producer:
        if (v.kind !== 'strx') unit.producer = attributeString(unit, 'DW_AT_producer', v, dw, 0);
        break;
      case DW_AT.language:
        if (v.kind === 'uint') unit.language = v.value;
        break;
      case DW_AT.stmt_list:
        if (v.kind === 'uint') unit.stmtList = v.value;
        break;
      case DW_AT.str_offsets_base:
        if (v.kind === 'uint') strOffsetsBase = v.value;
        break;
    }
  }
  // strx values need DW_AT_str_offsets_base, which may come after them; DWARF 5
  // says it defaults to the first table's header size (8 or 16).
  const base = strOffsetsBase ?? (offsetSize === 8 ? 16 : 8);
  if (strxName) unit.name = attributeString(unit, 'DW_AT_name', strxName, dw, base);
  if (strxCompDir) unit.compDir = attributeString(unit, 'DW_AT_comp_dir', strxCompDir, dw, base);
  if (ra.lowPc || ra.highPc || ra.ranges) unit.rangeAttrs = ra;
  return unit;
}

/** Forms that hold an address (or an index of one); any other DW_AT_high_pc form is an offset. */
const ADDRESS_FORMS = new Set<number>([
  DW_FORM.addr,
  DW_FORM.addrx,
  DW_FORM.addrx1,
  DW_FORM.addrx2,
  DW_FORM.addrx3,
  DW_FORM.addrx4,
  DW_FORM.GNU_addr_index,
]);

function addressAttr(
  form: number,
  v: FormValue,
): { address: bigint } | { index: number } | undefined {
  if (form !== DW_FORM.addr) return v.kind === 'uint' ? { index: v.value } : undefined;
  if (v.kind === 'uint') return { address: BigInt(v.value) };
  return v.kind === 'big' ? { address: v.value } : undefined;
}

function offsetAttr(v: FormValue): { offset: bigint } | undefined {
  if (v.kind === 'uint' || v.kind === 'int') return { offset: BigInt(v.value) };
  return v.kind === 'big' ? { offset: v.value } : undefined;
}

/**
 * A string attribute of a unit's first DIE, or undefined when its string
 * cannot be read (no string section, an offset past it): libdw's
 * dwarf_formstring fails on that attribute alone, and the unit is read
 * without it. The first such failure is noted in `stringsUnread`.
 */
function attributeString(
  unit: CompileUnit,
  attr: string,
  v: FormValue,
  dw: DwarfSections,
  strOffsetsBase: number,
): string | undefined {
  try {
    return stringOf(v, dw, strOffsetsBase, unit.offsetSize);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    unit.stringsUnread ??= `${attr}: ${e.message.replace(`${dw.elf.name}: `, '')}`;
    return undefined;
  }
}

/** A string-valued attribute's text, following references into the string sections. */
export function stringOf(
  v: FormValue,
  dw: DwarfSections,
  strOffsetsBase: number,
  offsetSize: number,
): string | undefined {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'strp':
      return dw.str(v.offset);
    case 'line_strp':
      return dw.lineStr(v.offset);
    case 'strx':
      return dw.strx(v.index, strOffsetsBase, offsetSize);
    default:
      return undefined; // supplementary files (dwz) are not read
  }
}
