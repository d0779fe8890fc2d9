/** LEB128 and zigzag coding as the kernel's lineinfo tables use them. */

/** A growable byte buffer for encoders. */
export class ByteSink {
  bytes: Uint8Array;
  length = 0;
  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(capacity);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.length++] = v;
  }
  uleb(v: number): void {
    this.ensure(10);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.bytes[this.length++] = b;
    } while (v !== 0);
  }
  sleb(v: number): void {
    this.ensure(10);
    for (;;) {
      const b = ((v % 128) + 128) % 128;
      v = Math.floor(v / 128);
      const signBit = b & 0x40;
      if ((v === 0 && !signBit) || (v === -1 && signBit)) {
        this.bytes[this.length++] = b;
        return;
      }
      this.bytes[this.length++] = b | 0x80;
    }
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Zigzag of a 32-bit signed value: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}
export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/**
 * A cursor for decoding LEB128 with the kernel's safety rules: reads stop at
 * `end`, and a value wider than 32 bits is malformed. On failure `ok` turns
 * false and the value read is 0; callers check `ok` once per entry.
 */
export class LebCursor {
  ok = true;
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    public end: number,
  ) {}
  uleb(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    if (pos < this.end && bytes[pos] < 0x80) {
      this.pos = pos + 1;
      return bytes[pos];
    }
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= this.end) return this.bad();
      const b = bytes[pos++];
      if (shift === 28) {
        // the fifth byte may hold only bits 28 to 31, and must be the last
        if (b > 0x0f) return this.bad();
        this.pos = pos;
        return (result | (b << 28)) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
  }
  sleb(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    if (pos < this.end && bytes[pos] < 0x80) {
      this.pos = pos + 1;
      return (bytes[pos] << 25) >> 25;
    }
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= this.end) return this.bad();
      const b = bytes[pos++];
      if (shift === 28) {
        // bits 28 to 34: bits 31 to 34 must all be the sign, and no more bytes
        const hi = b & 0x7f;
        if (b & 0x80 || (hi > 0x07 && hi < 0x78)) return this.bad();
        this.pos = pos;
        return result | (hi << 28);
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return b & 0x40 ? result | (-1 << (shift + 7)) : result;
      }
    }
  }
  private bad(): number {
    this.ok = false;
    return 0;
  }
}
