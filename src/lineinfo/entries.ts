/** The entry table: what the kernel's lineinfo tables encode. */
export interface EntryTable {
  count: number;
  /** Offset from the base address. */
  offsets: Uint32Array;
  fileIds: Uint16Array;
  lines: Uint32Array;
  /** File names in file_id order. */
  files: string[];
}

/** Sets entry i of the columns being filled. */
export type PutEntry = (i: number, offset: number, fileId: number, line: number) => void;

/**
 * The columns of n entries, filled by `fill` through `put`: every decoder's
 * decodeAll, whatever its layout, ends in the same three arrays.
 */
export function collectEntries(
  n: number,
  fill: (put: PutEntry) => void,
): Omit<EntryTable, 'files'> {
  const offsets = new Uint32Array(n);
  const fileIds = new Uint16Array(n);
  const lines = new Uint32Array(n);
  fill((i, offset, fileId, line) => {
    offsets[i] = offset;
    fileIds[i] = fileId;
    lines[i] = line;
  });
  return { count: n, offsets, fileIds, lines };
}

/** The entries as little-endian u32 triples (offset, file_id, line): the dump format the golden SHA-256 is taken over. */
export function entriesToTriples(t: EntryTable): Uint8Array {
  const out = new Uint8Array(t.count * 12);
  const v = new DataView(out.buffer);
  for (let i = 0; i < t.count; i++) {
    v.setUint32(i * 12, t.offsets[i], true);
    v.setUint32(i * 12 + 4, t.fileIds[i], true);
    v.setUint32(i * 12 + 8, t.lines[i], true);
  }
  return out;
}

/** The file names, each followed by a newline (the golden filenames_sha256 format). */
export function filesToText(t: EntryTable): string {
  return t.files.map((f) => `${f}\n`).join('');
}
