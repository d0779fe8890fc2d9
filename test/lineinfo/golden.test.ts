import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { entriesToTriples, filesToText } from '../../src/lineinfo/entries.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { GOLDEN_DIR, goldenVmlinux, readGolden, runGolden } from '../helpers/golden.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe.runIf(runGolden)('golden: Debian amd64 cloud 6.1 (upstream generator figures)', () => {
  const g = readGolden('amd64-cloud-6.1');

  it('reproduces the entries and file names exactly', { timeout: 300_000 }, () => {
    const path = goldenVmlinux(g);
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
    const dwarfdumpRows = execSync(`llvm-dwarfdump --debug-line '${path}' | grep -c '^0x'`, {
      encoding: 'utf8',
    });
    expect(r.stats.rowsRead).toBe(Number(dwarfdumpRows.trim()));
  });
});
