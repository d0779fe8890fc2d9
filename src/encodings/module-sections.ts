import { FormatError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import type { DeltaCoding } from './blocks.js';
import { flatReader } from './flat.js';
import {
  moduleV3Format,
  openBlocksTable,
  V3_HEADER_SIZE,
  V6_HEADER_SIZE,
  writeBlocksTable,
} from './module.js';
import { fileTables, RodataWriter } from './rodata.js';
import {
  BUCKETS,
  type Bucket,
  bucketSizes,
  type EncodedTable,
  type Format,
  type LookupHit,
  type TableReader,
} from './types.js';

/**
 * A module's line tables from v5 on: one table per covered code section,
 * each tied to its section by a relocation ("anchor") that the module loader
 * resolves to the section's address, in two sections of the module:
 * `.mod_lineinfo` (kept while the module is loaded) and `.init.mod_lineinfo`
 * (freed with the init code).
 *
 * - module-newest: exactly what the newest generator (`post-v7-patch2/`,
 *   `emit_blob`) writes. An 8-aligned root (u32 count of sections with
 *   entries, padding to 8), one 16-byte descriptor per such section
 *   `{u64 anchor; u32 size; u32 table_offset}` (table_offset from the root;
 *   on a 32-bit target the anchor is a 4-byte relocation beside 4 zero bytes,
 *   in the target's order of halves), then per section, 4-aligned, a header
 *   of three u32 (num_entries, num_files, filenames_size), addrs[] u32,
 *   file_ids[] u16 (+2 zero bytes when the count is odd), lines[] u32,
 *   file_offsets[] u32 and ALL of the module's file names, again in every
 *   section. Covers `.text`, `.exit.text`, `.noinstr.text` (in
 *   `.mod_lineinfo`) and `.init.text` (in `.init.mod_lineinfo`).
 * - module-v6 (v6 and v7): OUR READING of the spec's table ("root +
 *   per-section descriptors, per-section header of 11 u32"): the newest's
 *   root and descriptors, and per section a blocks table: eleven u32
 *   (num_entries, num_blocks, num_files, blocks_offset, blocks_size,
 *   data_offset, data_size, files_offset, files_size, filenames_offset,
 *   filenames_size; offsets from that header), block_addrs, block_offsets,
 *   data (blocks of B, ULEB offset and SLEB file and line deltas), padding to
 *   4, file_offsets, all file names.
 * - module-v5: OUR READING of the spec ("module base from a relocation
 *   anchor; `.init.mod_lineinfo` for init/exit text"): per section an
 *   8-aligned stand-alone table, the anchor slot (as the newest's) followed
 *   by the v3/v4 48-byte header and body (module-v3), tables back to back.
 *
 * v5 and v6 cover `.text` (in `.mod_lineinfo`), `.init.text` and `.exit.text`
 * (both in `.init.mod_lineinfo`, as the spec's v5 line says; our reading for
 * v6); `.noinstr.text` is the newest's addition: its entries are counted as
 * not covered. A section without entries gets no table, a blob without
 * tables is not emitted (as the newest generator does).
 *
 * Every anchor's bytes in the object are 0: the value is a relocation
 * against the section (`anchors` lists them). Buckets: root count and
 * per-section headers 'counts'; descriptors and anchors 'index'; the entry
 * arrays (or block index and data) as the vmlinux layouts count them.
 */

export interface ModuleTarget {
  littleEndian: boolean;
  /** ELF64: the anchor is an 8-byte relocation; ELF32: a 4-byte one and 4 zero bytes. */
  is64: boolean;
}

/** One covered section's entries, as extraction gives them (offsets relative to the section). */
export interface ModuleSectionInput {
  name: string;
  /** The section's size: the descriptor's `size`. */
  size: number;
  table: Pick<EntryTable, 'count' | 'offsets' | 'fileIds' | 'lines'>;
}

/** A relocation the table carries: `size` bytes at `offset` of the blob, against section `section`. */
export interface ModuleAnchor {
  offset: number;
  size: 4 | 8;
  section: string;
}

/** One of the module's line-info sections. */
export interface EncodedBlob extends EncodedTable {
  /** `.mod_lineinfo` or `.init.mod_lineinfo`. */
  section: string;
  /** The covered sections it has tables for, in its order. */
  sections: string[];
  anchors: ModuleAnchor[];
}

export interface EncodedModule {
  format: string;
  littleEndian: boolean;
  /** Entries in the blobs. */
  entries: number;
  /** Entries of sections the layout does not cover (v5/v6: `.noinstr.text`). */
  notCovered: number;
  files: number;
  /** Only the blobs with at least one table, `.mod_lineinfo` first. */
  blobs: EncodedBlob[];
}

/** One per-section table of a blob, as its reader finds it. */
export interface BlobSection {
  /** The descriptor's size (module-v5: none, 0). */
  size: number;
  /** Where the table starts in the blob. */
  tableOffset: number;
  reader: TableReader;
}

export interface ModuleFormat extends Format {
  /** The module section holding this covered section's table, or undefined when the layout does not cover it. */
  blobOf(section: string): string | undefined;
  /** Encodes every covered section's entries (file names shared) into the module's blobs. */
  encodeModule(
    sections: readonly ModuleSectionInput[],
    files: string[],
    target: ModuleTarget,
  ): EncodedModule;
  /** Reads one blob back, bounds-checked; throws FormatError when its headers do not fit its bytes. */
  openBlob(bytes: Uint8Array, littleEndian: boolean): BlobSection[];
}

/** Bytes per bucket over every blob, and the total. */
export function moduleBucketSizes(m: EncodedModule): Record<Bucket, number> & { total: number } {
  const sum = { counts: 0, index: 0, data: 0, file_offsets: 0, filenames: 0, padding: 0, total: 0 };
  for (const b of m.blobs) {
    const s = bucketSizes(b);
    for (const k of BUCKETS) sum[k] += s[k];
    sum.total += s.total;
  }
  return sum;
}

/** The bytes of a module's blobs together. */
export function moduleBytes(m: EncodedModule): number {
  return m.blobs.reduce((n, b) => n + b.bytes.length, 0);
}

const NEWEST_BLOBS: Record<string, string> = {
  '.text': '.mod_lineinfo',
  '.exit.text': '.mod_lineinfo',
  '.init.text': '.init.mod_lineinfo',
  '.noinstr.text': '.mod_lineinfo',
};
/** v5 and v6 (our reading): init and exit text in the init blob, no `.noinstr.text`. */
const V5_BLOBS: Record<string, string> = {
  '.text': '.mod_lineinfo',
  '.init.text': '.init.mod_lineinfo',
  '.exit.text': '.init.mod_lineinfo',
};
const BLOB_ORDER = ['.mod_lineinfo', '.init.mod_lineinfo'];

const ROOT = 8;
const DESCRIPTOR = 16;

/** One section's stand-alone table, laid out from offset 0 (its start is 4-aligned in the blob). */
type SectionEncoder = (
  s: ModuleSectionInput,
  ft: ReturnType<typeof fileTables>,
  le: boolean,
) => RodataWriter;

/** The anchor slot: the relocated half first on a 64-bit or little-endian target. */
function writeAnchor(
  w: RodataWriter,
  target: ModuleTarget,
  section: string,
  anchors: ModuleAnchor[],
  what: string,
): void {
  if (target.is64) {
    anchors.push({ offset: w.offset, size: 8, section });
    w.raw(`${what}.anchor`, 'index', new Uint8Array(8));
  } else if (target.littleEndian) {
    anchors.push({ offset: w.offset, size: 4, section });
    w.raw(`${what}.anchor`, 'index', new Uint8Array(4));
    w.raw(`${what}.anchor_pad`, 'padding', new Uint8Array(4));
  } else {
    w.raw(`${what}.anchor_pad`, 'padding', new Uint8Array(4));
    anchors.push({ offset: w.offset, size: 4, section });
    w.raw(`${what}.anchor`, 'index', new Uint8Array(4));
  }
}

/**
 * The blobs of a layout: per blob, the sections with entries in input order,
 * written by `write` into the blob's writer, its anchors collected.
 */
function encodeBlobs(
  id: string,
  blobs: Record<string, string>,
  sections: readonly ModuleSectionInput[],
  files: string[],
  target: ModuleTarget,
  write: (w: RodataWriter, active: ModuleSectionInput[], anchors: ModuleAnchor[]) => void,
): EncodedModule {
  const le = target.littleEndian;
  const out: EncodedBlob[] = [];
  let entries = 0;
  let notCovered = 0;
  for (const s of sections) if (!blobs[s.name]) notCovered += s.table.count;
  for (const blob of BLOB_ORDER) {
    const active = sections.filter((s) => blobs[s.name] === blob && s.table.count > 0);
    if (active.length === 0) continue;
    const w = new RodataWriter(le);
    const anchors: ModuleAnchor[] = [];
    write(w, active, anchors);
    const blobEntries = active.reduce((n, s) => n + s.table.count, 0);
    entries += blobEntries;
    const { bytes, parts } = w.result();
    out.push({
      format: id,
      littleEndian: le,
      entries: blobEntries,
      files: files.length,
      bytes,
      parts,
      section: blob,
      sections: active.map((s) => s.name),
      anchors,
    });
  }
  return { format: id, littleEndian: le, entries, notCovered, files: files.length, blobs: out };
}

/**
 * The blobs of a layout with a root and descriptors (newest, v6): per blob,
 * the sections with entries in input order, each table 4-aligned after the
 * descriptors.
 */
function encodeWithDescriptors(
  id: string,
  blobs: Record<string, string>,
  table: SectionEncoder,
  sections: readonly ModuleSectionInput[],
  files: string[],
  target: ModuleTarget,
): EncodedModule {
  const ft = fileTables(files);
  return encodeBlobs(id, blobs, sections, files, target, (w, active, anchors) => {
    const tables = active.map((s) => table(s, ft, target.littleEndian).result());
    let at = ROOT + DESCRIPTOR * active.length;
    const offsets = tables.map((t) => {
      at = Math.ceil(at / 4) * 4;
      const o = at;
      at += t.bytes.length;
      return o;
    });
    w.u32('root.num_sections', 'counts', active.length);
    w.align(8);
    active.forEach((s, k) => {
      writeAnchor(w, target, s.name, anchors, `sections[${k}]`);
      w.u32(`sections[${k}].size`, 'index', s.size);
      w.u32(`sections[${k}].table_offset`, 'index', offsets[k]);
    });
    tables.forEach((t, k) => {
      w.align(4);
      w.append(t, `${active[k].name}.`);
    });
  });
}

/** Reads a blob's root and descriptors, checking each table offset against the bytes. */
function readDescriptors(
  bytes: Uint8Array,
  le: boolean,
  id: string,
): { size: number; tableOffset: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < ROOT) throw new FormatError(`${id}: shorter than its root`);
  const count = v.getUint32(0, le);
  if (ROOT + DESCRIPTOR * count > bytes.length)
    throw new FormatError(`${id}: ${count} descriptors do not fit ${bytes.length} bytes`);
  const out: { size: number; tableOffset: number }[] = [];
  for (let k = 0; k < count; k++) {
    const d = ROOT + DESCRIPTOR * k;
    const tableOffset = v.getUint32(d + 12, le);
    if (tableOffset < ROOT + DESCRIPTOR * count || tableOffset >= bytes.length)
      throw new FormatError(`${id}: table ${k} at ${tableOffset} lies outside the blob`);
    out.push({ size: v.getUint32(d + 8, le), tableOffset });
  }
  return out;
}

/** Single-table use (parseFormat, round trips): the table as `.text`'s, its size the last offset + 1. */
function asText(t: EntryTable): ModuleSectionInput {
  return { name: '.text', size: t.count ? t.offsets[t.count - 1] + 1 : 0, table: t };
}

const NO_ENTRIES: TableReader = {
  entries: 0,
  files: 0,
  lookup: (_offset: number, _out: LookupHit) => false,
  decodeAll: () => ({
    count: 0,
    offsets: new Uint32Array(0),
    fileIds: new Uint16Array(0),
    lines: new Uint32Array(0),
    files: [],
  }),
};

/** The Format face of a module layout: one table encoded as `.text`'s (ELF64), read back from the first table of the blob. */
function formatFace(
  f: Omit<ModuleFormat, 'encode' | 'open'>,
): Pick<ModuleFormat, 'encode' | 'open'> {
  return {
    encode(t: EntryTable, littleEndian: boolean): EncodedTable {
      const m = f.encodeModule([asText(t)], t.files, { littleEndian, is64: true });
      const blob = m.blobs[0];
      if (blob) return blob;
      return {
        format: f.id,
        littleEndian,
        entries: 0,
        files: 0,
        bytes: new Uint8Array(0),
        parts: [],
      };
    },
    open(bytes: Uint8Array, littleEndian: boolean): TableReader {
      if (bytes.length === 0) return NO_ENTRIES;
      const sections = f.openBlob(bytes, littleEndian);
      if (sections.length === 0) throw new FormatError(`${f.id}: a blob without tables`);
      return sections[0].reader;
    },
  };
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** The newest generator's module layout (emit_blob / emit_section_table), exact. */
export function moduleNewestFormat(): ModuleFormat {
  const id = 'module-newest';
  const table: SectionEncoder = (s, ft, le) => {
    const t = s.table;
    const n = t.count;
    const w = new RodataWriter(le);
    w.u32('header.num_entries', 'counts', n);
    w.u32('header.num_files', 'counts', ft.offsets.length);
    w.u32('header.filenames_size', 'counts', ft.names.length);
    w.u32Array('addrs', 'data', t.offsets.subarray(0, n));
    w.u16Array('file_ids', 'data', t.fileIds.subarray(0, n));
    if (n & 1) w.raw('file_ids_pad', 'padding', new Uint8Array(2));
    w.u32Array('lines', 'data', t.lines.subarray(0, n));
    w.u32Array('file_offsets', 'file_offsets', ft.offsets);
    w.raw('filenames', 'filenames', ft.names);
    return w;
  };
  const base = {
    id,
    description:
      "a module's .mod_lineinfo and .init.mod_lineinfo (newest: per-section flat tables, all file names in each)",
    blobOf: (section: string) => NEWEST_BLOBS[section],
    encodeModule: (
      sections: readonly ModuleSectionInput[],
      files: string[],
      target: ModuleTarget,
    ) => encodeWithDescriptors(id, NEWEST_BLOBS, table, sections, files, target),
    openBlob(bytes: Uint8Array, le: boolean): BlobSection[] {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return readDescriptors(bytes, le, id).map(({ size, tableOffset: t }, k) => {
        if (t + 12 > bytes.length)
          throw new FormatError(`${id}: table ${k}'s header runs past the end`);
        const n = v.getUint32(t, le);
        const f = v.getUint32(t + 4, le);
        const namesSize = v.getUint32(t + 8, le);
        const addrs = t + 12;
        const fileIds = addrs + 4 * n;
        const lines = align4(fileIds + 2 * n);
        const fileOffsets = lines + 4 * n;
        const namesAt = fileOffsets + 4 * f;
        if (namesAt + namesSize > bytes.length)
          throw new FormatError(
            `${id}: table ${k} (${n} entries, ${f} files) does not fit ${bytes.length} bytes`,
          );
        const reader = flatReader(bytes, le, `${id} table ${k}`, {
          n,
          f,
          addrs,
          fileIds,
          lines,
          fileOffsets,
          namesAt,
          namesSize,
        });
        return { size, tableOffset: t, reader };
      });
    },
  };
  return { ...base, ...formatFace(base) };
}

/** v6/v7 (our reading): the newest's root and descriptors, a blocks table of eleven u32 per section. */
export function moduleV6Format(blockSize = 64, coding: DeltaCoding = 'sleb'): ModuleFormat {
  const id = `module-v6:${blockSize}:${coding}`;
  const table: SectionEncoder = (s, ft, le) => {
    const w = new RodataWriter(le);
    writeBlocksTable(w, s.table, ft, { blockSize, coding, reserved: false });
    return w;
  };
  const base = {
    id,
    description: `a module's line-info sections, v6/v7 layout (our reading: descriptors, per-section blocks of ${blockSize})`,
    blobOf: (section: string) => V5_BLOBS[section],
    encodeModule: (
      sections: readonly ModuleSectionInput[],
      files: string[],
      target: ModuleTarget,
    ) => encodeWithDescriptors(id, V5_BLOBS, table, sections, files, target),
    openBlob(bytes: Uint8Array, le: boolean): BlobSection[] {
      return readDescriptors(bytes, le, id).map(({ size, tableOffset }, k) => ({
        size,
        tableOffset,
        reader: openBlocksTable(
          bytes.subarray(tableOffset),
          le,
          `${id} table ${k}`,
          V6_HEADER_SIZE,
          { blockSize, coding, header: 'header', within: 'table' },
        ),
      }));
    },
  };
  return { ...base, ...formatFace(base) };
}

/** v5 (our reading): per section an 8-aligned anchor and a module-v3 table, back to back. */
export function moduleV5Format(blockSize = 64, coding: DeltaCoding = 'sleb'): ModuleFormat {
  const id = `module-v5:${blockSize}:${coding}`;
  const v3 = moduleV3Format(blockSize, coding);
  const base = {
    id,
    description: `a module's line-info sections, v5 layout (our reading: an anchor before each v3/v4 table, blocks of ${blockSize})`,
    blobOf: (section: string) => V5_BLOBS[section],
    encodeModule(
      sections: readonly ModuleSectionInput[],
      files: string[],
      target: ModuleTarget,
    ): EncodedModule {
      return encodeBlobs(id, V5_BLOBS, sections, files, target, (w, active, anchors) => {
        for (const s of active) {
          w.align(8);
          writeAnchor(w, target, s.name, anchors, `${s.name}`);
          w.append(v3.encode({ ...s.table, files }, target.littleEndian), `${s.name}.`);
        }
      });
    },
    openBlob(bytes: Uint8Array, le: boolean): BlobSection[] {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out: BlobSection[] = [];
      let at = 0;
      while (at < bytes.length) {
        const t = at + 8;
        if (t + V3_HEADER_SIZE > bytes.length)
          throw new FormatError(`${id}: table ${out.length} at ${at} is shorter than its header`);
        const reader = openBlocksTable(
          bytes.subarray(t),
          le,
          `${id} table ${out.length}`,
          V3_HEADER_SIZE,
          { blockSize, coding, header: 'header', within: 'table' },
        );
        out.push({ size: 0, tableOffset: at, reader });
        // the table ends with its file names
        const end = t + v.getUint32(t + 36, le) + v.getUint32(t + 40, le);
        at = Math.ceil(end / 8) * 8;
      }
      return out;
    },
  };
  return { ...base, ...formatFace(base) };
}
