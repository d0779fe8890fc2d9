import { describe, expect, it } from 'vitest';
import { decodeUtf8, encodeBytes } from '../../src/util/bytes.js';

/** Names are compared and emitted as the generator compares and emits them: as bytes. */
describe('decodeUtf8 and encodeBytes: one string per byte sequence, and back', () => {
  const decode = (b: number[]) => decodeUtf8(Uint8Array.from(b), 0, b.length);

  it('valid UTF-8 decodes as UTF-8, a leading byte-order mark included', () => {
    expect(decode([0x6b, 0xc3, 0xa9, 0x2e, 0x63])).toBe('ké.c');
    expect(decode([0xef, 0xbb, 0xbf, 0x61])).toBe('\ufeffa');
    expect(decode([0xf0, 0x9f, 0x98, 0x80])).toBe('😀');
  });

  it('each byte of what is not UTF-8 is a lone surrogate of its own: distinct bytes, distinct strings', () => {
    expect(decode([0x61, 0xff])).toBe('a\udcff');
    expect(decode([0x61, 0xfe])).toBe('a\udcfe');
    // a byte 0xe9 alone is not "é" (0xc3 0xa9)
    expect(decode([0xe9])).not.toBe(decode([0xc3, 0xa9]));
    // overlong, encoded surrogate, past U+10FFFF, cut short
    expect(decode([0xc0, 0xaf])).toBe('\udcc0\udcaf');
    expect(decode([0xed, 0xb2, 0x80])).toBe('\udced\udcb2\udc80');
    expect(decode([0xf4, 0x90, 0x80, 0x80])).toBe('\udcf4\udc90\udc80\udc80');
    expect(decode([0xe2, 0x82])).toBe('\udce2\udc82');
  });

  it('encodeBytes gives back the bytes of any sequence (random ones, and long ones past the fast path)', () => {
    let seed = 19;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    const seen = new Map<string, string>();
    for (let n = 0; n < 5000; n++) {
      const len = n < 4000 ? 1 + (n % 9) : 60 + (n % 40);
      const b = Array.from({ length: len }, () => {
        const r = next();
        // mostly high bytes and lead bytes: many invalid and some valid sequences
        return r < 64 ? 0x61 + (r % 26) : r;
      });
      const s = decode(b);
      expect([...encodeBytes(s)]).toEqual(b);
      const key = b.join(',');
      const other = seen.get(s);
      if (other !== undefined) expect(other).toBe(key);
      seen.set(s, key);
    }
  });
});
