import type { EntryTable } from '../lineinfo/entries.js';
import type { BlockDecoder, EntryCodec, EntryState } from './codec-blocks.js';
import { type ByteSink, type LebCursor, unzigzag, zigzag } from './leb.js';

/**
 * File changes are rare enough to fold into the line delta: each entry is
 * ULEB128(offset delta / quantum), ULEB128(zigzag(line delta) * 2 + file
 * changed), and only when the file changed, ULEB128(file id).
 */
export const flaggedCodec: EntryCodec = {
  name: 'flagged',
  description: 'offset delta, then line delta with a "file changed" bit, file id only on a change',
  params: () => [],
  paramWords: 0,
  encodeBlock(sink, t, first, end, _p, q) {
    for (let i = first + 1; i < end; i++) {
      const changed = t.fileIds[i] !== t.fileIds[i - 1];
      sink.uleb((t.offsets[i] - t.offsets[i - 1]) / q);
      sink.uleb(zigzag(t.lines[i] - t.lines[i - 1]) * 2 + (changed ? 1 : 0));
      if (changed) sink.uleb(t.fileIds[i]);
    }
  },
  decoder(_p, q): BlockDecoder {
    return {
      begin() {},
      next(c, s) {
        s.offset += c.uleb() * q;
        const v = c.uleb();
        s.line += unzigzag(Math.floor(v / 2));
        if (v % 2) s.file = c.uleb();
        return c.ok;
      },
    };
  },
};

/** Special opcodes: op 0 long form, 1 file change, 2.. one byte for a common (offset, line) step. */
const SPECIAL_BASE = 2;
const SPECIALS = 256 - SPECIAL_BASE;

/**
 * DWARF-style special opcodes with the window chosen per table (as LLVM's
 * GSYM does per function): one byte codes an offset step of 1..A quanta and
 * a line step in [lineBase, lineBase + range) when the file stays; op 0 is
 * ULEB128 offset + SLEB128 line, op 1 a file change (ULEB128 file, then the
 * long form).
 */
export const specialCodec: EntryCodec = {
  name: 'special',
  description:
    'one-byte special opcodes for the common (offset, line) step, window chosen per table',
  params(t, q) {
    // histogram of same-file steps, then the window that covers most of them
    const hist = new Map<number, number>();
    for (let i = 1; i < t.count; i++) {
      if (t.fileIds[i] !== t.fileIds[i - 1]) continue;
      const a = (t.offsets[i] - t.offsets[i - 1]) / q;
      const l = t.lines[i] - t.lines[i - 1];
      if (a < 1 || a > 128 || l < -64 || l > 64) continue;
      const k = a * 256 + (l + 128);
      hist.set(k, (hist.get(k) ?? 0) + 1);
    }
    let best = [-3, 12];
    let bestCount = -1;
    for (let range = 2; range <= 64; range++) {
      const maxAdv = Math.floor(SPECIALS / range);
      for (let base = -Math.min(range - 1, 32); base <= 0; base++) {
        let covered = 0;
        for (const [k, cnt] of hist) {
          const a = Math.floor(k / 256);
          const l = (k % 256) - 128;
          if (a <= maxAdv && l >= base && l < base + range) covered += cnt;
        }
        if (covered > bestCount) {
          bestCount = covered;
          best = [base, range];
        }
      }
    }
    return best;
  },
  // the window's base and range
  paramWords: 2,
  encodeBlock(sink, t, first, end, [base, range], q) {
    const maxAdv = Math.floor(SPECIALS / range);
    for (let i = first + 1; i < end; i++) {
      const a = (t.offsets[i] - t.offsets[i - 1]) / q;
      const l = t.lines[i] - t.lines[i - 1];
      if (t.fileIds[i] !== t.fileIds[i - 1]) {
        sink.u8(1);
        sink.uleb(t.fileIds[i]);
        sink.uleb(a);
        sink.sleb(l);
      } else if (a >= 1 && a <= maxAdv && l >= base && l < base + range) {
        sink.u8(SPECIAL_BASE + (a - 1) * range + (l - base));
      } else {
        sink.u8(0);
        sink.uleb(a);
        sink.sleb(l);
      }
    }
  },
  decoder([base, range], q): BlockDecoder {
    return {
      begin() {},
      next(c, s) {
        if (c.pos >= c.end || range < 1) return false;
        const op = c.bytes[c.pos++];
        if (op >= SPECIAL_BASE) {
          const k = op - SPECIAL_BASE;
          s.offset += (Math.floor(k / range) + 1) * q;
          s.line += base + (k % range);
          return true;
        }
        if (op === 1) s.file = c.uleb();
        s.offset += c.uleb() * q;
        s.line += c.sleb();
        return c.ok;
      },
    };
  },
};

// ---- MRU files + canonical Huffman ------------------------------------------

const MRU = 7;
/** Symbols: offset steps 1..62 and escape 63; file codes same, MRU 1..7, explicit; line steps -31..31 and escape. */
const A_SYMS = 64;
const F_SYMS = MRU + 2;
const L_SYMS = 64;
const MAX_LEN = 15;

/** Code lengths for counts (package-merge would be optimal; this halves counts until the limit holds). */
export function huffmanLengths(counts: number[], maxLen = MAX_LEN): number[] {
  let c = counts.map((x) => x);
  for (;;) {
    const nodes: { w: number; syms: number[] }[] = c
      .map((w, i) => ({ w, syms: [i] }))
      .filter((x) => x.w > 0);
    const len = new Array(c.length).fill(0);
    if (nodes.length === 1) {
      len[nodes[0].syms[0]] = 1;
      return len;
    }
    while (nodes.length > 1) {
      nodes.sort((x, y) => x.w - y.w);
      const a = nodes.shift()!;
      const b = nodes.shift()!;
      for (const s of [...a.syms, ...b.syms]) len[s]++;
      nodes.push({ w: a.w + b.w, syms: [...a.syms, ...b.syms] });
    }
    if (Math.max(...len) <= maxLen) return len;
    c = c.map((x) => (x > 0 ? Math.max(1, x >> 1) : 0));
  }
}

/** Canonical codes from lengths: codes of one length are consecutive, shorter lengths first. */
export function canonicalCodes(lengths: number[]): number[] {
  const codes = new Array(lengths.length).fill(0);
  let code = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s] === len) codes[s] = code++;
    }
    code <<= 1;
  }
  return codes;
}

class BitSink {
  private acc = 0;
  private n = 0;
  constructor(private readonly sink: ByteSink) {}
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.n === 8) {
        this.sink.u8(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
  /** A number in 4-bit groups with a continuation bit each (escapes). */
  varbits(v: number): void {
    do {
      const part = v % 8;
      v = Math.floor(v / 8);
      this.bits((v > 0 ? 8 : 0) | part, 4);
    } while (v > 0);
  }
  flush(): void {
    if (this.n) this.bits(0, 8 - this.n);
  }
}

/** Reads bits from a cursor's byte range, MSB first; a read past the end sets c.ok = false. */
class BitSource {
  acc = 0;
  n = 0;
  bit(c: LebCursor): number {
    if (this.n === 0) {
      if (c.pos >= c.end) {
        c.ok = false;
        return 0;
      }
      this.acc = c.bytes[c.pos++];
      this.n = 8;
    }
    this.n--;
    return (this.acc >> this.n) & 1;
  }
  bits(c: LebCursor, count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) v = v * 2 + this.bit(c);
    return v;
  }
  varbits(c: LebCursor): number {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 11; k++) {
      const g = this.bits(c, 4);
      v += (g & 7) * mul;
      mul *= 8;
      if (!(g & 8)) return v;
    }
    c.ok = false;
    return 0;
  }
}

/** Canonical decoding tables: per length, the first code and the index of its first symbol. */
function decodeTable(lengths: number[]) {
  const order: number[] = [];
  const firstCode = new Array(MAX_LEN + 2).fill(0);
  const firstIndex = new Array(MAX_LEN + 2).fill(0);
  const countOf = new Array(MAX_LEN + 2).fill(0);
  for (const l of lengths) if (l > 0) countOf[l]++;
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    firstCode[len] = code;
    firstIndex[len] = index;
    for (let s = 0; s < lengths.length; s++) if (lengths[s] === len) order.push(s);
    code = (code + countOf[len]) << 1;
    index += countOf[len];
  }
  return { order, firstCode, firstIndex, countOf };
}

function readSymbol(src: BitSource, c: LebCursor, t: ReturnType<typeof decodeTable>): number {
  let code = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    code = code * 2 + src.bit(c);
    const k = code - t.firstCode[len];
    if (k >= 0 && k < t.countOf[len]) return t.order[t.firstIndex[len] + k];
  }
  c.ok = false;
  return 0;
}

interface Step {
  a: number;
  fcode: number;
  file: number;
  dl: number;
}

/** Walks a block's entries as the MRU model sees them: file codes and line steps from each file's last line. */
function mruSteps(
  t: EntryTable,
  first: number,
  end: number,
  q: number,
  each: (s: Step) => void,
): void {
  const mru = [t.fileIds[first]];
  const last = new Map<number, number>([[t.fileIds[first], t.lines[first]]]);
  for (let i = first + 1; i < end; i++) {
    const f = t.fileIds[i];
    const k = mru.indexOf(f);
    const fcode = k === 0 ? 0 : k > 0 ? k : MRU + 1;
    const from = last.get(f) ?? t.lines[i - 1];
    each({ a: (t.offsets[i] - t.offsets[i - 1]) / q, fcode, file: f, dl: t.lines[i] - from });
    if (k >= 0) mru.splice(k, 1);
    mru.unshift(f);
    if (mru.length > MRU + 1) mru.pop();
    last.set(f, t.lines[i]);
  }
}

const aSym = (a: number) => (a >= 1 && a <= 62 ? a : 63);
const lSym = (d: number) => (d >= -31 && d <= 31 ? d + 31 : 63);

/** Lengths are packed four to a word, one byte each. */
function packLengths(lengths: number[]): number[] {
  const words: number[] = [];
  for (let i = 0; i < lengths.length; i += 4) {
    words.push(
      (lengths[i] ?? 0) |
        ((lengths[i + 1] ?? 0) << 8) |
        ((lengths[i + 2] ?? 0) << 16) |
        ((lengths[i + 3] ?? 0) << 24),
    );
  }
  return words;
}
function unpackLengths(words: number[], count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(((words[i >> 2] ?? 0) >>> ((i & 3) * 8)) & 0xff);
  return out;
}

/**
 * Files come and go with inlining, mostly between a few: a move-to-front list
 * of the block's files gives the file a small code, and the line step is taken
 * from that file's own last line. Offset steps, file codes and line steps each
 * get a canonical Huffman code built for the table (lengths in the header);
 * rare values escape to 4-bit groups.
 */
export const mruHuffmanCodec: EntryCodec = {
  name: 'mru-huffman',
  description: 'move-to-front file codes, per-file line steps, canonical Huffman codes per table',
  params(t, q) {
    const ca = new Array(A_SYMS).fill(0);
    const cf = new Array(F_SYMS).fill(0);
    const cl = new Array(L_SYMS).fill(0);
    // statistics over blocks of 64 (close enough for any block size)
    for (let first = 0; first < t.count; first += 64) {
      mruSteps(t, first, Math.min(t.count, first + 64), q, (s) => {
        ca[aSym(s.a)]++;
        cf[s.fcode]++;
        cl[lSym(s.dl)]++;
      });
    }
    // every symbol stays codable, whatever a block holds
    const all = (c: number[]) => c.map((x) => x + 1);
    return [
      ...packLengths(huffmanLengths(all(ca))),
      ...packLengths(huffmanLengths(all(cf))),
      ...packLengths(huffmanLengths(all(cl))),
    ];
  },
  // code lengths packed four to a word: 64 offset, 9 file and 64 line symbols
  paramWords: 35,
  encodeBlock(sink, t, first, end, params, q) {
    const la = unpackLengths(params.slice(0, 16), A_SYMS);
    const lf = unpackLengths(params.slice(16, 19), F_SYMS);
    const ll = unpackLengths(params.slice(19, 35), L_SYMS);
    const [ka, kf, kl] = [canonicalCodes(la), canonicalCodes(lf), canonicalCodes(ll)];
    const bits = new BitSink(sink);
    mruSteps(t, first, end, q, (s) => {
      const sa = aSym(s.a);
      bits.bits(ka[sa], la[sa]);
      if (sa === 63) bits.varbits(s.a);
      bits.bits(kf[s.fcode], lf[s.fcode]);
      if (s.fcode === MRU + 1) bits.varbits(s.file);
      const sl = lSym(s.dl);
      bits.bits(kl[sl], ll[sl]);
      if (sl === 63) bits.varbits(zigzag(s.dl));
    });
    bits.flush();
  },
  decoder(params, q): BlockDecoder {
    const ta = decodeTable(unpackLengths(params.slice(0, 16), A_SYMS));
    const tf = decodeTable(unpackLengths(params.slice(16, 19), F_SYMS));
    const tl = decodeTable(unpackLengths(params.slice(19, 35), L_SYMS));
    const src = new BitSource();
    const mru: number[] = [];
    const last = new Map<number, number>();
    return {
      begin(_c, first: EntryState) {
        src.n = 0;
        mru.length = 0;
        mru.push(first.file);
        last.clear();
        last.set(first.file, first.line);
      },
      next(c, s) {
        const sa = readSymbol(src, c, ta);
        const a = sa === 63 ? src.varbits(c) : sa;
        const fcode = readSymbol(src, c, tf);
        let file: number;
        if (fcode === MRU + 1) file = src.varbits(c);
        else if (fcode < mru.length) file = mru[fcode];
        else return false;
        const sl = readSymbol(src, c, tl);
        const dl = sl === 63 ? unzigzag(src.varbits(c)) : sl - 31;
        if (!c.ok) return false;
        const from = last.get(file) ?? s.line;
        s.offset += a * q;
        s.file = file;
        s.line = from + dl;
        const k = mru.indexOf(file);
        if (k >= 0) mru.splice(k, 1);
        mru.unshift(file);
        if (mru.length > MRU + 1) mru.pop();
        last.set(file, s.line);
        return true;
      },
    };
  },
};

export const CODECS: EntryCodec[] = [flaggedCodec, specialCodec, mruHuffmanCodec];
