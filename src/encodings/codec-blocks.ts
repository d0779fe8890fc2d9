import { FormatError } from '../errors.js';
import { collectEntries, type EntryTable } from '../lineinfo/entries.js';
import { ByteSink, LebCursor } from './leb.js';
import {
  lastAtOrBelow,
  RodataWriter,
  readDataAndFiles,
  readFileNames,
  writeDataAndFiles,
} from './rodata.js';
import type { EncodedTable, Format, LookupHit, TableReader } from './types.js';

/** The running state of a block decode: the current entry. */
export interface EntryState {
  offset: number;
  file: number;
  line: number;
}

/**
 * How a block's entries after its first are coded. Formats of ours share the
 * upstream block layout (index of first offsets and byte positions, then a
 * byte stream whose blocks start with ULEB128 file and line of their first
 * entry) and differ only here, so a kernel implementation is one block
 * decoder per format.
 */
export interface EntryCodec {
  /** Short id, the format's name ("flagged", "special" ...). */
  name: string;
  description: string;
  /** Parameters chosen per table (e.g. a special-opcode window), stored as i32 words in the header. */
  params(t: EntryTable, quantum: number): number[];
  /** How many parameter words the decoder needs: a table with fewer is refused (as the C lookup refuses it). */
  paramWords: number;
  /** Writes entries first+1 .. end-1 of one block (the first is already written). */
  encodeBlock(
    sink: ByteSink,
    t: EntryTable,
    first: number,
    end: number,
    params: number[],
    quantum: number,
  ): void;
  /** A decoder for one table: `begin` at each block's first entry, then `next` per entry. */
  decoder(params: number[], quantum: number): BlockDecoder;
}

export interface BlockDecoder {
  /** Called with the cursor just after the block's first entry, and that entry. */
  begin(c: LebCursor, first: EntryState): void;
  /** Reads the next entry over `s` (which holds the previous one); false on malformed data. */
  next(c: LebCursor, s: EntryState): boolean;
}

/**
 * A direct index by address bits: for each page of 2^shift bytes, the block
 * that holds the page's first byte. A lookup reads the page's entry and
 * searches only the few blocks up to the next page's, instead of the whole
 * block index. The shift is chosen so a page spans about one block.
 */
export function pageIndex(
  blockAddrs: Uint32Array,
  lastOffset: number,
): { shift: number; first: Uint32Array } {
  const nb = blockAddrs.length;
  if (nb === 0) return { shift: 12, first: new Uint32Array(1) };
  const span = Math.max(1, lastOffset - blockAddrs[0] + 1);
  const shift = Math.max(4, Math.min(24, Math.round(Math.log2(span / nb))));
  const npages = Math.floor(lastOffset / 2 ** shift) + 1;
  const first = new Uint32Array(npages);
  let b = 0;
  for (let p = 0; p < npages; p++) {
    const start = p * 2 ** shift;
    while (b + 1 < nb && blockAddrs[b + 1] <= start) b++;
    first[p] = b;
  }
  return { shift, first };
}

/**
 * The largest power of two up to 16 that divides every offset step: the
 * instruction size on fixed-width targets (4 on arm64), 2 with compressed
 * instructions, 1 on x86. Steps are stored in these units.
 */
export function offsetQuantum(t: EntryTable): number {
  let q = 16;
  for (let i = 1; i < t.count && q > 1; i++) {
    const d = t.offsets[i] - t.offsets[i - 1];
    while (q > 1 && d % q !== 0) q >>= 1;
  }
  return q;
}

/**
 * A format of ours: counts, per-table parameters, the block index, the data
 * stream (each block starting with ULEB128 file and line of its first entry),
 * then the file tables, laid out like the upstream block table.
 */
export function codecBlocksFormat(codec: EntryCodec, blockSize: number, paged = false): Format {
  const id = `${codec.name}:${blockSize}${paged ? ':paged' : ''}`;
  return {
    id,
    description: `${codec.description}; blocks of ${blockSize}, offset steps in units of the instruction size${paged ? ', a direct page index in front of the block index' : ''}`,

    encode(t: EntryTable, littleEndian: boolean): EncodedTable {
      const quantum = offsetQuantum(t);
      const n = t.count;
      const nb = Math.ceil(n / blockSize);
      const params = codec.params(t, quantum);
      const blockAddrs = new Uint32Array(nb);
      const blockOffsets = new Uint32Array(nb);
      const sink = new ByteSink(Math.max(1024, n * 3));
      for (let b = 0; b < nb; b++) {
        const first = b * blockSize;
        blockAddrs[b] = t.offsets[first];
        blockOffsets[b] = sink.length;
        sink.uleb(t.fileIds[first]);
        sink.uleb(t.lines[first]);
        codec.encodeBlock(sink, t, first, Math.min(n, first + blockSize), params, quantum);
      }
      const pages = paged
        ? pageIndex(blockAddrs, n ? t.offsets[n - 1] : 0)
        : { shift: 0, first: new Uint32Array(0) };
      const w = new RodataWriter(littleEndian);
      w.u32('lineinfo_num_entries', 'counts', n);
      w.u32('lineinfo_num_files', 'counts', t.files.length);
      w.u32('lineinfo_num_blocks', 'counts', nb);
      w.u32('lineinfo_quantum', 'counts', quantum);
      w.u32('lineinfo_page_shift', 'counts', pages.shift);
      w.u32('lineinfo_num_pages', 'counts', pages.first.length);
      w.u32('lineinfo_num_params', 'counts', params.length);
      w.u32Array(
        'lineinfo_params',
        'counts',
        params.map((p) => p >>> 0),
      );
      w.u32Array('lineinfo_page_blocks', 'index', pages.first);
      w.u32Array('lineinfo_block_addrs', 'index', blockAddrs);
      w.u32Array('lineinfo_block_offsets', 'index', blockOffsets);
      const data = sink.result();
      writeDataAndFiles(w, data, t.files);
      const { bytes, parts } = w.result();
      return { format: id, littleEndian, entries: n, files: t.files.length, bytes, parts };
    },

    open(bytes: Uint8Array, le: boolean): TableReader {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const fail = (why: string): never => {
        throw new FormatError(`${id} table: ${why}`);
      };
      if (bytes.length < 28) fail('shorter than its counts');
      const n = v.getUint32(0, le);
      const f = v.getUint32(4, le);
      const nb = v.getUint32(8, le);
      const quantum = v.getUint32(12, le);
      const shift = v.getUint32(16, le);
      const npages = v.getUint32(20, le);
      const np = v.getUint32(24, le);
      if (nb !== Math.ceil(n / blockSize))
        fail(`${nb} blocks cannot hold ${n} entries in blocks of ${blockSize}`);
      if (quantum < 1 || quantum > 16) fail(`offset quantum ${quantum} is not 1 to 16`);
      if (shift > 31 || npages > 0 !== paged || (paged && shift === 0)) {
        fail(`page index (shift ${shift}, ${npages} pages) does not match the format`);
      }
      if (np > 64 || 28 + 4 * np + 4 * npages > bytes.length)
        fail(`${np} parameters and ${npages} pages do not fit`);
      if (np < codec.paramWords) fail(`${np} parameters, the decoder needs ${codec.paramWords}`);
      const params = Array.from({ length: np }, (_, i) => v.getInt32(28 + 4 * i, le));
      const pagesAt = 28 + 4 * np;
      const addrsAt = pagesAt + 4 * npages;
      const offsAt = addrsAt + 4 * nb;
      const { dataSize, dataAt, fileOffsAt, namesAt, namesSize } = readDataAndFiles(
        v,
        le,
        offsAt + 4 * nb,
        f,
        fail,
      );
      const blockAddr = (b: number) => v.getUint32(addrsAt + 4 * b, le);
      const c = new LebCursor(bytes, 0, 0);
      const dec = codec.decoder(params, quantum);
      const s: EntryState = { offset: 0, file: 0, line: 0 };
      const next: EntryState = { offset: 0, file: 0, line: 0 };

      /** Positions the cursor at block b's first entry; false if the index is malformed. */
      const startBlock = (b: number): boolean => {
        const start = v.getUint32(offsAt + 4 * b, le);
        const end = b + 1 < nb ? v.getUint32(offsAt + 4 * (b + 1), le) : dataSize;
        if (start > end || end > dataSize) return false;
        c.ok = true;
        c.pos = dataAt + start;
        c.end = dataAt + end;
        s.offset = blockAddr(b);
        s.file = c.uleb();
        s.line = c.uleb();
        if (!c.ok) return false;
        dec.begin(c, s);
        return c.ok;
      };
      const step = (): boolean => {
        next.offset = s.offset;
        next.file = s.file;
        next.line = s.line;
        return (
          dec.next(c, next) &&
          c.ok &&
          next.offset <= 0xffffffff &&
          next.file >= 0 &&
          next.line >= 0 &&
          next.line <= 0xffffffff
        );
      };

      return {
        entries: n,
        files: f,
        lookup(offset: number, out: LookupHit): boolean {
          let lo = 0;
          let hi = nb;
          if (npages > 0) {
            // the page says which few blocks can hold the offset
            const p = Math.min(npages - 1, Math.floor(offset / 2 ** shift));
            lo = v.getUint32(pagesAt + 4 * p, le);
            hi = p + 1 < npages ? v.getUint32(pagesAt + 4 * (p + 1), le) + 1 : nb;
            if (lo >= nb || hi > nb || lo > hi) return false;
          }
          // none of the page's blocks starts at or below the offset: nothing
          // (block lo - 1 is outside the page's range; a clean index never asks for it)
          const b = lastAtOrBelow(blockAddr, lo, hi, offset);
          if (b < lo) return false;
          if (!startBlock(b)) return false;
          let i = b * blockSize;
          const last = Math.min(n, i + blockSize) - 1;
          while (i < last) {
            if (!step()) return false;
            if (next.offset > offset) break;
            s.offset = next.offset;
            s.file = next.file;
            s.line = next.line;
            i++;
          }
          // as the kernel's lookup: a file whose name lies outside the names is no answer
          if (s.file >= f || v.getUint32(fileOffsAt + 4 * s.file, le) >= namesSize) return false;
          out.index = i;
          out.offset = s.offset;
          out.fileId = s.file;
          out.line = s.line;
          return true;
        },
        decodeAll(): EntryTable {
          const columns = collectEntries(n, (put) => {
            for (let b = 0; b < nb; b++) {
              if (!startBlock(b)) fail(`block ${b} is malformed`);
              let i = b * blockSize;
              const last = Math.min(n, i + blockSize) - 1;
              put(i, s.offset, s.file, s.line);
              while (i < last) {
                if (!step()) fail(`block ${b} is malformed`);
                s.offset = next.offset;
                s.file = next.file;
                s.line = next.line;
                put(++i, s.offset, s.file, s.line);
              }
            }
          });
          const files = readFileNames(
            (i) => v.getUint32(fileOffsAt + 4 * i, le),
            f,
            bytes.subarray(namesAt, namesAt + namesSize),
          );
          if (!files) fail('a file name offset is out of bounds');
          return { ...columns, files: files! };
        },
      };
    },
  };
}
