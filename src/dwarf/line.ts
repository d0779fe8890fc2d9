import { FormatError } from '../errors.js';
import { ByteReader } from '../util/bytes.js';
import { DW_FORM, DW_LNCT, DW_LNE, DW_LNS } from './constants.js';
import { type FormContext, type FormValue, readForm } from './forms.js';
import { stringOf } from './info.js';
import type { DwarfSections } from './sections.js';

export interface LineFileEntry {
  name: string;
  dirIndex: number;
  mtime: number;
  length: number;
  md5?: Uint8Array;
}

export interface LineTableHeader {
  /** Offset of the table in `.debug_line`. */
  offset: number;
  /** Size of the whole table including its length field. */
  size: number;
  offsetSize: number;
  version: number;
  addressSize: number;
  minInstLength: number;
  maxOpsPerInst: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  /** Include directories in table order (DWARF 5: index 0 is the first entry; before 5 the table starts at index 1). */
  dirs: string[];
  /**
   * File entries indexed by the value of the file register: DWARF 5 counts
   * from 0, earlier versions from 1 (index 0 is then undefined).
   * DW_LNE_define_file entries are appended as the program runs.
   */
  files: (LineFileEntry | undefined)[];
  programOffset: number;
}

/** Row flags, one byte per row. */
export const ROW = {
  isStmt: 1,
  basicBlock: 2,
  endSequence: 4,
  prologueEnd: 8,
  epilogueBegin: 16,
} as const;

/**
 * The rows of a line table, column by column (no object per row: a vmlinux has
 * millions). Addresses are split in two u32 halves because 64-bit kernel
 * addresses do not fit a JS number exactly. Arrays may be longer than `count`.
 */
export interface LineRows {
  count: number;
  addrHi: Uint32Array;
  addrLo: Uint32Array;
  opIndex: Uint32Array;
  file: Uint32Array;
  line: Uint32Array;
  column: Uint32Array;
  discriminator: Uint32Array;
  isa: Uint32Array;
  flags: Uint8Array;
}

export function allocRows(capacity: number): LineRows {
  return {
    count: 0,
    addrHi: new Uint32Array(capacity),
    addrLo: new Uint32Array(capacity),
    opIndex: new Uint32Array(capacity),
    file: new Uint32Array(capacity),
    line: new Uint32Array(capacity),
    column: new Uint32Array(capacity),
    discriminator: new Uint32Array(capacity),
    isa: new Uint32Array(capacity),
    flags: new Uint8Array(capacity),
  };
}

function growRows(rows: LineRows, min: number): LineRows {
  const next = allocRows(Math.max(min, rows.addrHi.length * 2, 1024));
  const n = rows.count;
  next.count = n;
  next.addrHi.set(rows.addrHi.subarray(0, n));
  next.addrLo.set(rows.addrLo.subarray(0, n));
  next.opIndex.set(rows.opIndex.subarray(0, n));
  next.file.set(rows.file.subarray(0, n));
  next.line.set(rows.line.subarray(0, n));
  next.column.set(rows.column.subarray(0, n));
  next.discriminator.set(rows.discriminator.subarray(0, n));
  next.isa.set(rows.isa.subarray(0, n));
  next.flags.set(rows.flags.subarray(0, n));
  return next;
}

export interface LineTable {
  header: LineTableHeader;
  rows: LineRows;
  /** Sequences, as [firstRow, endRowInclusive] pairs in program order. */
  sequences: number;
}

/** Reads the header of the line table at `offset` of `.debug_line`. */
export function readLineHeader(
  dw: DwarfSections,
  offset: number,
  unitAddressSize = 0,
): LineTableHeader {
  return readTableStart(dw, offset, unitAddressSize).header;
}

/**
 * The header of the table at `offset`, and the table's bytes: a window of
 * `.debug_line` from `offset` on (valid until the next window), so the
 * section is never held whole when it can be read in parts.
 */
function readTableStart(
  dw: DwarfSections,
  offset: number,
  unitAddressSize: number,
): { header: LineTableHeader; bytes: Uint8Array } {
  const sectionSize = dw.size('.debug_line');
  const what = `.debug_line table at ${offset}`;
  if (offset >= sectionSize)
    throw new FormatError(`${what}: offset past the section end (${sectionSize})`);
  // the unit length first (4 or 12 bytes), then the table as long as it says
  const head = dw.window('.debug_line', offset, 12);
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let length = head.length >= 4 ? hv.getUint32(0, dw.littleEndian) : 0;
  if (length === 0xffffffff && head.length >= 12) {
    length = 12 + Number(hv.getBigUint64(4, dw.littleEndian));
  } else length += 4;
  const bytes = dw.window('.debug_line', offset, Math.min(length, sectionSize - offset));
  const r = new ByteReader(bytes, dw.littleEndian, what, 0, bytes.length, offset);
  const h = readHeaderFields(r, offset, unitAddressSize, sectionSize);
  if (h.version >= 5) readEntryTablesV5(r, h, dw);
  else readEntryTablesV2toV4(r, h);
  return { header: h, bytes };
}

/**
 * Reads the unit length and sets `r.end` to the table's end. Returns that end
 * (in the section) and the offset size the length's form implies (4, or 8
 * for 64-bit DWARF).
 */
function readTableLength(r: ByteReader, sectionSize: number): { end: number; offsetSize: number } {
  let length = r.u32();
  let offsetSize = 4;
  if (length === 0xffffffff) {
    length = r.u64n();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) {
    throw new FormatError(`${r.what}: reserved unit length 0x${length.toString(16)}`);
  }
  const end = r.origin + r.pos + length;
  if (end > sectionSize)
    throw new FormatError(`${r.what}: length ${length} runs past the section end (${sectionSize})`);
  r.end = end - r.origin;
  return { end, offsetSize };
}

/**
 * Reads the header up to the directory and file tables, which it leaves
 * empty; `r` is left at the first of them.
 */
function readHeaderFields(
  r: ByteReader,
  offset: number,
  unitAddressSize: number,
  sectionSize: number,
): LineTableHeader {
  const what = r.what;
  const { end, offsetSize } = readTableLength(r, sectionSize);
  const version = r.u16();
  if (version < 2 || version > 5)
    throw new FormatError(`${what}: unsupported line table version ${version}`);
  let addressSize = unitAddressSize;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size
  }
  const headerLength = r.offset(offsetSize);
  const programOffset = r.origin + r.pos + headerLength;
  if (programOffset > end)
    throw new FormatError(`${what}: header length ${headerLength} runs past the table end`);
  const minInstLength = r.u8();
  const maxOpsPerInst = version >= 4 ? r.u8() : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  if (lineRange === 0) throw new FormatError(`${what}: line_range is 0`);
  if (opcodeBase === 0) throw new FormatError(`${what}: opcode_base is 0`);
  if (maxOpsPerInst === 0)
    throw new FormatError(`${what}: maximum_operations_per_instruction is 0`);
  const standardOpcodeLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(r.u8());
  return {
    offset,
    size: end - offset,
    offsetSize,
    version,
    addressSize,
    minInstLength,
    maxOpsPerInst,
    defaultIsStmt,
    lineBase,
    lineRange,
    opcodeBase,
    standardOpcodeLengths,
    dirs: [],
    files: [],
    programOffset,
  };
}

/** DWARF 5 directory and file tables: each described by its own entry format. */
function readEntryTablesV5(r: ByteReader, h: LineTableHeader, dw: DwarfSections): void {
  const ctx: FormContext = {
    version: h.version,
    addressSize: h.addressSize,
    offsetSize: h.offsetSize,
  };
  const dirFormat = readEntryFormat(r);
  const ndirs = r.uleb();
  for (let i = 0; i < ndirs; i++) h.dirs.push(readEntry(r, dirFormat, ctx, dw).name);
  const fileFormat = readEntryFormat(r);
  const nfiles = r.uleb();
  for (let i = 0; i < nfiles; i++) h.files.push(readEntry(r, fileFormat, ctx, dw));
}

/** DWARF 2-4 include_directories and file_names: sequences ended by an empty name. */
function readEntryTablesV2toV4(r: ByteReader, h: LineTableHeader): void {
  h.files.push(undefined); // file register values count from 1
  for (;;) {
    const d = r.cstring();
    if (d === '') break;
    h.dirs.push(d);
  }
  for (;;) {
    const name = r.cstring();
    if (name === '') break;
    h.files.push({ name, dirIndex: r.uleb(), mtime: r.uleb(), length: r.uleb() });
  }
}

function readEntryFormat(r: ByteReader): number[] {
  const n = r.u8();
  const f: number[] = [];
  for (let i = 0; i < n; i++) f.push(r.uleb(), r.uleb());
  return f;
}

function readEntry(
  r: ByteReader,
  format: number[],
  ctx: FormContext,
  dw: DwarfSections,
): LineFileEntry {
  const e: LineFileEntry = { name: '', dirIndex: 0, mtime: 0, length: 0 };
  for (let i = 0; i < format.length; i += 2) {
    const type = format[i];
    const form = format[i + 1];
    // GCC's two fields read directly: a vmlinux has some 300,000 entries, each
    // decoded value would otherwise be an object to collect
    if (type === DW_LNCT.path && form === DW_FORM.line_strp) {
      e.name = dw.lineStr(r.offset(ctx.offsetSize));
      continue;
    }
    if (type === DW_LNCT.directory_index && form === DW_FORM.udata) {
      e.dirIndex = r.uleb();
      continue;
    }
    const v: FormValue = readForm(r, form, ctx);
    switch (type) {
      case DW_LNCT.path:
        // strx in a line table has no unit to give str_offsets_base; use the default.
        e.name = stringOf(v, dw, ctx.offsetSize === 8 ? 16 : 8, ctx.offsetSize) ?? '';
        break;
      case DW_LNCT.directory_index:
        e.dirIndex = numeric(v);
        break;
      case DW_LNCT.timestamp:
        e.mtime = v.kind === 'block' ? 0 : numeric(v);
        break;
      case DW_LNCT.size:
        e.length = numeric(v);
        break;
      case DW_LNCT.MD5:
        if (v.kind === 'block' && form === DW_FORM.data16) e.md5 = v.bytes.slice(); // the bytes are a window
        break;
      // vendor content types (DW_LNCT_LLVM_source ...) are read and ignored
    }
  }
  return e;
}

function numeric(v: FormValue): number {
  if (v.kind === 'uint' || v.kind === 'int') return v.value;
  if (v.kind === 'big') return Number(v.value);
  return 0;
}

const TWO32 = 0x100000000;

/**
 * Runs the line-number program of the table at `offset` and returns its rows
 * in program order. `scratch` (optional) is reused for the rows to avoid an
 * allocation per unit; the result aliases it until the next call.
 */
export function readLineTable(
  dw: DwarfSections,
  offset: number,
  unitAddressSize = 0,
  scratch?: LineRows,
): LineTable {
  const { header, bytes } = readTableStart(dw, offset, unitAddressSize);
  const end = header.offset + header.size;
  const rows = scratch ?? allocRows(Math.max(64, (end - header.programOffset) >> 1));
  rows.count = 0;
  const program = new LineProgram(dw, header, bytes, rows);
  program.run();
  return { header, rows: program.rows, sequences: program.sequences };
}

/**
 * The line-number state machine (DWARF 5 section 6.2.2) running one table's
 * program: its registers, the position in the program, and the rows emitted.
 * One object per table, so the per-opcode methods allocate nothing.
 */
class LineProgram {
  // The registers. The address is kept as hi/lo u32 halves.
  private hi = 0;
  private lo = 0;
  private opIndex = 0;
  private file = 1;
  private line = 1;
  private column = 0;
  private isStmt: boolean;
  private basicBlock = false;
  private prologueEnd = false;
  private epilogueBegin = false;
  private isa = 0;
  private discriminator = 0;

  sequences = 0;
  /** Position of the next opcode byte in the table's bytes (plus `origin`: in `.debug_line`). */
  private pos: number;
  // Copies of the header's fields: read for every opcode.
  private readonly end: number;
  private readonly minInstLength: number;
  private readonly maxOpsPerInst: number;
  private readonly lineBase: number;
  private readonly lineRange: number;
  private readonly opcodeBase: number;
  private readonly addressSize: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly what: string;
  /** Where the table starts in `.debug_line`: positions in messages are the section's. */
  private readonly origin: number;

  constructor(
    dw: DwarfSections,
    private readonly header: LineTableHeader,
    /** The table's bytes, from its first (the section's byte `origin`). */
    bytes: Uint8Array,
    public rows: LineRows,
  ) {
    this.origin = header.offset;
    this.isStmt = header.defaultIsStmt;
    this.pos = header.programOffset - this.origin;
    this.end = header.size;
    this.minInstLength = header.minInstLength;
    this.maxOpsPerInst = header.maxOpsPerInst;
    this.lineBase = header.lineBase;
    this.lineRange = header.lineRange;
    this.opcodeBase = header.opcodeBase;
    this.addressSize = header.addressSize;
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = dw.littleEndian;
    this.what = `.debug_line table at ${header.offset}`;
  }

  run(): void {
    const bytes = this.bytes;
    const end = this.end;
    const opcodeBase = this.opcodeBase;
    while (this.pos < end) {
      const op = bytes[this.pos++];
      if (op >= opcodeBase) this.special(op);
      else if (op === 0) this.extended();
      else this.standard(op);
    }
  }

  /** A special opcode: advance address and line together, then emit a row. */
  private special(op: number): void {
    const adj = op - this.opcodeBase;
    const adv = (adj / this.lineRange) | 0;
    if (adv !== 0) this.advance(adv);
    this.line = (this.line + this.lineBase + (adj % this.lineRange)) >>> 0;
    this.emit(false);
  }

  private standard(op: number): void {
    switch (op) {
      case DW_LNS.copy:
        this.emit(false);
        break;
      case DW_LNS.advance_pc:
        this.advance(this.uleb());
        break;
      case DW_LNS.advance_line:
        this.line = (this.line + this.sleb()) >>> 0;
        break;
      case DW_LNS.set_file:
        this.file = this.uleb();
        break;
      case DW_LNS.set_column:
        this.column = this.uleb();
        break;
      case DW_LNS.negate_stmt:
        this.isStmt = !this.isStmt;
        break;
      case DW_LNS.set_basic_block:
        this.basicBlock = true;
        break;
      case DW_LNS.const_add_pc:
        this.advance(((255 - this.opcodeBase) / this.lineRange) | 0);
        break;
      case DW_LNS.fixed_advance_pc:
        this.fixedAdvancePc();
        break;
      case DW_LNS.set_prologue_end:
        this.prologueEnd = true;
        break;
      case DW_LNS.set_epilogue_begin:
        this.epilogueBegin = true;
        break;
      case DW_LNS.set_isa:
        this.isa = this.uleb();
        break;
      default: {
        // A standard opcode this reader does not know: skip its ULEB operands.
        const n = this.header.standardOpcodeLengths[op] ?? 0;
        for (let k = 0; k < n; k++) this.uleb();
      }
    }
  }

  /** Opcode 0: a length, a sub-opcode and its operands. */
  private extended(): void {
    const len = this.uleb();
    if (len === 0) return; // an empty extended opcode: nothing to do
    const start = this.pos;
    if (start + len > this.end) throw this.truncated();
    const sub = this.bytes[this.pos++];
    switch (sub) {
      case DW_LNE.end_sequence:
        this.emit(true);
        this.sequences++;
        this.reset();
        break;
      case DW_LNE.set_address:
        this.setAddress(len - 1, start);
        break;
      case DW_LNE.define_file:
        this.defineFile(start + len);
        break;
      case DW_LNE.set_discriminator:
        this.discriminator = this.uleb();
        break;
      default:
        break; // unknown or vendor extended opcode: skipped by its length
    }
    this.pos = start + len;
  }

  /** DW_LNE_set_address with a `size`-byte operand; `start` is the opcode's, for errors. */
  private setAddress(size: number, start: number): void {
    const { view, le, pos } = this;
    if (size === 8) {
      this.lo = view.getUint32(pos + (le ? 0 : 4), le);
      this.hi = view.getUint32(pos + (le ? 4 : 0), le);
    } else if (size === 4) {
      this.lo = view.getUint32(pos, le);
      this.hi = 0;
    } else if (size === 2) {
      this.lo = view.getUint16(pos, le);
      this.hi = 0;
    } else if (size === 1) {
      this.lo = this.bytes[pos];
      this.hi = 0;
    } else {
      throw new FormatError(
        `${this.what}: DW_LNE_set_address with a ${size}-byte operand at byte ${this.origin + start}`,
      );
    }
    this.opIndex = 0;
  }

  /** DW_LNE_define_file: appends a file entry to the header's table. */
  private defineFile(end: number): void {
    const r = new ByteReader(this.bytes, this.le, this.what, this.pos, end, this.origin);
    const name = r.cstring();
    this.header.files.push({ name, dirIndex: r.uleb(), mtime: r.uleb(), length: r.uleb() });
  }

  /** DW_LNS_fixed_advance_pc: a u16 added to the address, op_index reset. */
  private fixedAdvancePc(): void {
    if (this.pos + 2 > this.end) throw this.truncated();
    const delta = this.view.getUint16(this.pos, this.le);
    this.pos += 2;
    this.lo += delta;
    if (this.lo >= TWO32) {
      this.lo -= TWO32;
      this.hi = (this.hi + 1) >>> 0;
    }
    this.opIndex = 0;
  }

  /** Advances the address by `adv` operations (DWARF 6.2.5.1, with VLIW op_index). */
  private advance(adv: number): void {
    let delta: number;
    if (this.maxOpsPerInst === 1) {
      delta = this.minInstLength * adv;
    } else {
      const t = this.opIndex + adv;
      delta = this.minInstLength * Math.floor(t / this.maxOpsPerInst);
      this.opIndex = t % this.maxOpsPerInst;
    }
    let lo = this.lo + delta;
    if (lo >= TWO32 || lo < 0) {
      const carry = Math.floor(lo / TWO32);
      lo -= carry * TWO32;
      this.hi = (this.hi + carry) >>> 0;
    }
    this.lo = lo;
    if (this.addressSize === 4) this.hi = 0;
  }

  /** Appends a row from the registers and clears the per-row ones. */
  private emit(endSeq: boolean): void {
    let rows = this.rows;
    const i = rows.count;
    if (i >= rows.addrHi.length) {
      rows = growRows(rows, i + 1);
      this.rows = rows;
    }
    rows.addrHi[i] = this.hi;
    rows.addrLo[i] = this.lo;
    rows.opIndex[i] = this.opIndex;
    rows.file[i] = this.file;
    rows.line[i] = this.line;
    rows.column[i] = this.column;
    rows.discriminator[i] = this.discriminator;
    rows.isa[i] = this.isa;
    rows.flags[i] =
      (this.isStmt ? ROW.isStmt : 0) |
      (this.basicBlock ? ROW.basicBlock : 0) |
      (endSeq ? ROW.endSequence : 0) |
      (this.prologueEnd ? ROW.prologueEnd : 0) |
      (this.epilogueBegin ? ROW.epilogueBegin : 0);
    rows.count = i + 1;
    this.basicBlock = false;
    this.prologueEnd = false;
    this.epilogueBegin = false;
    this.discriminator = 0;
  }

  /** The registers' values at the start of a sequence. */
  private reset(): void {
    this.hi = 0;
    this.lo = 0;
    this.opIndex = 0;
    this.file = 1;
    this.line = 1;
    this.column = 0;
    this.isStmt = this.header.defaultIsStmt;
    this.basicBlock = false;
    this.prologueEnd = false;
    this.epilogueBegin = false;
    this.isa = 0;
    this.discriminator = 0;
  }

  private uleb(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.truncated();
      }
      const b = bytes[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
  }

  private sleb(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let result = 0;
    let mul = 1;
    let b: number;
    do {
      if (pos >= this.end) {
        this.pos = pos;
        throw this.truncated();
      }
      b = bytes[pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
    } while (b >= 0x80);
    this.pos = pos;
    return b & 0x40 ? result - mul : result;
  }

  private truncated(): FormatError {
    return new FormatError(
      `${this.what}: line program truncated at byte ${this.origin + this.pos} (table ends at ${this.origin + this.end})`,
    );
  }
}

/**
 * The path of a file entry as elfutils' libdw builds it: an absolute name as
 * it is; otherwise the entry's include directory, "/", and the name. Before
 * DWARF 5 directory 0 is the unit's DW_AT_comp_dir; without one the name stays
 * relative. Undefined when the index has no entry.
 */
export function libdwFilePath(
  h: LineTableHeader,
  fileIndex: number,
  compDir: string | undefined,
): string | undefined {
  const f = h.files[fileIndex];
  if (!f) return undefined;
  if (f.name.startsWith('/')) return f.name;
  const dir =
    h.version >= 5 ? h.dirs[f.dirIndex] : f.dirIndex === 0 ? compDir : h.dirs[f.dirIndex - 1];
  return dir === undefined ? f.name : `${dir}/${f.name}`;
}
