import { FormatError } from '../errors.js';
import type { ByteReader } from '../util/bytes.js';
import { DW_FORM } from './constants.js';

/** What a form needs to be decoded: the unit's sizes and version. */
export interface FormContext {
  version: number;
  addressSize: number;
  /** 4 for 32-bit DWARF, 8 for 64-bit DWARF. */
  offsetSize: number;
}

/**
 * A decoded attribute value. Strings that live in another section stay as
 * references (`strp` ...) so callers decode only what they use.
 */
export type FormValue =
  | { kind: 'uint'; value: number }
  | { kind: 'big'; value: bigint }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'strp'; offset: number }
  | { kind: 'line_strp'; offset: number }
  | { kind: 'strx'; index: number }
  | { kind: 'sup'; offset: number }
  | { kind: 'block'; bytes: Uint8Array }
  | { kind: 'flag'; value: boolean }
  | { kind: 'skipped' };

function uint(r: ByteReader, size: number): FormValue {
  if (size === 8) {
    const v = r.u64();
    return v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? { kind: 'uint', value: Number(v) }
      : { kind: 'big', value: v };
  }
  return { kind: 'uint', value: Number(r.uN(size)) };
}

function u24(r: ByteReader): number {
  const a = r.u8();
  const b = r.u8();
  const c = r.u8();
  return r.littleEndian ? a | (b << 8) | (c << 16) : (a << 16) | (b << 8) | c;
}

function block(r: ByteReader, len: number): FormValue {
  r.need(len);
  const bytes = r.bytes.subarray(r.pos, r.pos + len);
  r.pos += len;
  return { kind: 'block', bytes };
}

/**
 * A block whose length is a ULEB128, sized as libdw sizes it
 * (`__libdw_form_val_compute_len`): the length plus its own bytes, in 64
 * bits. A length that does not end within 10 bytes (UINT64_MAX), or one
 * within 10 of 2^64, wraps around, and the next value starts inside the
 * length's own bytes, where libdw reads it.
 */
function ulebBlock(r: ByteReader): FormValue {
  const start = r.pos;
  const length = r.uleb64();
  const total = (length + BigInt(r.pos - start)) & 0xffff_ffff_ffff_ffffn;
  if (total <= BigInt(r.pos - start)) {
    const end = start + Number(total);
    r.pos = end;
    return { kind: 'block', bytes: r.bytes.subarray(end, end) };
  }
  return block(r, Number(length));
}

/**
 * Reads one attribute value of `form`. Covers every DWARF 2-5 form and the GNU
 * extensions found in kernels, so any attribute can be read or skipped.
 * `implicitConst` is the value stored in the abbreviation for DW_FORM_implicit_const.
 */
export function readForm(
  r: ByteReader,
  form: number,
  ctx: FormContext,
  implicitConst = 0,
): FormValue {
  switch (form) {
    case DW_FORM.addr:
      return uint(r, ctx.addressSize);
    case DW_FORM.data1:
    case DW_FORM.ref1:
    case DW_FORM.strx1:
    case DW_FORM.addrx1:
      return form === DW_FORM.strx1
        ? { kind: 'strx', index: r.u8() }
        : { kind: 'uint', value: r.u8() };
    case DW_FORM.flag:
      return { kind: 'flag', value: r.u8() !== 0 };
    case DW_FORM.data2:
    case DW_FORM.ref2:
    case DW_FORM.strx2:
    case DW_FORM.addrx2:
      return form === DW_FORM.strx2
        ? { kind: 'strx', index: r.u16() }
        : { kind: 'uint', value: r.u16() };
    case DW_FORM.strx3:
    case DW_FORM.addrx3: {
      const v = u24(r);
      return form === DW_FORM.strx3 ? { kind: 'strx', index: v } : { kind: 'uint', value: v };
    }
    case DW_FORM.data4:
    case DW_FORM.ref4:
    case DW_FORM.ref_sup4:
    case DW_FORM.strx4:
    case DW_FORM.addrx4:
      return form === DW_FORM.strx4
        ? { kind: 'strx', index: r.u32() }
        : { kind: 'uint', value: r.u32() };
    case DW_FORM.data8:
    case DW_FORM.ref8:
    case DW_FORM.ref_sig8:
    case DW_FORM.ref_sup8:
      return uint(r, 8);
    case DW_FORM.data16:
      return block(r, 16);
    case DW_FORM.sdata:
      return { kind: 'int', value: r.sleb() };
    case DW_FORM.udata:
    case DW_FORM.ref_udata:
    case DW_FORM.addrx:
    case DW_FORM.loclistx:
    case DW_FORM.rnglistx:
    case DW_FORM.GNU_addr_index:
      return { kind: 'uint', value: r.uleb() };
    case DW_FORM.strx:
    case DW_FORM.GNU_str_index:
      return { kind: 'strx', index: r.uleb() };
    case DW_FORM.string:
      return { kind: 'string', value: r.cstring() };
    case DW_FORM.strp:
      return { kind: 'strp', offset: r.offset(ctx.offsetSize) };
    case DW_FORM.line_strp:
      return { kind: 'line_strp', offset: r.offset(ctx.offsetSize) };
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_strp_alt:
    case DW_FORM.GNU_ref_alt:
      return { kind: 'sup', offset: r.offset(ctx.offsetSize) };
    case DW_FORM.ref_addr:
      // DWARF 2 sized ref_addr like an address; later versions like an offset.
      return {
        kind: 'uint',
        value: Number(r.uN(ctx.version <= 2 ? ctx.addressSize : ctx.offsetSize)),
      };
    case DW_FORM.sec_offset:
      return { kind: 'uint', value: r.offset(ctx.offsetSize) };
    case DW_FORM.block1:
      return block(r, r.u8());
    case DW_FORM.block2:
      return block(r, r.u16());
    case DW_FORM.block4:
      return block(r, r.u32());
    case DW_FORM.block:
    case DW_FORM.exprloc:
      return ulebBlock(r);
    case DW_FORM.flag_present:
      return { kind: 'flag', value: true };
    case DW_FORM.implicit_const:
      return { kind: 'int', value: implicitConst };
    case DW_FORM.indirect:
      return readForm(r, r.uleb32(), ctx, implicitConst); // libdw: the form in 32 bits
    default:
      throw new FormatError(
        `${r.what}: unknown attribute form 0x${form.toString(16)} at byte ${r.origin + r.pos}`,
      );
  }
}
