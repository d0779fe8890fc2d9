import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { blocksFormat } from '../../src/encodings/blocks.js';
import { flatFormat } from '../../src/encodings/flat.js';
import { parseFormat } from '../../src/encodings/registry.js';
import { entriesToTriples, filesToText } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { account } from '../../src/measure/accounting.js';
import { verifyEncoding } from '../../src/measure/verify.js';
import { GOLDEN_DIR, goldenVmlinux, readGolden, runGolden } from '../helpers/golden.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe.runIf(runGolden)('golden: Debian amd64 cloud 6.1 (upstream generator figures)', () => {
  const g = readGolden('amd64-cloud-6.1');

  it('reproduces the entries and file names exactly', { timeout: 300_000 }, async () => {
    const path = await goldenVmlinux(g);
    const elf = ElfFile.open(path);
    const r = extractUpstream(elf, { rules: 'v1-v4' });
    elf.close();
    expect(r.table.count).toBe(g.entries);
    expect(r.table.files.length).toBe(g.files);
    expect(sha256(entriesToTriples(r.table))).toBe(g.entries_sha256);
    expect(sha256(filesToText(r.table))).toBe(g.filenames_sha256);
    const names = readFileSync(join(GOLDEN_DIR, 'amd64-cloud-6.1.files.txt'), 'utf8')
      .split('\n')
      .slice(0, -1);
    expect(r.table.files).toEqual(names);
    // the sizes that follow from the counts alone (blocks of 64, u32 arrays, NUL-terminated names)
    expect(Math.ceil(r.table.count / 64)).toBe(g.blocks);
    expect(4 * g.blocks).toBe(g.block_addrs_bytes);
    expect(4 * r.table.files.length).toBe(g.file_offsets_bytes);
    expect(r.table.files.reduce((a, f) => a + Buffer.byteLength(f) + 1, 0)).toBe(g.filenames_bytes);
    // every row read is an entry or counted under exactly one reason
    const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
    expect(dropped + r.table.count).toBe(r.stats.rowsRead);
    // the upstream format's bytes: blocks of 64, SLEB128 deltas, little-endian
    const enc = blocksFormat(64, 'sleb').encode(r.table, true);
    const acc = account(enc);
    expect(enc.parts.find((p) => p.symbol === 'lineinfo_num_blocks')?.size).toBe(4);
    expect(acc.buckets.index).toBe(g.block_addrs_bytes + g.block_offsets_bytes);
    expect(acc.buckets.data).toBe(g.data_bytes);
    expect(acc.buckets.file_offsets).toBe(g.file_offsets_bytes);
    expect(acc.buckets.filenames).toBe(g.filenames_bytes);
    expect(acc.total).toBe(g.rodata_bytes_with_padding);
    expect(acc.bytesPerEntry.toFixed(4)).toBe(String(g.blocks_bytes_per_entry_index_and_data));
    expect(account(flatFormat.encode(r.table, true)).buckets.data).toBe(g.flat_bytes_arrays);
    // and the lookup agrees with the flat search everywhere it was asked
    const v = verifyEncoding(blocksFormat(64, 'sleb'), enc, r.table, 20_000, 7);
    expect(v.entryLookups).toBe(g.entries);

    const dwarfdumpRows = execSync(`llvm-dwarfdump --debug-line '${path}' | grep -c '^0x'`, {
      encoding: 'utf8',
    });
    expect(r.stats.rowsRead).toBe(Number(dwarfdumpRows.trim()));
  });

  it('v5 rules drop every row at or above _etext', { timeout: 300_000 }, async () => {
    const elf = ElfFile.open(await goldenVmlinux(g));
    const etext = elf.symbolValue('_etext')!;
    const text = elf.symbolValue('_text')!;
    const v4 = extractUpstream(elf, { rules: 'v1-v4' });
    const v5 = extractUpstream(elf, { rules: 'v5' });
    elf.close();
    const cap = Number(etext - text);
    expect(v5.drops.aboveEnd).toBeGreaterThan(0);
    expect(v5.table.offsets[v5.table.count - 1]).toBeLessThan(cap);
    expect(v4.table.offsets[v4.table.count - 1]).toBeGreaterThanOrEqual(cap); // init text is in v1-v4 tables
    const below = v4.table.offsets.filter((o) => o < cap).length;
    // the entries below the cap are the same, up to de-duplication at the boundary
    expect(Math.abs(v5.table.count - below)).toBeLessThanOrEqual(1);
  });
});

describe.runIf(runGolden)(
  'golden: the newest generator (post-v7-patch2) on Debian amd64 cloud 6.1',
  () => {
    const g = readGolden('amd64-cloud-6.1-newest');

    it('reproduces its entries, file names and flat parts exactly', {
      timeout: 300_000,
    }, async () => {
      const elf = ElfFile.open(await goldenVmlinux(g));
      const r = extractUpstream(elf, { rules: 'newest' });
      const v4 = extractUpstream(elf, { rules: 'v1-v4' });
      const etext = elf.symbolValue('_etext')! - elf.symbolValue('_text')!;
      elf.close();
      expect(r.table.count).toBe(g.entries);
      expect(r.table.files.length).toBe(g.files);
      expect(sha256(entriesToTriples(r.table))).toBe(g.entries_sha256);
      expect(sha256(filesToText(r.table))).toBe(g.filenames_sha256);
      const names = readFileSync(join(GOLDEN_DIR, 'amd64-cloud-6.1-newest.files.txt'), 'utf8')
        .split('\n')
        .slice(0, -1);
      expect(r.table.files).toEqual(names);
      expect(v4.table.count).toBe(g.v4_entries);
      expect(v4.table.files.length).toBe(g.v4_files);
      // its layout: the flat arrays, each part as the generator's symbols size it
      const enc = flatFormat.encode(r.table, true);
      const parts = Object.fromEntries(enc.parts.map((p) => [p.symbol, p.size]));
      expect(parts).toEqual(g.parts_bytes);
      expect(account(enc).total).toBe(g.rodata_bytes_with_padding);
      // nothing at or past _etext; rows read = entries + drops - entries copied to symbol starts
      expect(r.table.offsets[r.table.count - 1]).toBeLessThan(Number(etext));
      const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
      expect(dropped + r.table.count - r.symbolStarts!.synthesized).toBe(r.stats.rowsRead);
      // the causes as measured here: end rows are sequence ends, starts synthesized and kept
      expect(r.drops.endSequence).toBe(4187);
      expect(r.symbolStarts).toEqual({ synthesized: 43, keptAtStart: 1126 });
      // our page-huffman format (issue 16): every entry back, every sampled lookup right, under 2 B/entry
      const ph = parseFormat('page-huffman');
      const phEnc = ph.encode(r.table, true);
      const phV = verifyEncoding(ph, phEnc, r.table, 20_000, 7);
      expect(phV.entryLookups).toBe(g.entries);
      expect(account(phEnc).bytesPerEntry).toBeLessThan(2.0);
      expect(account(phEnc).bytesPerEntry).toBeGreaterThan(1.636); // the order-0 joint entropy bound
    });
  },
);
