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
  const bytes = dw.require('.debug_line');
  const what = `.debug_line table at ${offset}`;
  if (offset >= bytes.length)
    throw new FormatError(`${what}: offset past the section end (${bytes.length})`);
  const r = new ByteReader(bytes, dw.littleEndian, what, offset);
  let length = r.u32();
  let offsetSize = 4;
  if (length === 0xffffffff) {
    length = r.u64n();
    offsetSize = 8;
  } else if (length >= 0xfffffff0) {
    throw new FormatError(`${what}: reserved unit length 0x${length.toString(16)}`);
  }
  const end = r.pos + length;
  if (end > bytes.length)
    throw new FormatError(`${what}: length ${length} runs past the section end (${bytes.length})`);
  r.end = end;
  const version = r.u16();
  if (version < 2 || version > 5)
    throw new FormatError(`${what}: unsupported line table version ${version}`);
  let addressSize = unitAddressSize;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size
  }
  const headerLength = r.offset(offsetSize);
  const programOffset = r.pos + headerLength;
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

  const dirs: string[] = [];
  const files: (LineFileEntry | undefined)[] = [];
  const h: LineTableHeader = {
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
    dirs,
    files,
    programOffset,
  };
  if (version >= 5) {
    const ctx: FormContext = { version, addressSize, offsetSize };
    const dirFormat = readEntryFormat(r);
    const ndirs = r.uleb();
    for (let i = 0; i < ndirs; i++) dirs.push(readEntry(r, dirFormat, ctx, dw).name);
    const fileFormat = readEntryFormat(r);
    const nfiles = r.uleb();
    for (let i = 0; i < nfiles; i++) files.push(readEntry(r, fileFormat, ctx, dw));
  } else {
    files.push(undefined); // file register values count from 1
    for (;;) {
      const d = r.cstring();
      if (d === '') break;
      dirs.push(d);
    }
    for (;;) {
      const name = r.cstring();
      if (name === '') break;
      files.push({ name, dirIndex: r.uleb(), mtime: r.uleb(), length: r.uleb() });
    }
  }
  return h;
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
        if (v.kind === 'block' && form === DW_FORM.data16) e.md5 = v.bytes;
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
  const header = readLineHeader(dw, offset, unitAddressSize);
  const bytes = dw.require('.debug_line');
  const end = header.offset + header.size;
  let rows = scratch ?? allocRows(Math.max(64, (end - header.programOffset) >> 1));
  rows.count = 0;
  const what = `.debug_line table at ${offset}`;
  const le = dw.littleEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const {
    minInstLength,
    maxOpsPerInst,
    lineBase,
    lineRange,
    opcodeBase,
    standardOpcodeLengths,
    defaultIsStmt,
  } = header;
  const addressSize = header.addressSize;

  // State machine registers. The address is kept as hi/lo u32 halves.
  let hi = 0;
  let lo = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  let basicBlock = false;
  let prologueEnd = false;
  let epilogueBegin = false;
  let isa = 0;
  let discriminator = 0;
  let sequences = 0;

  let pos = header.programOffset;
  const truncated = () =>
    new FormatError(`${what}: line program truncated at byte ${pos} (table ends at ${end})`);
  const uleb = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= end) throw truncated();
      const b = bytes[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  const sleb = (): number => {
    let result = 0;
    let mul = 1;
    let b: number;
    do {
      if (pos >= end) throw truncated();
      b = bytes[pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
    } while (b >= 0x80);
    return b & 0x40 ? result - mul : result;
  };
  /** Advances the address by `adv` operations (DWARF 6.2.5.1, with VLIW op_index). */
  const advance = (adv: number) => {
    let delta: number;
    if (maxOpsPerInst === 1) {
      delta = minInstLength * adv;
    } else {
      const t = opIndex + adv;
      delta = minInstLength * Math.floor(t / maxOpsPerInst);
      opIndex = t % maxOpsPerInst;
    }
    lo += delta;
    if (lo >= TWO32 || lo < 0) {
      const carry = Math.floor(lo / TWO32);
      lo -= carry * TWO32;
      hi = (hi + carry) >>> 0;
    }
    if (addressSize === 4) hi = 0;
  };
  const emit = (endSeq: boolean) => {
    const i = rows.count;
    if (i >= rows.addrHi.length) rows = growRows(rows, i + 1);
    rows.addrHi[i] = hi;
    rows.addrLo[i] = lo;
    rows.opIndex[i] = opIndex;
    rows.file[i] = file;
    rows.line[i] = line;
    rows.column[i] = column;
    rows.discriminator[i] = discriminator;
    rows.isa[i] = isa;
    rows.flags[i] =
      (isStmt ? ROW.isStmt : 0) |
      (basicBlock ? ROW.basicBlock : 0) |
      (endSeq ? ROW.endSequence : 0) |
      (prologueEnd ? ROW.prologueEnd : 0) |
      (epilogueBegin ? ROW.epilogueBegin : 0);
    rows.count = i + 1;
    basicBlock = false;
    prologueEnd = false;
    epilogueBegin = false;
    discriminator = 0;
  };
  const reset = () => {
    hi = 0;
    lo = 0;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
    basicBlock = false;
    prologueEnd = false;
    epilogueBegin = false;
    isa = 0;
    discriminator = 0;
  };

  while (pos < end) {
    const op = bytes[pos++];
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      const adv = (adj / lineRange) | 0;
      if (adv !== 0) advance(adv);
      line = (line + lineBase + (adj % lineRange)) >>> 0;
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        const len = uleb();
        if (len === 0) break; // an empty extended opcode: nothing to do
        const start = pos;
        if (start + len > end) throw truncated();
        const sub = bytes[pos++];
        switch (sub) {
          case DW_LNE.end_sequence:
            emit(true);
            sequences++;
            reset();
            break;
          case DW_LNE.set_address: {
            const size = len - 1;
            if (size === 8) {
              lo = view.getUint32(pos + (le ? 0 : 4), le);
              hi = view.getUint32(pos + (le ? 4 : 0), le);
            } else if (size === 4) {
              lo = view.getUint32(pos, le);
              hi = 0;
            } else if (size === 2) {
              lo = view.getUint16(pos, le);
              hi = 0;
            } else if (size === 1) {
              lo = bytes[pos];
              hi = 0;
            } else {
              throw new FormatError(
                `${what}: DW_LNE_set_address with a ${size}-byte operand at byte ${start}`,
              );
            }
            opIndex = 0;
            break;
          }
          case DW_LNE.define_file: {
            const r = new ByteReader(bytes, le, what, pos, start + len);
            const name = r.cstring();
            header.files.push({ name, dirIndex: r.uleb(), mtime: r.uleb(), length: r.uleb() });
            break;
          }
          case DW_LNE.set_discriminator:
            discriminator = uleb();
            break;
          default:
            break; // unknown or vendor extended opcode: skipped by its length
        }
        pos = start + len;
        break;
      }
      case DW_LNS.copy:
        emit(false);
        break;
      case DW_LNS.advance_pc:
        advance(uleb());
        break;
      case DW_LNS.advance_line:
        line = (line + sleb()) >>> 0;
        break;
      case DW_LNS.set_file:
        file = uleb();
        break;
      case DW_LNS.set_column:
        column = uleb();
        break;
      case DW_LNS.negate_stmt:
        isStmt = !isStmt;
        break;
      case DW_LNS.set_basic_block:
        basicBlock = true;
        break;
      case DW_LNS.const_add_pc:
        advance(((255 - opcodeBase) / lineRange) | 0);
        break;
      case DW_LNS.fixed_advance_pc: {
        if (pos + 2 > end) throw truncated();
        const delta = view.getUint16(pos, le);
        pos += 2;
        lo += delta;
        if (lo >= TWO32) {
          lo -= TWO32;
          hi = (hi + 1) >>> 0;
        }
        opIndex = 0;
        break;
      }
      case DW_LNS.set_prologue_end:
        prologueEnd = true;
        break;
      case DW_LNS.set_epilogue_begin:
        epilogueBegin = true;
        break;
      case DW_LNS.set_isa:
        isa = uleb();
        break;
      default: {
        // A standard opcode this reader does not know: skip its ULEB operands.
        const n = standardOpcodeLengths[op] ?? 0;
        for (let k = 0; k < n; k++) uleb();
      }
    }
  }
  return { header, rows, sequences };
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
