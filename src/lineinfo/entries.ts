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
