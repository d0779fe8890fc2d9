import { describe, expect, it } from 'vitest';
import { ByteSink, LebCursor, unzigzag, zigzag } from '../../src/encodings/leb.js';

describe('LEB128 as the kernel reads it', () => {
  const unsigned = [
    0,
    1,
    63,
    64,
    127,
    128,
    300,
    16383,
    16384,
    2 ** 21,
    2 ** 28 - 1,
    2 ** 28,
    2 ** 31,
    2 ** 32 - 1,
  ];
  const signed = [
    0,
    1,
    -1,
    63,
    -64,
    64,
    -65,
    8191,
    -8192,
    8192,
    2 ** 27,
    -(2 ** 27),
    2 ** 31 - 1,
    -(2 ** 31),
  ];

  it('round-trips unsigned values up to 32 bits in the fewest bytes', () => {
    for (const v of unsigned) {
      const s = new ByteSink();
      s.uleb(v);
      expect(s.length).toBe(Math.max(1, Math.ceil(Math.log2(v + 1) / 7)));
      const c = new LebCursor(s.result(), 0, s.length);
      expect(c.uleb()).toBe(v);
      expect(c.ok).toBe(true);
      expect(c.pos).toBe(s.length);
    }
  });

  it('round-trips signed 32-bit values, SLEB128 and zigzag alike', () => {
    for (const v of signed) {
      const s = new ByteSink();
      s.sleb(v);
      s.uleb(zigzag(v));
      const c = new LebCursor(s.result(), 0, s.length);
      expect(c.sleb()).toBe(v);
      expect(unzigzag(c.uleb())).toBe(v);
      expect(c.ok).toBe(true);
    }
  });

  it('SLEB128 and zigzag spend the same bytes on every value', () => {
    for (let v = -20000; v <= 20000; v += 7) {
      const a = new ByteSink();
      const b = new ByteSink();
      a.sleb(v);
      b.uleb(zigzag(v));
      expect(a.length, String(v)).toBe(b.length);
    }
  });

  it('treats a value wider than 32 bits as malformed', () => {
    const s = new ByteSink();
    s.uleb(2 ** 32);
    const c = new LebCursor(s.result(), 0, s.length);
    expect(c.uleb()).toBe(0);
    expect(c.ok).toBe(false);
    const t = new ByteSink();
    t.sleb(2 ** 31);
    const d = new LebCursor(t.result(), 0, t.length);
    d.sleb();
    expect(d.ok).toBe(false);
  });

  it('stops at the stream end instead of reading past it', () => {
    const bytes = Uint8Array.of(0x80, 0x80, 0x01, 0x99);
    const c = new LebCursor(bytes, 0, 2); // the value continues past the end
    expect(c.uleb()).toBe(0);
    expect(c.ok).toBe(false);
    expect(c.pos).toBeLessThanOrEqual(2);
  });
});
