import { UserError } from '../errors.js';
import { blocksFormat, type DeltaCoding } from './blocks.js';
import { codecBlocksFormat } from './codec-blocks.js';
import { CODECS } from './codecs.js';
import { flatFormat } from './flat.js';
import { moduleV3Format } from './module.js';
import { moduleNewestFormat, moduleV5Format, moduleV6Format } from './module-sections.js';
import { pageHuffmanFormat } from './page-huffman.js';
import type { Format } from './types.js';

/** The formats `--format` accepts, with their syntax, for --help. */
export const FORMAT_SYNTAX = [
  'flat                     the flat arrays (RFC, v1 patch 1)',
  'blocks[:B[:sleb|zigzag]] blocks of B entries (default 64), SLEB128 (v3+, default) or zigzag (v1/v2) deltas',
  "module-v3[:B[:sleb|zigzag]] a module's .mod_lineinfo section, v3/v4 layout (48-byte header)",
  "module-v5[:B[:sleb|zigzag]] a module's line-info sections, v5 layout (our reading: an anchor before each v3/v4 table)",
  "module-v6[:B[:sleb|zigzag]] a module's line-info sections, v6/v7 layout (our reading: descriptors, per-section blocks)",
  "module-newest            a module's .mod_lineinfo and .init.mod_lineinfo as the newest generator writes them",
  'flagged[:B]              ours: a "file changed" bit in the line delta (default B 64)',
  'special[:B]              ours: one-byte special opcodes, window chosen per table',
  'mru-huffman[:B]          ours: move-to-front files, per-file line steps, Huffman codes per table',
  '...:B:paged              any of ours with a direct page index in front of the block index (faster lookup)',
  'page-huffman[:P]         ours: one block per P-byte page of text (power of two; default the smallest within 2.0 B/entry), found by a direct page index',
];

/** The formats with a block size and a delta coding, by name. */
const BLOCK_FORMATS: Record<string, (size: number, coding: DeltaCoding) => Format> = {
  blocks: blocksFormat,
  'module-v3': moduleV3Format,
  'module-v5': moduleV5Format,
  'module-v6': moduleV6Format,
};

/** Parses one format id: "flat", "blocks", "blocks:64", "blocks:64:zigzag". */
export function parseFormat(spec: string): Format {
  const [name, ...args] = spec.trim().split(':');
  if (name === 'flat' && args.length === 0) return flatFormat;
  if (name === 'module-newest' && args.length === 0) return moduleNewestFormat();
  const blockFormat = Object.hasOwn(BLOCK_FORMATS, name) ? BLOCK_FORMATS[name] : undefined;
  if (blockFormat && args.length <= 2) {
    const size = args[0] === undefined || args[0] === '' ? 64 : Number(args[0]);
    if (!Number.isInteger(size) || size < 1 || size > 65536) {
      throw new UserError(`--format ${spec}: block size must be a whole number from 1 to 65536`);
    }
    const coding = (args[1] ?? 'sleb') as DeltaCoding;
    if (coding !== 'sleb' && coding !== 'zigzag')
      throw new UserError(`--format ${spec}: deltas are sleb or zigzag, not ${coding}`);
    return blockFormat(size, coding);
  }
  if (name === 'page-huffman' && args.length <= 1) {
    if (args[0] === undefined || args[0] === '') return pageHuffmanFormat();
    const size = Number(args[0]);
    if (!Number.isInteger(size) || size < 16 || size > 2 ** 24 || (size & (size - 1)) !== 0)
      throw new UserError(`--format ${spec}: the page size is a power of two from 16 to 16777216`);
    return pageHuffmanFormat(size);
  }
  const codec = CODECS.find((c) => c.name === name);
  if (codec && args.length <= 2 && (args[1] === undefined || args[1] === 'paged')) {
    const size = args[0] === undefined || args[0] === '' ? 64 : Number(args[0]);
    if (!Number.isInteger(size) || size < 1 || size > 65536) {
      throw new UserError(`--format ${spec}: block size must be a whole number from 1 to 65536`);
    }
    return codecBlocksFormat(codec, size, args[1] === 'paged');
  }
  throw new UserError(
    `--format ${spec}: unknown format (known: flat, ${Object.keys(BLOCK_FORMATS)
      .map((b) => `${b}[:B[:sleb|zigzag]]`)
      .join(
        ', ',
      )}, module-newest, page-huffman[:P], ${CODECS.map((c) => `${c.name}[:B[:paged]]`).join(', ')})`,
  );
}

/** Parses a comma-separated list of formats. */
export function parseFormats(list: string): Format[] {
  return list
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(parseFormat);
}
