import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blocksFormat } from '../../src/encodings/blocks.js';
import { flatFormat } from '../../src/encodings/flat.js';
import type { EntryTable } from '../../src/lineinfo/entries.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';

/**
 * The generator emits its tables as assembly; here the same tables are
 * written as gas directives (.long, .short, .uleb128, .sleb128, .balign 4)
 * and assembled by the real assembler of a little- and a big-endian target.
 * The encoders' bytes must equal the assembled .rodata byte for byte.
 */
const dir = scratchDir('asm');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sampleTable(): EntryTable {
  // deltas of every size class: 1-byte, 2-byte and 5-byte LEB128, negative ones too
  const offsets = [0x10, 0x11, 0x15, 0x90, 0x4000, 0x4001, 0x20000, 0x7fff_fff0, 0xffff_fff0];
  const fileIds = [0, 0, 1, 2, 1, 300, 0, 2, 1];
  const lines = [1, 2, 70, 9000, 8, 1_000_000, 3, 2_000_000_000, 5];
  const n = 200;
  const o = [...offsets];
  for (let i = offsets.length; i < n; i++) o.push(0x8000_0000 + i * 37);
  o.sort((a, b) => a - b);
  const f: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < n; i++) {
    f.push(fileIds[i % fileIds.length]);
    l.push(lines[i % lines.length] + (i % 7));
  }
  const files = Array.from({ length: 301 }, (_, i) =>
    i % 2 ? `drivers/x/f${i}.c` : `include/linux/h${i}.h`,
  );
  return {
    count: n,
    offsets: Uint32Array.from(o),
    fileIds: Uint16Array.from(f),
    lines: Uint32Array.from(l),
    files,
  };
}

function fileTablesAsm(t: EntryTable): string[] {
  const out = ['\t.balign 4', 'lineinfo_file_offsets:'];
  let size = 0;
  for (const f of t.files) {
    out.push(`\t.long ${size}`);
    size += Buffer.byteLength(f) + 1;
  }
  out.push('\t.balign 4', `lineinfo_filenames_size:\n\t.long ${size}`, 'lineinfo_filenames:');
  for (const f of t.files) out.push(`\t.asciz "${f}"`);
  return out;
}

function blocksAsm(t: EntryTable, blockSize: number, coding: 'sleb' | 'zigzag'): string {
  const nb = Math.ceil(t.count / blockSize);
  const signed = (v: number) =>
    coding === 'sleb' ? `\t.sleb128 ${v}` : `\t.uleb128 ${v >= 0 ? 2 * v : -2 * v - 1}`;
  const out = ['\t.section .rodata', '\t.balign 4', `lineinfo_num_entries:\n\t.long ${t.count}`];
  out.push(
    '\t.balign 4',
    `lineinfo_num_files:\n\t.long ${t.files.length}`,
    '\t.balign 4',
    `lineinfo_num_blocks:\n\t.long ${nb}`,
  );
  out.push('\t.balign 4', 'lineinfo_block_addrs:');
  for (let b = 0; b < nb; b++) out.push(`\t.long ${t.offsets[b * blockSize]}`);
  out.push('\t.balign 4', 'lineinfo_block_offsets:');
  for (let b = 0; b < nb; b++) out.push(`\t.long .Lblock${b} - lineinfo_data`);
  out.push(
    '\t.balign 4',
    'lineinfo_data_size:\n\t.long .Ldata_end - lineinfo_data',
    'lineinfo_data:',
  );
  for (let b = 0; b < nb; b++) {
    const first = b * blockSize;
    out.push(`.Lblock${b}:`, `\t.uleb128 ${t.fileIds[first]}`, `\t.uleb128 ${t.lines[first]}`);
    for (let i = first + 1; i < Math.min(t.count, first + blockSize); i++) {
      out.push(
        `\t.uleb128 ${t.offsets[i] - t.offsets[i - 1]}`,
        signed(t.fileIds[i] - t.fileIds[i - 1]),
        signed(t.lines[i] - t.lines[i - 1]),
      );
    }
  }
  out.push('.Ldata_end:', ...fileTablesAsm(t));
  return `${out.join('\n')}\n`;
}

function flatAsm(t: EntryTable): string {
  const out = ['\t.section .rodata', '\t.balign 4', `lineinfo_num_entries:\n\t.long ${t.count}`];
  out.push(
    '\t.balign 4',
    `lineinfo_num_files:\n\t.long ${t.files.length}`,
    '\t.balign 4',
    'lineinfo_addrs:',
  );
  for (let i = 0; i < t.count; i++) out.push(`\t.long ${t.offsets[i]}`);
  out.push('lineinfo_file_ids:');
  for (let i = 0; i < t.count; i++) out.push(`\t.short ${t.fileIds[i]}`);
  out.push('\t.balign 4', 'lineinfo_lines:');
  for (let i = 0; i < t.count; i++) out.push(`\t.long ${t.lines[i]}`);
  out.push(...fileTablesAsm(t));
  return `${out.join('\n')}\n`;
}

function assemble(as: string, objcopy: string, source: string, name: string): Uint8Array {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  const bin = join(dir, `${name}.bin`);
  writeFileSync(s, source);
  execFileSync(as, ['-o', o, s]);
  execFileSync(objcopy, ['-O', 'binary', '--only-section=.rodata', o, bin]);
  return new Uint8Array(readFileSync(bin));
}

/**
 * Equal bytes; the assembled section may end in zero padding to the
 * target's section alignment (s390x gas pads .rodata to an even size),
 * which the next object's data absorbs at link time.
 */
function expectSameTable(ours: Uint8Array, assembled: Uint8Array): void {
  expect(Buffer.from(assembled.subarray(0, ours.length)).equals(Buffer.from(ours))).toBe(true);
  const tail = assembled.subarray(ours.length);
  expect(tail.length).toBeLessThan(2);
  expect(tail.every((b) => b === 0)).toBe(true);
}

const TARGETS: [string, string, string, boolean][] = [
  ['x86_64 (little-endian)', 'as', 'objcopy', true],
  ['s390x (big-endian)', 's390x-linux-gnu-as', 's390x-linux-gnu-objcopy', false],
];

describe.each(TARGETS)('tables assembled by gas for %s', (label, as, objcopy, le) => {
  it('the assembler is installed', () => {
    expect(hasTool(as), `${as}: run scripts/setup-debian.sh --cross`).toBe(true);
  });
  const t = sampleTable();
  const tag = label.split(' ')[0];

  it.each([
    [64, 'sleb'],
    [64, 'zigzag'],
    [16, 'sleb'],
    [7, 'sleb'],
  ] as const)('blocks of %i with %s deltas equal the assembled bytes', (size, coding) => {
    const ours = blocksFormat(size, coding).encode(t, le);
    const ref = assemble(
      as,
      objcopy,
      blocksAsm(t, size, coding),
      `${tag}-blocks-${size}-${coding}`,
    );
    expectSameTable(ours.bytes, ref);
  });

  it('the flat table equals the assembled bytes', () => {
    const ours = flatFormat.encode(t, le);
    const ref = assemble(as, objcopy, flatAsm(t), `${tag}-flat`);
    expectSameTable(ours.bytes, ref);
  });
});
