import { FormatError } from '../errors.js';

// fatal: a name that is not UTF-8 is decoded byte for byte (decodeUtf8); ignoreBOM: a
// leading EF BB BF is part of a name, not a mark to drop
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The byte order of this machine's typed arrays. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A bounds-checked cursor over bytes in either byte order. Every read that
 * would pass `end` throws a FormatError naming `what`, so corrupt or
 * truncated input ends in one clear message instead of garbage.
 */
export class ByteReader {
  readonly view: DataView;
  pos: number;
  end: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    /** What these bytes are, for error messages ("section .debug_line"). */
    readonly what: string,
    start = 0,
    end = bytes.length,
    /** Where bytes[0] lies in its section (a window of one): messages give positions in the section. */
    readonly origin = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** A reader over [pos, pos + length) sharing the bytes; checks the length fits. */
  sub(length: number, what = this.what): ByteReader {
    this.need(length);
    return new ByteReader(
      this.bytes,
      this.littleEndian,
      what,
      this.pos,
      this.pos + length,
      this.origin,
    );
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new FormatError(
        `${this.what}: truncated at byte ${this.origin + this.pos} (need ${n} more, ${Math.max(0, this.end - this.pos)} left)`,
      );
    }
  }

  get left(): number {
    return this.end - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }
  /** A 64-bit value that must fit in a JS number (offsets, sizes). */
  u64n(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FormatError(
        `${this.what}: value ${v} at byte ${this.origin + this.pos - 8} is too large`,
      );
    }
    return Number(v);
  }
  /** An unsigned value of `size` bytes (1, 2, 4 or 8) as a bigint. */
  uN(size: number): bigint {
    switch (size) {
      case 1:
        return BigInt(this.u8());
      case 2:
        return BigInt(this.u16());
      case 4:
        return BigInt(this.u32());
      case 8:
        return this.u64();
      default:
        throw new FormatError(`${this.what}: unsupported value size ${size}`);
    }
  }
  /** An offset of `size` bytes (4 or 8) that must fit in a JS number. */
  offset(size: number): number {
    return size === 8 ? this.u64n() : this.u32();
  }

  /**
   * A ULEB128 as elfutils' libdw reads one (memory-access.h, get_uleb128):
   * at most 10 bytes, never past `end`; one that does not end within them
   * is UINT64_MAX (here 2^64) and the reading goes on after those bytes.
   * Exact below 2^53. The first byte must be there (libdw's callers check).
   */
  uleb(): number {
    this.need(1);
    const bytes = this.bytes;
    let pos = this.pos;
    const max = Math.min(10, this.end - pos);
    let result = 0;
    let mul = 1;
    for (let i = 0; i < max; i++) {
      const b = bytes[pos++];
      // the 10th byte gives bit 63 alone
      result += (i === 9 ? b & 1 : b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    this.pos = pos;
    return 2 ** 64;
  }
  /** A ULEB128 read as `uleb` reads it, exactly in 64 bits (UINT64_MAX when it does not end). */
  uleb64(): bigint {
    this.need(1);
    const max = Math.min(10, this.end - this.pos);
    let result = 0n;
    for (let i = 0; i < max; i++) {
      const b = this.bytes[this.pos++];
      result |= BigInt(i === 9 ? b & 1 : b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return result;
    }
    return 0xffff_ffff_ffff_ffffn;
  }
  /**
   * The low 32 bits of a ULEB128 read as `uleb` reads it, exactly: what
   * libdw keeps where it reads into an `unsigned int` (abbreviation codes,
   * attribute names and forms, line program operands); UINT64_MAX gives 0xffffffff.
   */
  uleb32(): number {
    this.need(1);
    const v = uleb32At(this.bytes, this.pos, this.end);
    this.pos = uleb32End;
    return v;
  }
  /**
   * An SLEB128 as libdw reads one (get_sleb128): nine bytes, then a tenth
   * only for bit 63 when it ends there; one that does not end is INT64_MAX
   * (here 2^63). Exact within ±2^53.
   */
  sleb(): number {
    const v = this.slebBytes();
    if (typeof v === 'number') return v;
    return Number(v);
  }
  /** The low 32 bits, signed, of an SLEB128 read as `sleb` reads it: libdw's `int` operands. */
  sleb32(): number {
    const v = this.slebBytes();
    if (typeof v === 'number') return v | 0;
    return Number(BigInt.asIntN(32, v));
  }
  /** An SLEB128 of up to 4 bytes as a number; a longer one exactly, as a bigint. */
  private slebBytes(): number | bigint {
    this.need(1);
    const bytes = this.bytes;
    const start = this.pos;
    // the common case: ended within 4 bytes (28 bits)
    let result = 0;
    for (let i = 0; i < 4 && start + i < this.end; i++) {
      const b = bytes[start + i];
      result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.pos = start + i + 1;
        const bits = 7 * (i + 1);
        return b & 0x40 ? result - 2 ** bits : result;
      }
    }
    let pos = start;
    const max = Math.min(9, this.end - pos);
    let acc = 0n;
    for (let i = 0; i < max; i++) {
      const b = bytes[pos++];
      acc |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asIntN(64, b & 0x40 ? acc - (1n << BigInt(7 * (i + 1))) : acc);
      }
    }
    const INT64_MAX = (1n << 63n) - 1n;
    if (pos >= this.end) {
      this.pos = pos;
      return INT64_MAX;
    }
    // a tenth byte: its low bit is bit 63 when it ends the number
    const b = bytes[pos++];
    this.pos = pos;
    if (b < 0x80) return BigInt.asIntN(64, acc | (BigInt(b) << 63n));
    return INT64_MAX;
  }
  /** ULEB128 as a bigint, for values that may exceed 2^53 (rare: DW_FORM_udata constants). */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  }
  skipLeb(): void {
    for (;;) {
      this.need(1);
      if (this.bytes[this.pos++] < 0x80) return;
    }
  }

  /** A NUL-terminated string. */
  cstring(): string {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) {
      throw new FormatError(
        `${this.what}: string at byte ${this.origin + start} has no terminating NUL`,
      );
    }
    this.pos = nul + 1;
    return decodeUtf8(this.bytes, start, nul);
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/**
 * Bytes as a string, one to one: UTF-8 decoded where it is valid UTF-8, and
 * each byte of what is not (a stray byte, a cut or overlong sequence, an
 * encoded surrogate) as a lone surrogate U+DC80..U+DCFF (Python's
 * "surrogateescape"), which valid UTF-8 never decodes to. So two names are
 * equal strings exactly when their bytes are equal, as the generator
 * compares them (strcmp), and encodeBytes gives the bytes back.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  // Pure-ASCII fast path: file names are almost always ASCII.
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii)
      return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return decodeEscaped(bytes, start, end);
  }
}

/** decodeUtf8 of bytes that are not all valid UTF-8. */
function decodeEscaped(bytes: Uint8Array, start: number, end: number): string {
  const units: number[] = [];
  let i = start;
  while (i < end) {
    const b = bytes[i];
    if (b < 0x80) {
      units.push(b);
      i++;
      continue;
    }
    // the sequence's length and its smallest code point (no overlong forms)
    const need =
      b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let ok = need > 0 && i + need < end;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (ok && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
      if (cp > 0xffff)
        units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      else units.push(cp);
      i += need + 1;
    } else {
      units.push(0xdc00 + b); // the byte as it is
      i++;
    }
  }
  let out = '';
  for (let k = 0; k < units.length; k += 8192)
    out += String.fromCharCode.apply(null, units.slice(k, k + 8192));
  return out;
}

/** The bytes a string of decodeUtf8 came from: UTF-8, each lone U+DC80..U+DCFF the byte it stands for. */
export function encodeBytes(s: string): Uint8Array {
  if (!/[\udc80-\udcff]/.test(s)) return utf8Encoder.encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pairHigh = c >= 0xd800 && c <= 0xdbff;
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (pairHigh && next >= 0xdc00 && next <= 0xdfff) {
      out.push(...utf8Encoder.encode(s.slice(i, i + 2)));
      i++;
    } else if (c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else out.push(...utf8Encoder.encode(s[i]));
  }
  return Uint8Array.from(out);
}

/** The NUL-terminated string at `offset` in a string table. */
export function stringAt(table: Uint8Array, offset: number, what: string): string {
  if (offset >= table.length)
    throw new FormatError(`${what}: string offset ${offset} is past its end (${table.length})`);
  const nul = table.indexOf(0, offset);
  if (nul < 0) throw new FormatError(`${what}: string at ${offset} has no terminating NUL`);
  return decodeUtf8(table, offset, nul);
}

/** Where the last `uleb32At` stopped (a module variable: no object per read on the hot paths). */
export let uleb32End = 0;

/**
 * The ULEB128 at `pos` (before `end`) as libdw reads one into an `unsigned
 * int`: at most 10 bytes, the low 32 bits; one that does not end within
 * them is 0xffffffff. Sets `uleb32End` to the byte after it.
 */
export function uleb32At(bytes: Uint8Array, pos: number, end: number): number {
  const max = Math.min(10, end - pos);
  let lo = 0;
  for (let i = 0; i < max; i++) {
    const b = bytes[pos++];
    if (i < 4) lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) lo += (b & 0x0f) * 0x10000000;
    if (b < 0x80) {
      uleb32End = pos;
      return lo;
    }
  }
  uleb32End = pos;
  return 0xffffffff;
}
