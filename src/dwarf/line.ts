import { FormatError } from '../errors.js';
import { ByteReader, uleb32At, uleb32End } from '../util/bytes.js';
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
  /**
   * default_is_stmt as stored: libdw keeps it in a one-bit field of each
   * row, so a value other than 0 or 1 fails any table that emits a row.
   */
  defaultIsStmtByte: number;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  /**
   * The byte libdw reads as the operand count of opcode 4 when it runs
   * DW_LNE_set_discriminator (it checks that one, whatever opcode_base is).
   */
  opcode4Length: number;
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
  // libdw's consistency check: the tables end where header_length says the
  // program starts, or 4 bytes before it (libdw 0.188 reads those 4 as the
  // .debug_str offset of NVIDIA CUBINs)
  if (r.origin + r.pos !== h.programOffset && r.origin + r.pos !== h.programOffset - 4)
    throw new FormatError(
      `${what}: directory and file tables end at byte ${r.origin + r.pos}, header_length says ${h.programOffset}`,
    );
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
    const segmentSelectorSize = r.u8();
    // libdw reads a table only with its unit's address size and no segments
    if (addressSize !== unitAddressSize || segmentSelectorSize !== 0)
      throw new FormatError(
        `${what}: address size ${addressSize} and segment selector size ${segmentSelectorSize} (the unit's address size is ${unitAddressSize})`,
      );
  }
  const headerLength = r.offset(offsetSize);
  const programOffset = r.origin + r.pos + headerLength;
  if (programOffset > end)
    throw new FormatError(`${what}: header length ${headerLength} runs past the table end`);
  const minInstLength = r.u8();
  const maxOpsPerInst = version >= 4 ? r.u8() : 1;
  const defaultIsStmtByte = r.u8();
  const defaultIsStmt = defaultIsStmtByte !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  // a line_range of 0 fails only the opcodes that divide by it, as in libdw
  if (opcodeBase === 0) throw new FormatError(`${what}: opcode_base is 0`);
  if (maxOpsPerInst === 0)
    throw new FormatError(`${what}: maximum_operations_per_instruction is 0`);
  const lengthsAt = r.pos;
  const opcode4Length = lengthsAt + 3 < r.end ? r.bytes[lengthsAt + 3] : 0;
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
    defaultIsStmtByte,
    lineBase,
    lineRange,
    opcodeBase,
    standardOpcodeLengths,
    opcode4Length,
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
  const dirFormat = readEntryFormat(r, false);
  const ndirs = entryCount(r, dirFormat, 'directory');
  for (let i = 0; i < ndirs; i++) h.dirs.push(readEntry(r, dirFormat, ctx, dw).name);
  const fileFormat = readEntryFormat(r, true);
  const nfiles = entryCount(r, fileFormat, 'file name');
  for (let i = 0; i < nfiles; i++) {
    const f = readEntry(r, fileFormat, ctx, dw);
    if (f.dirIndex >= ndirs)
      throw new FormatError(`${r.what}: file ${i}: directory index ${f.dirIndex} of ${ndirs}`);
    h.files.push(f);
  }
}

/**
 * A directory or file count, checked against the bytes left: entries
 * without a field, or more of them than bytes, cannot be read (each field
 * of a path takes a byte at least), and looping over a corrupt count would not end.
 */
function entryCount(r: ByteReader, format: number[], what: string): number {
  const at = r.origin + r.pos;
  const count = r.uleb();
  const fields = format.length / 2;
  if (count > 0 && fields === 0)
    throw new FormatError(`${r.what}: ${count} ${what} entries with no fields (byte ${at})`);
  // libdw's bound: at least one byte per field of each entry
  if (fields > 0 && count > Math.floor(r.left / fields))
    throw new FormatError(
      `${r.what}: ${count} ${what} entries of ${fields} fields in ${r.left} bytes of header (byte ${at})`,
    );
  return count;
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
    const dirIndex = r.uleb();
    // index 0 is the unit's directory: libdw knows dirs + 1 of them
    if (dirIndex > h.dirs.length)
      throw new FormatError(
        `${r.what}: file ${name}: directory index ${dirIndex} of ${h.dirs.length + 1}`,
      );
    h.files.push({ name, dirIndex, mtime: r.uleb(), length: r.uleb() });
  }
}

/**
 * A DWARF 5 entry format: (content type, form) pairs. As libdw, a form must
 * be one it can size, and a format with fields must have a path (and, for
 * files, a directory index).
 */
function readEntryFormat(r: ByteReader, files: boolean): number[] {
  const n = r.u8();
  const f: number[] = [];
  let path = false;
  let dirIndex = false;
  for (let i = 0; i < n; i++) {
    // libdw reads both into 16 bits
    const type = r.uleb32() & 0xffff;
    const form = r.uleb32() & 0xffff;
    if (!USER_FORMS.has(form))
      throw new FormatError(`${r.what}: form 0x${form.toString(16)} in an entry format`);
    if (type === DW_LNCT.path) path = true;
    else if (type === DW_LNCT.directory_index) dirIndex = true;
    f.push(type, form);
  }
  if (n > 0 && (!path || (files && !dirIndex)))
    throw new FormatError(
      `${r.what}: ${files ? 'file name' : 'directory'} format without ${path ? 'a directory index' : 'a path'}`,
    );
  return f;
}

/** Forms dwarf_formstring reads a string from, without a supplementary file. */
const PATH_FORMS = new Set<number>([
  DW_FORM.string,
  DW_FORM.strp,
  DW_FORM.line_strp,
  DW_FORM.strx,
  DW_FORM.strx1,
  DW_FORM.strx2,
  DW_FORM.strx3,
  DW_FORM.strx4,
]);

/** Forms libdw accepts in an entry format (DWARF 5 section 6.2.4.2's, and strp_sup). */
const USER_FORMS = new Set<number>([
  DW_FORM.block,
  DW_FORM.block1,
  DW_FORM.block2,
  DW_FORM.block4,
  DW_FORM.data1,
  DW_FORM.data2,
  DW_FORM.data4,
  DW_FORM.data8,
  DW_FORM.data16,
  DW_FORM.flag,
  DW_FORM.line_strp,
  DW_FORM.sdata,
  DW_FORM.sec_offset,
  DW_FORM.string,
  DW_FORM.strp,
  DW_FORM.strp_sup,
  DW_FORM.strx,
  DW_FORM.strx1,
  DW_FORM.strx2,
  DW_FORM.strx3,
  DW_FORM.strx4,
  DW_FORM.udata,
]);

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
        // libdw takes the path with dwarf_formstring: a form without a string fails the table
        if (!PATH_FORMS.has(form))
          throw new FormatError(`${r.what}: a path of form 0x${form.toString(16)}`);
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
const MASK64 = 0xffffffffffffffffn;

/**
 * The operand count of each standard opcode DWARF defines (1 to 12): libdw
 * fails a table whose header declares another count for one it runs.
 */
const STANDARD_OPERANDS = [0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

/** How a line program is read: as libdw does (the default), or as the tools do. */
export interface LineReadOptions {
  /**
   * DW_LNS_advance_pc as llvm-symbolizer and addr2line compute it: the
   * operand's 64 bits, the address wrapping at 2^64. libdw computes the
   * advance in 32 bits, so clang's backward advance (2^64 - n, for code in a
   * later `.subsection`) lands 4 GiB up instead of n bytes back.
   */
  wrap64?: boolean;
}

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
  options: LineReadOptions = {},
): LineTable {
  const { header, bytes } = readTableStart(dw, offset, unitAddressSize);
  const end = header.offset + header.size;
  const rows = scratch ?? allocRows(Math.max(64, (end - header.programOffset) >> 1));
  rows.count = 0;
  const program = new LineProgram(dw, header, bytes, rows, options.wrap64 === true);
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
  /** Bit n set: the header declares standard opcode n (1 to 12) with a count libdw does not accept. */
  private readonly badOperandCounts: number;
  /**
   * True while a register holds more than libdw's row keeps (column 16
   * bits, isa and op_index 8, discriminator 24): a row emitted then fails
   * the table, as libdw's add_new_line does.
   */
  private wide = false;

  constructor(
    dw: DwarfSections,
    private readonly header: LineTableHeader,
    /** The table's bytes, from its first (the section's byte `origin`). */
    bytes: Uint8Array,
    public rows: LineRows,
    /** LineReadOptions.wrap64 */
    private readonly wrap64 = false,
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
    let bad = 0;
    for (let op = 1; op < Math.min(header.opcodeBase, STANDARD_OPERANDS.length); op++)
      if (header.standardOpcodeLengths[op] !== STANDARD_OPERANDS[op]) bad |= 1 << op;
    this.badOperandCounts = bad;
    this.wide = header.defaultIsStmtByte > 1;
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
    if (this.lineRange === 0) throw this.invalid('a special opcode with line_range 0');
    const adj = op - this.opcodeBase;
    const adv = (adj / this.lineRange) | 0;
    if (adv !== 0) this.advance(adv);
    this.line = (this.line + this.lineBase + (adj % this.lineRange)) >>> 0;
    this.emit(false);
  }

  private standard(op: number): void {
    if (
      this.badOperandCounts !== 0 &&
      op < STANDARD_OPERANDS.length &&
      (this.badOperandCounts >>> op) & 1
    )
      throw this.invalid(
        `standard opcode ${op} declared with ${this.header.standardOpcodeLengths[op]} operands, not ${STANDARD_OPERANDS[op]}`,
      );
    switch (op) {
      case DW_LNS.copy:
        this.emit(false);
        break;
      // operands are kept in 32 bits, as libdw's unsigned int and int
      case DW_LNS.advance_pc:
        if (this.wrap64) this.advanceWrapped();
        else this.advance(this.uleb32());
        break;
      case DW_LNS.advance_line:
        this.line = (this.line + this.sleb32()) >>> 0;
        break;
      case DW_LNS.set_file:
        this.file = this.uleb32();
        break;
      case DW_LNS.set_column:
        this.column = this.uleb32();
        this.checkWide();
        break;
      case DW_LNS.negate_stmt:
        this.isStmt = !this.isStmt;
        break;
      case DW_LNS.set_basic_block:
        this.basicBlock = true;
        break;
      case DW_LNS.const_add_pc:
        if (this.lineRange === 0) throw this.invalid('DW_LNS_const_add_pc with line_range 0');
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
        this.isa = this.uleb32();
        this.checkWide();
        break;
      default: {
        // A standard opcode this reader does not know: skip its ULEB operands.
        const n = this.header.standardOpcodeLengths[op] ?? 0;
        for (let k = 0; k < n; k++) this.uleb32();
      }
    }
  }

  /**
   * Opcode 0: a length, a sub-opcode and its operands, read as libdw reads
   * them: the length is one byte (a ULEB128 in DWARF, the same below 128),
   * and a sub-opcode libdw knows is followed by its operands alone (the
   * length only skips one it does not know).
   */
  private extended(): void {
    const at = this.origin + this.pos - 1;
    if (this.end - this.pos < 2) throw this.invalid(`an extended opcode cut short at byte ${at}`);
    const len = this.bytes[this.pos++];
    if (this.end - this.pos < len)
      throw this.invalid(
        `an extended opcode of ${len} bytes at byte ${at} runs past the table end`,
      );
    const sub = this.bytes[this.pos++];
    switch (sub) {
      case DW_LNE.end_sequence:
        this.emit(true);
        this.sequences++;
        this.reset();
        break;
      case DW_LNE.set_address:
        this.setAddress(at);
        break;
      case DW_LNE.define_file:
        this.defineFile(at);
        break;
      case DW_LNE.set_discriminator:
        if (this.header.opcode4Length !== 1)
          throw this.invalid(
            `DW_LNE_set_discriminator at byte ${at} with ${this.header.opcode4Length} operands declared for opcode 4`,
          );
        this.discriminator = this.uleb32();
        this.checkWide();
        break;
      // libdw 0.188 knows NVIDIA's two sub-opcodes: it reads their ULEB128
      // operands (kept apart from the rows) whatever the length says (fuzz
      // powerpc-gcc:102: a sub-opcode 0x91 of length 1 took the next
      // opcode's byte as its operand)
      case DW_LNE.NVIDIA_inlined_call:
        this.uleb32();
        this.uleb32();
        break;
      case DW_LNE.NVIDIA_set_function_name:
        this.uleb32();
        break;
      default:
        // unknown or vendor: skipped by its length, counted from the sub-opcode
        // (a length of 0 steps back onto it, as libdw does)
        if (this.end - (this.pos - 1) < len) throw this.truncated();
        this.pos += len - 1;
    }
  }

  /** DW_LNE_set_address: an operand of the unit's address size (libdw reads 4 bytes or 8). */
  private setAddress(at: number): void {
    this.opIndex = 0;
    const size = this.addressSize;
    if (this.end - this.pos < size)
      throw this.invalid(`DW_LNE_set_address at byte ${at} runs past the table end`);
    const { view, le, pos } = this;
    if (size === 4) {
      this.lo = view.getUint32(pos, le);
      this.hi = 0;
      this.pos += 4;
    } else {
      if (this.end - this.pos < 8)
        throw this.invalid(`DW_LNE_set_address at byte ${at} runs past the table end`);
      this.lo = view.getUint32(pos + (le ? 0 : 4), le);
      this.hi = view.getUint32(pos + (le ? 4 : 0), le);
      this.pos += 8;
    }
  }

  /** DW_LNE_define_file: appends a file entry to the header's table (its directory must exist). */
  private defineFile(at: number): void {
    const nul = this.bytes.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) throw this.invalid(`DW_LNE_define_file at byte ${at}: no name`);
    const r = new ByteReader(this.bytes, this.le, this.what, this.pos, this.end, this.origin);
    const name = r.cstring();
    this.pos = r.pos;
    const dirIndex = this.uleb32(); // libdw: an unsigned int
    const dirs = this.header.version >= 5 ? this.header.dirs.length : this.header.dirs.length + 1;
    if (dirIndex >= dirs)
      throw this.invalid(
        `DW_LNE_define_file at byte ${at}: directory index ${dirIndex} of ${dirs}`,
      );
    const r2 = new ByteReader(this.bytes, this.le, this.what, this.pos, this.end, this.origin);
    const mtime = r2.uleb();
    const length = r2.uleb();
    this.pos = r2.pos;
    this.header.files.push({ name, dirIndex, mtime, length });
  }

  /** Recomputes `wide` after a register libdw's row narrows was set. */
  private checkWide(): void {
    this.wide =
      this.header.defaultIsStmtByte > 1 ||
      this.column > 0xffff ||
      this.isa > 0xff ||
      this.discriminator > 0xffffff ||
      this.opIndex > 0xff;
  }

  private invalid(why: string): FormatError {
    return new FormatError(`${this.what}: ${why}`);
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
    // libdw computes the advance in 32 bits (unsigned int), then adds it to the 64-bit address
    let delta: number;
    if (this.maxOpsPerInst === 1) {
      delta = (this.minInstLength * adv) % TWO32;
    } else {
      const t = (this.opIndex + adv) % TWO32;
      delta = (this.minInstLength * Math.floor(t / this.maxOpsPerInst)) % TWO32;
      this.opIndex = t % this.maxOpsPerInst;
    }
    let lo = this.lo + delta;
    if (lo >= TWO32 || lo < 0) {
      const carry = Math.floor(lo / TWO32);
      lo -= carry * TWO32;
      this.hi = (this.hi + carry) >>> 0;
    }
    // no wrap at 32 bits on a 32-bit target: libdw keeps the address in 64
    // (a row advanced past 4 GiB is then dropped as too far from _text)
    this.lo = lo;
  }

  /** DW_LNS_advance_pc read as the tools read it (LineReadOptions.wrap64). */
  private advanceWrapped(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= this.end) throw this.truncated();
      const b = bytes[pos++];
      if (shift < 64n) v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    this.pos = pos;
    const ops = BigInt(this.maxOpsPerInst);
    const t = BigInt(this.opIndex) + (v & MASK64);
    const delta = BigInt(this.minInstLength) * (ops === 1n ? t : t / ops);
    if (ops !== 1n) this.opIndex = Number(t % ops);
    const addr = (((BigInt(this.hi) << 32n) | BigInt(this.lo)) + delta) & MASK64;
    this.hi = Number(addr >> 32n);
    this.lo = Number(addr & 0xffffffffn);
  }

  /** Appends a row from the registers and clears the per-row ones. */
  private emit(endSeq: boolean): void {
    if (this.wide || this.opIndex > 0xff)
      throw this.invalid(
        `a row with column ${this.column}, isa ${this.isa}, discriminator ${this.discriminator}, op_index ${this.opIndex}, default_is_stmt ${this.header.defaultIsStmtByte}: more than libdw's row holds`,
      );
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
    if (this.discriminator !== 0) {
      this.discriminator = 0;
      this.checkWide();
    }
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
    this.wide = this.header.defaultIsStmtByte > 1;
  }

  /**
   * A ULEB128 operand's low 32 bits, as libdw reads one into an `unsigned
   * int` (see ByteReader.uleb): at most 10 bytes, never past the table's
   * end; one that does not end within them is 0xffffffff, and the program
   * goes on after those bytes.
   */
  private uleb32(): number {
    const bytes = this.bytes;
    const pos = this.pos;
    if (pos >= this.end) throw this.truncated();
    const b0 = bytes[pos];
    if (b0 < 0x80) {
      this.pos = pos + 1;
      return b0;
    }
    const v = uleb32At(bytes, pos, this.end);
    this.pos = uleb32End;
    return v;
  }

  /** An SLEB128 operand's low 32 bits, signed, as libdw reads one into an `int`. */
  private sleb32(): number {
    const bytes = this.bytes;
    const pos = this.pos;
    if (pos >= this.end) throw this.truncated();
    const b0 = bytes[pos];
    if (b0 < 0x80) {
      this.pos = pos + 1;
      return b0 & 0x40 ? b0 - 0x80 : b0;
    }
    // ended within 4 bytes (28 bits): the common case, read here
    let result = 0;
    for (let i = 0; i < 4 && pos + i < this.end; i++) {
      const b = bytes[pos + i];
      result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.pos = pos + i + 1;
        return b & 0x40 ? result - 2 ** (7 * (i + 1)) : result;
      }
    }
    const r = new ByteReader(bytes, this.le, this.what, pos, this.end, this.origin);
    const v = r.sleb32();
    this.pos = r.pos;
    return v;
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
  // DWARF before 5 has no file 0; libdw names it "???" (and the generator keeps its rows)
  if (fileIndex === 0 && h.version < 5) return '???';
  const f = h.files[fileIndex];
  if (!f) return undefined;
  if (f.name.startsWith('/')) return f.name;
  const dir =
    h.version >= 5 ? h.dirs[f.dirIndex] : f.dirIndex === 0 ? compDir : h.dirs[f.dirIndex - 1];
  return dir === undefined ? f.name : `${dir}/${f.name}`;
}
