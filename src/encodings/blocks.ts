import { FormatError } from '../errors.js';
import { collectEntries, type EntryTable } from '../lineinfo/entries.js';
import { ByteSink, LebCursor, unzigzag, zigzag } from './leb.js';
import {
  lastAtOrBelow,
  RodataWriter,
  readDataAndFiles,
  readFileNames,
  writeDataAndFiles,
} from './rodata.js';
import type { EncodedTable, Format, LookupHit, TableReader } from './types.js';

/** How the signed deltas are written: zigzag + ULEB128 (v1, v2) or SLEB128 (v3 on). */
export type DeltaCoding = 'zigzag' | 'sleb';

/**
 * The block table of patch 3: entries in blocks of `blockSize`; a block index
 * (first offset and byte position of each block) searched by binary search,
 * then one block decoded linearly.
 */
export function blocksFormat(blockSize = 64, coding: DeltaCoding = 'sleb'): Format {
  if (!Number.isInteger(blockSize) || blockSize < 1)
    throw new FormatError(`block size must be a positive integer, not ${blockSize}`);
  const id = `blocks:${blockSize}:${coding}`;

  return {
    id,
    description: `blocks of ${blockSize} entries, ULEB128 offset deltas, ${coding === 'sleb' ? 'SLEB128' : 'zigzag + ULEB128'} file and line deltas (patch 3${coding === 'sleb' ? ', v3 on' : ', v1/v2'})`,

    encode(t: EntryTable, littleEndian: boolean): EncodedTable {
      const n = t.count;
      const { nb, blockAddrs, blockOffsets, data } = encodeBlockStream(t, blockSize, coding);
      const w = new RodataWriter(littleEndian);
      w.u32('lineinfo_num_entries', 'counts', n);
      w.u32('lineinfo_num_files', 'counts', t.files.length);
      w.u32('lineinfo_num_blocks', 'counts', nb);
      w.u32Array('lineinfo_block_addrs', 'index', blockAddrs);
      w.u32Array('lineinfo_block_offsets', 'index', blockOffsets);
      writeDataAndFiles(w, data, t.files);
      const { bytes, parts } = w.result();
      return { format: id, littleEndian, entries: n, files: t.files.length, bytes, parts };
    },

    open(bytes: Uint8Array, le: boolean): TableReader {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (bytes.length < 16) throw new FormatError(`${id} table: shorter than its counts`);
      const n = v.getUint32(0, le);
      const f = v.getUint32(4, le);
      const nb = v.getUint32(8, le);
      if (nb !== Math.ceil(n / blockSize)) {
        throw new FormatError(
          `${id} table: ${nb} blocks cannot hold ${n} entries in blocks of ${blockSize}`,
        );
      }
      const addrsAt = 12;
      const offsAt = addrsAt + 4 * nb;
      const fail = (why: string): never => {
        throw new FormatError(`${id} table: ${why}`);
      };
      const { dataSize, dataAt, fileOffsAt, namesAt, namesSize } = readDataAndFiles(
        v,
        le,
        offsAt + 4 * nb,
        f,
        fail,
      );
      return blockReader(bytes, le, id, blockSize, coding, {
        n,
        f,
        nb,
        addrsAt,
        offsAt,
        dataAt,
        dataSize,
        fileOffsAt,
        namesAt,
        namesSize,
      });
    },
  };
}

/** The block stream of a table: index arrays and the data bytes. */
export function encodeBlockStream(t: EntryTable, blockSize: number, coding: DeltaCoding) {
  const n = t.count;
  const nb = Math.ceil(n / blockSize);
  const blockAddrs = new Uint32Array(nb);
  const blockOffsets = new Uint32Array(nb);
  const sink = new ByteSink(Math.max(1024, n * 4));
  const signed = (v: number) => (coding === 'sleb' ? sink.sleb(v) : sink.uleb(zigzag(v)));
  for (let b = 0; b < nb; b++) {
    const first = b * blockSize;
    blockAddrs[b] = t.offsets[first];
    blockOffsets[b] = sink.length;
    sink.uleb(t.fileIds[first]);
    sink.uleb(t.lines[first]);
    const end = Math.min(n, first + blockSize);
    for (let i = first + 1; i < end; i++) {
      sink.uleb(t.offsets[i] - t.offsets[i - 1]);
      signed(t.fileIds[i] - t.fileIds[i - 1]);
      // a 32-bit int difference, as the generator's (int) casts: a line past
      // 2^31 (corrupt rows) costs the bytes it costs there, and decodes by the wrap
      signed((t.lines[i] - t.lines[i - 1]) | 0);
    }
  }
  return { nb, blockAddrs, blockOffsets, data: sink.result() };
}

/** Where a block table's parts lie in its bytes (already checked to fit). */
export interface BlockLayout {
  n: number;
  f: number;
  nb: number;
  addrsAt: number;
  offsAt: number;
  dataAt: number;
  dataSize: number;
  fileOffsAt: number;
  namesAt: number;
  namesSize: number;
}

/** The kernel's block lookup and a full decoder over a laid-out block table (vmlinux or module section). */
export function blockReader(
  bytes: Uint8Array,
  le: boolean,
  id: string,
  blockSize: number,
  coding: DeltaCoding,
  L: BlockLayout,
): TableReader {
  const { n, f, nb, addrsAt, offsAt, dataAt, dataSize, fileOffsAt, namesAt, namesSize } = L;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const readSigned = (c: LebCursor) => (coding === 'sleb' ? c.sleb() : unzigzag(c.uleb()));
  const blockAddr = (b: number) => v.getUint32(addrsAt + 4 * b, le);
  const cursor = new LebCursor(bytes, 0, 0);

  /**
   * Decodes block `b` up to `limit` (an offset; Infinity for all),
   * calling `each` per entry; false if the block is malformed.
   */
  const walk = (
    b: number,
    limit: number,
    each: (i: number, off: number, file: number, line: number) => void,
  ): boolean => {
    const start = v.getUint32(offsAt + 4 * b, le);
    const end = b + 1 < nb ? v.getUint32(offsAt + 4 * (b + 1), le) : dataSize;
    if (start > end || end > dataSize) return false;
    cursor.ok = true;
    cursor.pos = dataAt + start;
    cursor.end = dataAt + end;
    let off = blockAddr(b);
    let file = cursor.uleb();
    let line = cursor.uleb();
    if (!cursor.ok) return false;
    let i = b * blockSize;
    const last = Math.min(n, i + blockSize) - 1;
    each(i, off, file, line);
    while (i < last) {
      const d = cursor.uleb();
      const nextOff = off + d;
      const nextFile = file + readSigned(cursor);
      // lines wrap at 32 bits as in the kernel's lookup: the generator keeps
      // an unsigned line and writes its deltas as int, so a line past 2^31
      // (corrupt rows) reads back negative before the wrap
      const nextLine = (line + readSigned(cursor)) >>> 0;
      if (!cursor.ok || nextOff > 0xffffffff || nextFile < 0) return false;
      if (nextOff > limit) break;
      off = nextOff;
      file = nextFile;
      line = nextLine;
      i++;
      each(i, off, file, line);
    }
    return true;
  };

  return {
    entries: n,
    files: f,
    lookup(offset: number, out: LookupHit): boolean {
      const lo = lastAtOrBelow(blockAddr, 0, nb, offset) + 1;
      if (lo === 0) return false;
      // The hot path, written out (no callback): decode block lo-1 until
      // the next entry would pass `offset`.
      const b = lo - 1;
      const start = v.getUint32(offsAt + 4 * b, le);
      const end = b + 1 < nb ? v.getUint32(offsAt + 4 * (b + 1), le) : dataSize;
      if (start > end || end > dataSize) return false;
      const c = cursor;
      c.ok = true;
      c.pos = dataAt + start;
      c.end = dataAt + end;
      let off = blockAddr(b);
      let file = c.uleb();
      let line = c.uleb();
      let i = b * blockSize;
      const last = Math.min(n, i + blockSize) - 1;
      const data = bytes;
      while (i < last && c.ok) {
        // offset deltas are one byte almost always
        let d: number;
        const p = c.pos;
        if (p < c.end && data[p] < 0x80) {
          d = data[p];
          c.pos = p + 1;
        } else d = c.uleb();
        if (off + d > offset) break;
        off += d;
        file += readSigned(c);
        line += readSigned(c);
        i++;
      }
      if (!c.ok || file < 0 || file >= f) return false;
      // the sum of at most a block of 32-bit deltas is exact in a double: wrap once
      line >>>= 0;
      // as the kernel's lookup: a file whose name lies outside the names is no answer
      if (v.getUint32(fileOffsAt + 4 * file, le) >= namesSize) return false;
      out.index = i;
      out.offset = off;
      out.fileId = file;
      out.line = line;
      return true;
    },
    decodeAll(): EntryTable {
      const columns = collectEntries(n, (put) => {
        for (let b = 0; b < nb; b++) {
          if (!walk(b, Number.POSITIVE_INFINITY, put))
            throw new FormatError(`${id} table: block ${b} is malformed`);
        }
      });
      const files = readFileNames(
        (i) => v.getUint32(fileOffsAt + 4 * i, le),
        f,
        bytes.subarray(namesAt, namesAt + namesSize),
      );
      if (!files) throw new FormatError(`${id} table: a file name offset is out of bounds`);
      return { ...columns, files };
    },
  };
}
