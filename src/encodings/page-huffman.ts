import { FormatError } from '../errors.js';
import { collectEntries, type EntryTable } from '../lineinfo/entries.js';
import { offsetQuantum } from './codec-blocks.js';
import { huffmanLengths } from './codecs.js';
import { RodataWriter, readDataAndFiles, readFileNames, writeDataAndFiles } from './rodata.js';
import {
  bucketSizes,
  type EncodedTable,
  type Format,
  type LookupHit,
  type TableReader,
  UNKNOWN_ENTRY,
} from './types.js';

/*
 * page-huffman: one block per page of 2^shift bytes of text, found directly by
 * the page number, so a lookup is two dependent reads (a page-group line,
 * then the block) and decodes only the entries of one page up to the address.
 *
 * A block starts with the state at the page's first byte (the entry covering
 * it, "carried"), then the page's entries. Each entry is three canonical
 * Huffman symbols (codes per table, decoded through stored 8-bit tables):
 * the offset step from the previous entry (or the page start), the file (a
 * slot of a move-to-front list of the block's last 8 files, one of the
 * table's most often re-entered files, or its id in raw bits), and the line
 * step from that file's last line in the block. Large steps are a class
 * symbol (bit length) followed by the bits below the top one.
 *
 * The lookup returns file and line, as the series' lookup does; the entry's
 * index and offset are not known to it (UNKNOWN_ENTRY).
 */

const MRU = 8;
/**
 * Popular re-entries: (file, line) pairs that need no line step, then files
 * alone. 128, not 256: the C lookup prefetches all of them with the decode
 * tables (3.1 KB in all), so a cold lookup reads none of them after the
 * block; 256 cost 0.013 B/entry less and 1.5 KB more to fetch, 64 would put
 * cloud-arm64 v1-v4 over 2.0 B/entry at its 128-byte pages (issue 16).
 */
const MAX_POPULAR = 128;
const MAX_PAIRS = Number(process.env.PH_PAIRS ?? 112);
/** A popular entry without a line of its own. */
const NO_LINE = 0xffffffff;
const DIRECT = 32;
/** Class symbols for values of 6 to 33 bits. */
const CLASS_MIN_BITS = 6;
const A_SYMS = DIRECT + 27;
const L_SYMS = DIRECT + 28;
/** Symbol capacity of each alphabet's decode table: offsets, files, lines. */
/**
 * The file alphabet also carries the line step of the commonest entry, the
 * same file again: symbols below SAME_FILE are that (the symbol is the line
 * step's), then MRU slots 1-7, popular entries, raw file id.
 */
const SAME_FILE = DIRECT + 28;
const CAPACITY = [64, SAME_FILE + MRU - 1 + MAX_POPULAR + 1, 64];
const MAX_LEN = 12;
const FAST_BITS = 8;
const GROUP_PAGES = 30;
const GROUP_BYTES = 64;
/** Runs of pages without entries (gaps between text sections) left out of the page index: at most three, so four segments. */
const MAX_SEGMENTS = 4;
const HEADER_WORDS = 8 + 3 * MAX_SEGMENTS;
/** A run of empty pages is left out when it would take at least this many page groups. */
const MIN_GAP_GROUPS = 2;
/** One alphabet's decode table: counts per length (u16 x 14, [0] and [13] unused), symbols (u16 x capacity), fast table (u16 x 256: length << 12 | symbol, 0 for longer codes). */
const COUNTS_BYTES = 2 * (MAX_LEN + 2);
const alphabetBytes = (k: number) => COUNTS_BYTES + 2 * CAPACITY[k] + 2 * (1 << FAST_BITS);
const alphabetAt = (k: number): number => (k === 0 ? 0 : alphabetAt(k - 1) + alphabetBytes(k - 1));
const TABLES_BYTES = alphabetAt(3);

/** The number of bits of v (0 for 0); arithmetic, since values pass 2^31. */
function bitsOf(v: number): number {
  let b = 0;
  while (v >= 2 ** b) b++;
  return b;
}

/** A value as (symbol, extra bits, extra count): small values direct, larger by bit length. */
function classify(v: number): [number, number, number] {
  if (v < DIRECT) return [v, 0, 0];
  const len = bitsOf(v);
  return [DIRECT + len - CLASS_MIN_BITS, v - 2 ** (len - 1), len - 1];
}

const zigzag = (d: number) => (d >= 0 ? 2 * d : -2 * d - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Canonical decode table of one alphabet, as stored in the table and read by the lookup. */
interface Alphabet {
  counts: number[];
  symbols: number[];
  fast: number[];
}

function buildAlphabet(lengths: number[]): { alphabet: Alphabet; codes: number[] } {
  const counts = new Array(MAX_LEN + 1).fill(0);
  for (const l of lengths) if (l > 0) counts[l]++;
  const symbols: number[] = [];
  const codes = new Array(lengths.length).fill(0);
  let code = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s] !== len) continue;
      symbols.push(s);
      codes[s] = code++;
    }
    code <<= 1;
  }
  const fast = new Array(1 << FAST_BITS).fill(0);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (l === 0 || l > FAST_BITS) continue;
    const lo = codes[s] << (FAST_BITS - l);
    for (let k = 0; k < 1 << (FAST_BITS - l); k++) fast[lo + k] = (l << 12) | s;
  }
  return { alphabet: { counts, symbols, fast }, codes };
}

/** MSB-first bits into bytes. */
class BitWriter {
  private bytes = new Uint8Array(1 << 16);
  private bit = 0;
  put(value: number, count: number): void {
    if (((this.bit + count + 7) >>> 3) + 8 > this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
    }
    for (let i = count - 1; i >= 0; i--) {
      if (Math.floor(value / 2 ** i) % 2) this.bytes[this.bit >>> 3] |= 0x80 >>> (this.bit & 7);
      this.bit++;
    }
  }
  /** Ends the current block on a byte boundary and returns where the next one starts. */
  alignByte(): number {
    this.bit = (this.bit + 7) & ~7;
    return this.bit >>> 3;
  }
  result(): Uint8Array {
    return this.bytes.slice(0, (this.bit + 7) >>> 3);
  }
}

/** The move-to-front list of (file, last line) a block decode keeps. */
class FileSlots {
  files: number[] = [];
  lines: number[] = [];
  reset(file: number, line: number, carried: boolean): void {
    this.files.length = 0;
    this.lines.length = 0;
    if (carried) {
      this.files.push(file);
      this.lines.push(line);
    }
  }
  slotOf(file: number): number {
    return this.files.indexOf(file);
  }
  touch(file: number, line: number): void {
    const k = this.files.indexOf(file);
    if (k >= 0) {
      this.files.splice(k, 1);
      this.lines.splice(k, 1);
    }
    this.files.unshift(file);
    this.lines.unshift(line);
    if (this.files.length > MRU) {
      this.files.pop();
      this.lines.pop();
    }
  }
}

/** Index + data bytes per entry the default page size keeps within (issue 16's target). */
const DEFAULT_BUDGET = 2.0;

/** The page size (as a shift) when none is given: about 24 entries a page, gaps between sections left out. */
function autoShift(t: EntryTable): number {
  let span = 0;
  let steps = 0;
  for (let i = 1; i < t.count; i++) {
    const d = t.offsets[i] - t.offsets[i - 1];
    if (d < 4096) {
      span += d;
      steps++;
    }
  }
  const mean = steps ? span / steps : 16;
  return Math.max(4, Math.min(16, Math.round(Math.log2(24 * mean))));
}

interface Step {
  a: number;
  /** A slot 0..7, MRU + popular index, or MRU + popular count (raw): mapped to the file alphabet by fileSymbol. */
  fsym: number;
  rawFile: number;
  /** The line step, or undefined when the file symbol (a popular pair) carries the line. */
  dl: number | undefined;
}

/** The file alphabet's symbol of a step: the same file's carries its line step's class. */
const fileSymbol = (s: Step) =>
  s.fsym === 0 ? classify(zigzag(s.dl!))[0] : SAME_FILE + s.fsym - 1;

/** The popular re-entries: pairs first (the line comes with them), then files alone. */
interface Popular {
  files: number[];
  lines: number[];
  pairOf: Map<number, number>;
  fileOf: Map<number, number>;
}

const pairKey = (file: number, line: number) => file * 2 ** 32 + line;

function choosePopular(pairs: Map<number, number>, files: Map<number, number>): Popular {
  const chosenPairs = [...pairs]
    .filter(([, c]) => c >= 3)
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, MAX_PAIRS);
  // a file's re-entries left after its chosen pairs
  const left = new Map(files);
  for (const [k, c] of chosenPairs) {
    const f = Math.floor(k / 2 ** 32);
    left.set(f, (left.get(f) ?? 0) - c);
  }
  const chosenFiles = [...left]
    .filter(([, c]) => c >= 2)
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, MAX_POPULAR - chosenPairs.length);
  const out: Popular = { files: [], lines: [], pairOf: new Map(), fileOf: new Map() };
  for (const [k] of chosenPairs) {
    out.pairOf.set(k, out.files.length);
    out.files.push(Math.floor(k / 2 ** 32));
    out.lines.push(k % 2 ** 32);
  }
  for (const [f] of chosenFiles) {
    out.fileOf.set(f, out.files.length);
    out.files.push(f);
    out.lines.push(NO_LINE);
  }
  return out;
}

export function pageHuffmanFormat(pageBytes?: number): Format {
  const id = pageBytes ? `page-huffman:${pageBytes}` : 'page-huffman';
  return {
    id,
    description: `ours: one block per ${pageBytes ?? 'default-sized (the smallest within 2.0 B/entry)'}-byte page of text found by a direct page index; move-to-front and popular files, per-file line steps, canonical Huffman codes with stored 8-bit decode tables`,

    encode(t: EntryTable, littleEndian: boolean): EncodedTable {
      const q = offsetQuantum(t);
      const at = (first: number): EncodedTable => {
        for (let shift = first; shift >= 4; shift--) {
          // undefined when a page group's blocks pass 64 KiB: smaller pages then
          const out = encodeWithShift(t, littleEndian, q, shift, id);
          if (out) return out;
        }
        throw new FormatError(`${id}: page groups do not fit 16-bit offsets`);
      };
      if (pageBytes) return at(Math.log2(pageBytes));
      // the default: the smallest page (the fewest entries a lookup decodes)
      // whose index and data fit the budget, tried from one below the page
      // of about 24 entries; a table too small for the budget (its decode
      // tables alone pass it) takes that page
      const guess = autoShift(t);
      for (let shift = Math.max(4, guess - 1); shift <= Math.min(16, guess + 2); shift++) {
        const out = at(shift);
        const b = bucketSizes(out);
        if (t.count && (b.index + b.data) / t.count <= DEFAULT_BUDGET) return out;
      }
      return at(guess);
    },

    open(bytes: Uint8Array, le: boolean): TableReader {
      return openPageHuffman(bytes, le, id);
    },
  };
}

function encodeWithShift(
  t: EntryTable,
  le: boolean,
  q: number,
  shift: number,
  id: string,
): EncodedTable | undefined {
  const n = t.count;
  const pageSize = 2 ** shift;
  const npages = n ? Math.floor(t.offsets[n - 1] / pageSize) + 1 : 0;
  const nfiles = t.files.length;
  let maxLine = 0;
  for (let i = 0; i < n; i++) maxLine = Math.max(maxLine, t.lines[i]);
  const wf = Math.max(1, bitsOf(Math.max(0, nfiles - 1)));
  const wl = Math.max(1, bitsOf(maxLine));

  // pass 1: the pages' entry ranges, and what is re-entered most often (popular)
  const pageFirst = new Uint32Array(npages + 1);
  {
    let i = 0;
    for (let p = 0; p < npages; p++) {
      pageFirst[p] = i;
      const end = (p + 1) * pageSize;
      while (i < n && t.offsets[i] < end) i++;
    }
    pageFirst[npages] = n;
  }
  let maxCount = 0;
  for (let p = 0; p < npages; p++) maxCount = Math.max(maxCount, pageFirst[p + 1] - pageFirst[p]);
  const wc = Math.max(1, bitsOf(maxCount));
  const slots = new FileSlots();
  const walk = (p: number, popular: Popular | undefined, each: (s: Step, i: number) => void) => {
    const first = pageFirst[p];
    const carried = first > 0;
    slots.reset(carried ? t.fileIds[first - 1] : 0, carried ? t.lines[first - 1] : 0, carried);
    let prevOff = p * pageSize;
    let prevLine = carried ? t.lines[first - 1] : 0;
    const raw = MRU + (popular?.files.length ?? 0);
    for (let i = first; i < pageFirst[p + 1]; i++) {
      const f = t.fileIds[i];
      const k = slots.slotOf(f);
      const a = (t.offsets[i] - prevOff) / q;
      if (k >= 0) each({ a, fsym: k, rawFile: f, dl: t.lines[i] - slots.lines[k] }, i);
      else {
        const pair = popular?.pairOf.get(pairKey(f, t.lines[i]));
        const file = popular?.fileOf.get(f);
        if (pair !== undefined) each({ a, fsym: MRU + pair, rawFile: f, dl: undefined }, i);
        else
          each(
            {
              a,
              fsym: file !== undefined ? MRU + file : raw,
              rawFile: f,
              dl: t.lines[i] - prevLine,
            },
            i,
          );
      }
      slots.touch(f, t.lines[i]);
      prevOff = t.offsets[i];
      prevLine = t.lines[i];
    }
  };
  const pairs = new Map<number, number>();
  const files = new Map<number, number>();
  for (let p = 0; p < npages; p++) {
    walk(p, undefined, (s, i) => {
      if (s.fsym < MRU) return;
      const k = pairKey(s.rawFile, t.lines[i]);
      pairs.set(k, (pairs.get(k) ?? 0) + 1);
      files.set(s.rawFile, (files.get(s.rawFile) ?? 0) + 1);
    });
  }
  const popular = choosePopular(pairs, files);
  const fSyms = SAME_FILE + MRU - 1 + popular.files.length + 1;
  const rawSym = MRU + popular.files.length;

  // pass 2: symbol statistics, then the codes
  const ca = new Array(A_SYMS).fill(1);
  const cf = new Array(fSyms).fill(1);
  const cl = new Array(L_SYMS).fill(1);
  for (let p = 0; p < npages; p++) {
    walk(p, popular, (s) => {
      ca[classify(s.a)[0]]++;
      cf[fileSymbol(s)]++;
      if (s.fsym !== 0 && s.dl !== undefined) cl[classify(zigzag(s.dl))[0]]++;
    });
  }
  const aLen = huffmanLengths(ca, MAX_LEN);
  const fLen = huffmanLengths(cf, MAX_LEN);
  const lLen = huffmanLengths(cl, MAX_LEN);
  const A = buildAlphabet(aLen);
  const F = buildAlphabet(fLen);
  const L = buildAlphabet(lLen);

  // pass 3: each page's two bit streams, offset steps and files with lines,
  // kept apart so a lookup decodes them side by side (two independent chains)
  type Bits = number[]; // value, count, value, count ...
  const streams: { steps: Bits; files: Bits; stepBits: number }[] = [];
  let maxStepBits = 0;
  for (let p = 0; p < npages; p++) {
    const steps: Bits = [];
    const files: Bits = [];
    walk(p, popular, (s) => {
      const [sa, xa, na] = classify(s.a);
      steps.push(A.codes[sa], aLen[sa], xa, na);
      const sf = fileSymbol(s);
      files.push(F.codes[sf], fLen[sf]);
      if (s.fsym === rawSym) files.push(s.rawFile, wf);
      if (s.dl === undefined) return;
      const [sl, xl, nl] = classify(zigzag(s.dl));
      // the same file's line step class is the file symbol; its extra bits follow it
      if (s.fsym !== 0) files.push(L.codes[sl], lLen[sl]);
      files.push(xl, nl);
    });
    let stepBits = 0;
    for (let k = 1; k < steps.length; k += 2) stepBits += steps[k];
    maxStepBits = Math.max(maxStepBits, stepBits);
    streams.push({ steps, files, stepBits });
  }
  const wa = Math.max(1, bitsOf(maxStepBits));

  // pass 4: the blocks; a run of empty pages shares one block holding only the carried state
  const bits = new BitWriter();
  const blockAt = new Uint32Array(npages);
  let sharedEmpty = -1;
  for (let p = 0; p < npages; p++) {
    const first = pageFirst[p];
    const count = pageFirst[p + 1] - first;
    if (count === 0 && sharedEmpty >= 0) {
      blockAt[p] = sharedEmpty;
      continue;
    }
    const at = bits.alignByte();
    blockAt[p] = at;
    sharedEmpty = count === 0 ? at : -1;
    const carried = first > 0;
    bits.put(carried ? 1 : 0, 1);
    if (carried) {
      bits.put(t.fileIds[first - 1], wf);
      bits.put(t.lines[first - 1], wl);
    }
    bits.put(count, wc);
    const { steps, files, stepBits } = streams[p];
    bits.put(stepBits, wa);
    for (let k = 0; k < steps.length; k += 2) bits.put(steps[k], steps[k + 1]);
    for (let k = 0; k < files.length; k += 2) bits.put(files[k], files[k + 1]);
  }
  const data = bits.result();

  // segments: the page index leaves out the longest runs of empty pages (gaps
  // between text sections); their addresses answer as the run's first page
  const runs: { from: number; to: number }[] = [];
  const empty = (p: number) => pageFirst[p + 1] === pageFirst[p];
  // runs of empty pages, the one before the first entry included (a table whose base lies far below its code)
  for (let p = 0; p < npages; ) {
    if (!empty(p) || (p > 0 && empty(p - 1))) {
      p++;
      continue;
    }
    let q2 = p;
    while (q2 < npages && pageFirst[q2 + 1] === pageFirst[q2]) q2++;
    if (q2 - p >= MIN_GAP_GROUPS * GROUP_PAGES) runs.push({ from: p, to: q2 });
    p = q2;
  }
  const gaps = runs
    .sort((x, y) => y.to - y.from - (x.to - x.from) || x.from - y.from)
    .slice(0, MAX_SEGMENTS - 1)
    .sort((x, y) => x.from - y.from);
  const segments: { start: number; end: number; firstGroup: number }[] = [];
  let start = 0;
  let ngroups = 0;
  for (const gap of npages ? [...gaps, { from: npages, to: npages }] : []) {
    // a segment keeps the gap's first page, whose block holds only the state
    // before the gap: a lookup in the gap lands there and decodes nothing
    const end = Math.min(npages, gap.from + 1);
    segments.push({ start, end, firstGroup: ngroups });
    ngroups += Math.ceil((end - start) / GROUP_PAGES);
    start = gap.to;
  }

  // the page groups: one 64-byte line per 30 pages of a segment, a u32 base and u16 offsets from it
  const groups = new Uint8Array(ngroups * GROUP_BYTES);
  const gv = new DataView(groups.buffer);
  for (const seg of segments) {
    for (let first = seg.start; first < seg.end; first += GROUP_PAGES) {
      const at = (seg.firstGroup + (first - seg.start) / GROUP_PAGES) * GROUP_BYTES;
      const base = blockAt[first];
      gv.setUint32(at, base, le);
      for (let k = 0; k < GROUP_PAGES && first + k < seg.end; k++) {
        const rel = blockAt[first + k] - base;
        if (rel > 0xffff) return undefined;
        gv.setUint16(at + 4 + 2 * k, rel, le);
      }
    }
  }

  const w = new RodataWriter(le);
  w.u32('lineinfo_num_entries', 'counts', n);
  w.u32('lineinfo_num_files', 'counts', nfiles);
  w.u32('lineinfo_quantum', 'counts', q);
  w.u32('lineinfo_page_shift', 'counts', shift);
  w.u32('lineinfo_num_pages', 'counts', npages);
  w.u32('lineinfo_widths', 'counts', (wf | (wl << 8) | (wc << 16) | (wa << 24)) >>> 0);
  w.u32('lineinfo_num_popular', 'counts', popular.files.length);
  w.u32('lineinfo_num_segments', 'counts', segments.length);
  const segmentWords = new Array(3 * MAX_SEGMENTS).fill(0);
  segments.forEach((seg, i) => {
    segmentWords[3 * i] = seg.start;
    segmentWords[3 * i + 1] = seg.end;
    segmentWords[3 * i + 2] = seg.firstGroup;
  });
  w.u32Array('lineinfo_segments', 'counts', segmentWords);
  const tables = new Uint8Array(TABLES_BYTES);
  const tv = new DataView(tables.buffer);
  [A.alphabet, F.alphabet, L.alphabet].forEach((al, k) => {
    const at = alphabetAt(k);
    for (let len = 0; len <= MAX_LEN; len++) tv.setUint16(at + 2 * len, al.counts[len], le);
    for (let j = 0; j < al.symbols.length; j++)
      tv.setUint16(at + COUNTS_BYTES + 2 * j, al.symbols[j], le);
    for (let j = 0; j < 1 << FAST_BITS; j++)
      tv.setUint16(at + COUNTS_BYTES + 2 * CAPACITY[k] + 2 * j, al.fast[j], le);
  });
  w.raw('lineinfo_decode_tables', 'index', tables);
  w.u32Array('lineinfo_popular_lines', 'index', popular.lines);
  w.u16Array('lineinfo_popular_files', 'index', popular.files);
  w.align(GROUP_BYTES);
  w.raw('lineinfo_page_groups', 'index', groups);
  writeDataAndFiles(w, data, t.files);
  const { bytes, parts } = w.result();
  return { format: id, littleEndian: le, entries: n, files: nfiles, bytes, parts };
}

function openPageHuffman(bytes: Uint8Array, le: boolean, id: string): TableReader {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new FormatError(`${id} table: ${why}`);
  };
  if (bytes.length < 4 * HEADER_WORDS) fail('shorter than its counts');
  const word = (i: number) => v.getUint32(4 * i, le);
  const n = word(0);
  const nfiles = word(1);
  const q = word(2);
  const shift = word(3);
  const npages = word(4);
  const widths = word(5);
  const npop = word(6);
  const wf = widths & 0xff;
  const wl = (widths >>> 8) & 0xff;
  const wc = (widths >>> 16) & 0xff;
  const wa = widths >>> 24;
  if (q < 1 || q > 16) fail(`offset quantum ${q} is not 1 to 16`);
  if (shift < 4 || shift > 24) fail(`page shift ${shift} is not 4 to 24`);
  if (wf < 1 || wf > 16 || wl < 1 || wl > 32 || wc < 1 || wc > 16 || wa < 1 || wa > 24)
    fail(`field widths ${wf}/${wl}/${wc}/${wa} are out of range`);
  if (npop > MAX_POPULAR) fail(`${npop} popular entries (at most ${MAX_POPULAR})`);
  const tablesAt = 4 * HEADER_WORDS;
  const popLinesAt = tablesAt + TABLES_BYTES;
  const popFilesAt = popLinesAt + 4 * npop;
  const groupsAt = Math.ceil((popFilesAt + 2 * npop) / GROUP_BYTES) * GROUP_BYTES;
  const nsegments = word(7);
  if (nsegments > MAX_SEGMENTS || (nsegments === 0) !== (npages === 0))
    fail(`${nsegments} segments for ${npages} pages (1 to ${MAX_SEGMENTS}, none without pages)`);
  const segments: { start: number; end: number; firstGroup: number }[] = [];
  let ngroups = 0;
  for (let i = 0; i < nsegments; i++) {
    const seg = { start: word(8 + 3 * i), end: word(9 + 3 * i), firstGroup: word(10 + 3 * i) };
    const from = i === 0 ? 0 : segments[i - 1].end;
    if (
      seg.start < from ||
      (i === 0 && seg.start !== 0) ||
      seg.end <= seg.start ||
      seg.end > npages
    )
      fail(`segment ${i} (pages ${seg.start} to ${seg.end}) is out of order or range`);
    if (seg.firstGroup !== ngroups)
      fail(`segment ${i} starts at group ${seg.firstGroup}, not ${ngroups}`);
    ngroups += Math.ceil((seg.end - seg.start) / GROUP_PAGES);
    segments.push(seg);
  }
  if (nsegments && segments[nsegments - 1].end !== npages)
    fail(`the segments end at page ${segments[nsegments - 1].end}, not ${npages}`);
  const dataSizeAt = groupsAt + ngroups * GROUP_BYTES;
  if (dataSizeAt > bytes.length) fail(`${npages} pages do not fit ${bytes.length} bytes`);
  const { dataSize, dataAt, fileOffsAt, namesAt, namesSize } = readDataAndFiles(
    v,
    le,
    dataSizeAt,
    nfiles,
    fail,
  );
  const nsyms = [A_SYMS, SAME_FILE + MRU - 1 + npop + 1, L_SYMS];

  // the bit reader over lineinfo_data: reads past its end are malformed
  const dataBits = dataSize * 8;
  let pos = 0;
  const bitAt = (b: number) =>
    b < dataBits ? (bytes[dataAt + (b >>> 3)] >>> (7 - (b & 7))) & 1 : 0;
  const read = (count: number): number => {
    let x = 0;
    for (let i = 0; i < count; i++) x = x * 2 + bitAt(pos + i);
    pos += count;
    return x;
  };
  /** One symbol of alphabet k: the stored 8-bit table, else the canonical walk; -1 when malformed. */
  const symbol = (k: number): number => {
    const at = tablesAt + alphabetAt(k);
    const symbolsAt = at + COUNTS_BYTES;
    let window = 0;
    for (let i = 0; i < FAST_BITS; i++) window = window * 2 + bitAt(pos + i);
    const fast = v.getUint16(symbolsAt + 2 * CAPACITY[k] + 2 * window, le);
    if (fast !== 0) {
      // a length from a corrupt table is harmless (at most 15 bits; the entry count bounds the loop)
      const sym = fast & 0xfff;
      if (sym >= nsyms[k]) return -1;
      pos += fast >>> 12;
      return sym;
    }
    // a longer code: the canonical walk from length FAST_BITS + 1 on (as the C lookup)
    let first = 0;
    let index = 0;
    for (let len = 1; len <= FAST_BITS; len++) {
      const count = v.getUint16(at + 2 * len, le);
      index += count;
      first = (first + count) * 2;
    }
    let code = 0;
    for (let i = 0; i < FAST_BITS; i++) code = code * 2 + bitAt(pos + i);
    for (let len = FAST_BITS + 1; len <= MAX_LEN; len++) {
      code = code * 2 + bitAt(pos + len - 1);
      const count = v.getUint16(at + 2 * len, le);
      if (code - first < count) {
        const i = index + code - first;
        // a corrupt table's counts can put i below 0 too
        if (i < 0 || i >= CAPACITY[k]) return -1;
        const sym = v.getUint16(symbolsAt + 2 * i, le);
        if (sym >= nsyms[k]) return -1;
        pos += len;
        return sym;
      }
      index += count;
      first = (first + count) * 2;
    }
    return -1;
  };
  const value = (sym: number): number =>
    sym < DIRECT
      ? sym
      : 2 ** (sym - DIRECT + CLASS_MIN_BITS - 1) + read(sym - DIRECT + CLASS_MIN_BITS - 1);

  const slots = new FileSlots();
  const state = { offset: 0, file: 0, line: 0 };
  // where each of a block's two streams is: offset steps, then files and lines
  let stepsPos = 0;
  let filesPos = 0;
  /** Reads a block header at byte `at`; the count of entries, or -1 when malformed. */
  const begin = (at: number, page: number): { carried: boolean; count: number } | undefined => {
    if (at >= dataSize) return undefined;
    pos = at * 8;
    const carried = read(1) === 1;
    state.offset = page * 2 ** shift;
    state.file = carried ? read(wf) : 0;
    state.line = carried ? read(wl) : 0;
    const count = read(wc);
    const stepBits = read(wa);
    if (pos > dataBits || (carried && state.file >= nfiles)) return undefined;
    slots.reset(state.file, state.line, carried);
    stepsPos = pos;
    filesPos = pos + stepBits;
    return { carried, count };
  };
  /**
   * Decodes the next entry over `state`: 'past' when it lies above `limit`
   * (not used, so not checked further, as the C lookup does), false when
   * malformed.
   */
  const next = (limit: number): boolean | 'past' => {
    pos = stepsPos;
    const sa = symbol(0);
    if (sa < 0) return false;
    const offset = state.offset + value(sa) * q;
    stepsPos = pos;
    // past the address: the rest of the entry is not read (nor checked)
    if (offset > limit) return 'past';
    pos = filesPos;
    const sf = symbol(1);
    if (sf < 0) return false;
    let file: number;
    let line: number;
    if (sf < SAME_FILE) {
      if (slots.files.length === 0) return false;
      file = slots.files[0];
      line = slots.lines[0] + unzigzag(value(sf));
    } else if (sf < SAME_FILE + MRU - 1) {
      const k = sf - SAME_FILE + 1;
      if (k >= slots.files.length) return false;
      file = slots.files[k];
      const sl = symbol(2);
      if (sl < 0) return false;
      line = slots.lines[k] + unzigzag(value(sl));
    } else {
      const j = sf - SAME_FILE - (MRU - 1);
      const popularLine = j < npop ? v.getUint32(popLinesAt + 4 * j, le) : NO_LINE;
      file = j < npop ? v.getUint16(popFilesAt + 2 * j, le) : read(wf);
      if (popularLine !== NO_LINE) line = popularLine;
      else {
        const sl = symbol(2);
        if (sl < 0) return false;
        line = state.line + unzigzag(value(sl));
      }
    }
    filesPos = pos;
    if (
      stepsPos > dataBits ||
      filesPos > dataBits ||
      file >= nfiles ||
      line < 0 ||
      line > 0xffffffff
    )
      return false;
    state.offset = offset;
    state.file = file;
    state.line = line;
    slots.touch(file, line);
    return true;
  };
  /** The page whose block answers for page p (a page in a gap: the last page before it), and that block. */
  const blockOf = (p: number): { page: number; at: number } => {
    let s = nsegments - 1;
    while (segments[s].start > p) s--;
    const seg = segments[s];
    const page = Math.min(p, seg.end - 1);
    const rel = page - seg.start;
    const at = groupsAt + (seg.firstGroup + Math.floor(rel / GROUP_PAGES)) * GROUP_BYTES;
    return { page, at: v.getUint32(at, le) + v.getUint16(at + 4 + 2 * (rel % GROUP_PAGES), le) };
  };

  return {
    entries: n,
    files: nfiles,
    lookup(offset: number, out: LookupHit): boolean {
      if (npages === 0) return false;
      const { page, at } = blockOf(Math.min(npages - 1, Math.floor(offset / 2 ** shift)));
      const head = begin(at, page);
      if (!head) return false;
      let found = head.carried;
      let file = state.file;
      let line = state.line;
      for (let k = 0; k < head.count; k++) {
        const r = next(offset);
        if (r === 'past') break;
        if (!r) return false;
        found = true;
        file = state.file;
        line = state.line;
      }
      if (!found) return false;
      out.index = UNKNOWN_ENTRY;
      out.offset = UNKNOWN_ENTRY;
      out.fileId = file;
      out.line = line;
      return true;
    },
    decodeAll(): EntryTable {
      // every entry takes at least a bit of data (its offset step's code): a
      // larger count is corrupt, and is refused before its columns are allocated
      if (n > dataBits) fail(`${n} entries cannot fit ${dataSize} bytes of data`);
      const columns = collectEntries(n, (put) => {
        let i = 0;
        let last = -1;
        // the segments' pages only: a gap's pages answer with the block before it
        for (const seg of segments)
          for (let p = seg.start; p < seg.end; p++) {
            const { page, at } = blockOf(p);
            if (at === last) continue;
            last = at;
            const head = begin(at, page);
            if (!head) fail(`the block of page ${p} is malformed`);
            for (let k = 0; k < head!.count; k++) {
              if (next(0xffffffff) !== true || i >= n) fail(`the block of page ${p} is malformed`);
              put(i++, state.offset, state.file, state.line);
            }
          }
        if (i !== n) fail(`the pages hold ${i} entries, the header says ${n}`);
      });
      const files = readFileNames(
        (i) => v.getUint32(fileOffsAt + 4 * i, le),
        nfiles,
        bytes.subarray(namesAt, namesAt + namesSize),
      );
      if (!files) fail('a file name offset is out of bounds');
      return { ...columns, files: files! };
    },
  };
}
