import { writeFileAtomic } from '../util/atomic-write.js';
import { entriesToTriples, filesToText } from './entries.js';
import { type InspectOptions, type InspectResult, inspectFile } from './inspect.js';

export interface DumpResult {
  inspect: InspectResult;
  entriesFile: string;
  filesFile: string;
  entriesBytes: number;
}

/**
 * Writes the entry table for other tools: `out` gets the entries as
 * little-endian u32 triples (offset, file_id, line), `filesOut` the file names
 * one per line in file_id order. Both written atomically.
 */
export function dumpFile(
  path: string,
  out: string,
  filesOut: string | undefined,
  options: InspectOptions = {},
): DumpResult {
  const { result, extract } = inspectFile(path, options);
  const triples = entriesToTriples(extract.table);
  const filesFile = filesOut ?? `${out}.files.txt`;
  writeFileAtomic(out, triples);
  writeFileAtomic(filesFile, filesToText(extract.table));
  return { inspect: result, entriesFile: out, filesFile, entriesBytes: triples.length };
}
