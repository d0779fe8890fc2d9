import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import {
  baseOf,
  checkedInRun,
  imageFileOf,
  kernelOf,
  noteCheckedInDifference,
  noteDifference,
  RUNS,
  tableOf,
} from './runs.js';

const csv = reporter('csv')!;
const multiarch = checkedInRun('multiarch');
const out = csv.render(multiarch);
const [header, ...rows] = out.trimEnd().split('\n');
const columns = header.split(',');

/** The rows as records by column name (no cell of these runs is quoted). */
const records = rows.map((r) => {
  const cells = r.split(',');
  if (cells.length !== columns.length) throw new Error(`${cells.length} cells: ${r}`);
  return Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
});

function record(kernel: string, rules: string, format: string) {
  const r = records.filter((x) => x.kernel === kernel && x.rules === rules && x.format === format);
  expect(r, `${kernel} ${rules} ${format}`).toHaveLength(1);
  return r[0];
}

describe('csv reporter over the multiarch run', () => {
  it('has the documented header', () => {
    expect(columns).toEqual([
      'kernel',
      'arch',
      'bits',
      'endianness',
      'rules',
      'format',
      'entries',
      'files',
      'counts',
      'index',
      'data',
      'file_offsets',
      'filenames',
      'padding',
      'total',
      'bytes_per_entry',
      'bytes_per_entry_all',
      'growth_loaded_pct',
      'growth_image_pct',
      'base_loaded_bytes',
      'base_image_bytes',
      'growth_code_pct',
      'base_code_bytes',
      'base_image_file',
    ]);
  });

  it('has one row per kernel x rule set x format, in run order', () => {
    const expected = multiarch.kernels.flatMap((k) =>
      k.measure.tables.map((t) => `${k.id} ${t.rules} ${t.format}`),
    );
    expect(expected).toHaveLength(21 * 3 * 5);
    expect(records.map((r) => `${r.kernel} ${r.rules} ${r.format}`)).toEqual(expected);
    // the config's "blocks:64" is saved (and written) as blocks:64:sleb
    expect(multiarch.config.formats).toContain('blocks:64');
    expect(new Set(records.map((r) => r.format))).toEqual(
      new Set(['flat', 'blocks:64:sleb', 'flagged:64', 'mru-huffman:64', 'special:16:paged']),
    );
  });

  it("writes arm64-tinyconfig-gcc's blocks:64 row of the main rule set (newest) with run.json's raw integers", () => {
    const id = 'arm64-tinyconfig-gcc';
    const k = kernelOf(multiarch, id);
    expect(multiarch.config.rules[0]).toBe('newest');
    const t = tableOf(multiarch, id, 'newest', 'blocks:64:sleb');
    const r = record(id, 'newest', 'blocks:64:sleb');
    const md = k.measure.kernel.metadata;
    expect(r).toEqual({
      kernel: id,
      arch: md.arch,
      bits: String(md.bits),
      endianness: md.endianness,
      rules: 'newest',
      format: 'blocks:64:sleb',
      entries: String(t.entries),
      files: String(t.files),
      counts: String(t.buckets.counts),
      index: String(t.buckets.index),
      data: String(t.buckets.data),
      file_offsets: String(t.buckets.file_offsets),
      filenames: String(t.buckets.filenames),
      padding: String(t.buckets.padding),
      total: String(t.total),
      bytes_per_entry: t.bytesPerEntry.toFixed(4),
      bytes_per_entry_all: t.bytesPerEntryAll.toFixed(4),
      growth_loaded_pct: String(t.growth.loaded),
      growth_image_pct: String(t.growth.image),
      base_loaded_bytes: String(baseOf(multiarch, id, 'loaded')),
      base_image_bytes: String(baseOf(multiarch, id, 'image')),
      growth_code_pct: String(t.growth.code),
      base_code_bytes: String(baseOf(multiarch, id, 'code')),
      base_image_file: imageFileOf(multiarch, id),
    });
    expect(rows).toContain(
      'arm64-tinyconfig-gcc,arm64,64,little,newest,blocks:64:sleb,152506,784,20,19064,537827,3136,18165,1,578213,3.6516,3.7914,30.32,29.72,1907044,1945608,44.3,1305336,Image',
    );
  });

  it('names each boot image file as the other reports do, and gives the code base of every kernel of the multiarch run', () => {
    const files = new Map(records.map((r) => [r.kernel, r.base_image_file]));
    expect(Object.fromEntries(files)).toEqual(
      Object.fromEntries(multiarch.kernels.map((k) => [k.id, imageFileOf(multiarch, k.id)])),
    );
    expect(new Set(files.values())).toEqual(
      new Set(['bzImage', 'Image', 'zImage', 'vmlinux.gz', 'vmlinuz']),
    );
    for (const r of records) expect(r.base_code_bytes).toMatch(/^\d+$/);
    // x86_64 tinyconfig: its bzImage and the code its table covers are two bases
    expect(record('x86_64-tinyconfig-gcc', 'v1-v4', 'blocks:64:sleb')).toMatchObject({
      growth_image_pct: '48.64',
      base_image_bytes: '627712',
      base_image_file: 'bzImage',
      growth_code_pct: '27.67',
      base_code_bytes: '2101285',
    });
  });

  it('writes raw integers, never thousands separators or units, and the buckets add up to the total', () => {
    for (const r of records) {
      for (const c of ['entries', 'files', 'counts', 'index', 'data', 'total', 'base_loaded_bytes'])
        expect(r[c]).toMatch(/^\d+$/);
      const sum = ['counts', 'index', 'data', 'file_offsets', 'filenames', 'padding']
        .map((c) => Number(r[c]))
        .reduce((a, b) => a + b, 0);
      expect(sum).toBe(Number(r.total));
      expect(r.bytes_per_entry).toMatch(/^\d+\.\d{4}$/);
    }
  });

  it('leaves the image cells empty for a kernel without a boot image (the older default run)', () => {
    const d = csv.render(checkedInRun('defaultV1V4')).trimEnd().split('\n');
    expect(d[0]).toBe(header);
    const arm = d.filter((l) => l.startsWith('arm64-tinyconfig,'));
    expect(arm).toHaveLength(10);
    expect(arm).toContain(
      'arm64-tinyconfig,arm64,64,little,v1-v4,blocks:64:sleb,163616,809,20,20456,576452,3236,18869,0,619033,3.6482,3.7835,32.46,,1907044,,,,',
    );
  });

  it("matches the run's own tables.csv, written when the run was saved (a difference is noted)", async ({
    annotate,
  }) => {
    for (const name of ['multiarch', 'default'] as const) {
      await noteDifference(
        annotate,
        `results/runs/${RUNS[name]}/tables.csv`,
        csv.render(checkedInRun(name)),
        'it was saved with the run, by the lineinfo-bench of then',
      );
    }
  });

  it('matches report/multiarch/multiarch.csv (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(annotate, 'multiarch', csv.extension, out);
  });
});
