import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import { RESULTS_SCHEMA_VERSION } from '../../src/results/schema.js';
import {
  checkedInRun,
  imageFileOf,
  kernelOf,
  noteCheckedInDifference,
  RUNS,
  runJsonText,
  tableOf,
} from './runs.js';

const json = reporter('json')!;

describe('json reporter over the checked-in runs', () => {
  // runs saved before bases had labels
  for (const name of ['multiarchV1V4', 'defaultV1V4'] as const) {
    it(`round-trips the ${name} run: parsed back, it is the run the loader read, each base labelled`, () => {
      const run = checkedInRun(name);
      const out = JSON.parse(json.render(run));
      // these runs were saved before bases had labels: the report adds them, nothing else
      for (const k of run.kernels) for (const b of k.measure.bases) expect(b.label).toBeUndefined();
      const unlabelled = structuredClone(out);
      for (const k of unlabelled.kernels)
        for (const b of k.measure.bases) {
          expect(typeof b.label).toBe('string');
          delete b.label;
        }
      expect(unlabelled).toEqual(run);
      expect(unlabelled).toEqual(JSON.parse(runJsonText(name)));
      // rendering leaves the run as it was
      expect(run).toEqual(checkedInRun(name));
    });

    it(`writes the ${name} run byte for byte as run.json was saved, once its bases carry labels`, () => {
      const run = checkedInRun(name);
      const labelled = JSON.parse(json.render(run));
      // a run saved with labels (as runs are now) is written as it is
      expect(json.render(labelled)).toBe(json.render(run));
      const text = runJsonText(name);
      expect(json.render(run).length).toBeGreaterThan(text.length);
    });
  }

  for (const name of ['default', 'multiarch'] as const) {
    it(`writes the ${name} run, saved with labelled bases, byte for byte as run.json`, () => {
      const run = checkedInRun(name);
      for (const k of run.kernels)
        for (const b of k.measure.bases) expect(typeof b.label).toBe('string');
      expect(json.render(run)).toBe(runJsonText(name));
      // rendering leaves the run as it was
      expect(run).toEqual(checkedInRun(name));
    });
  }

  it('labels the bases as every other report names them', () => {
    const run = JSON.parse(json.render(checkedInRun('multiarch')));
    const labels = (id: string) =>
      kernelOf(run, id).measure.bases.map((b: { id: string; label: string }) => [b.id, b.label]);
    expect(labels('x86_64-tinyconfig-gcc')).toEqual([
      ['loaded', 'loaded size'],
      ['image', 'bzImage'],
      ['code', 'covered code'],
    ]);
    expect(labels('m68k-tinyconfig-gcc')[1]).toEqual(['image', 'vmlinux.gz']);
    for (const k of run.kernels) {
      const image = k.measure.bases.find((b: { id: string }) => b.id === 'image');
      expect(image.label).toBe(imageFileOf(run, k.id));
    }
    // the older multiarch run, saved without labels: the report labels them the same way
    const older = JSON.parse(json.render(checkedInRun('multiarchV1V4')));
    for (const k of older.kernels) {
      const image = k.measure.bases.find((b: { id: string }) => b.id === 'image');
      expect(image.label).toBe(imageFileOf(older, k.id));
    }
    expect(kernelOf(older, 'x86_64-tinyconfig-gcc').measure.bases.map((b) => b.label)).toEqual([
      'loaded size',
      'bzImage',
      'covered code',
    ]);
    expect(labels('amd64-debian-6.1')[1]).toEqual(['image', 'vmlinuz']);
    // a run saved with labels keeps them, and they are the same names
    const d = checkedInRun('default');
    for (const k of d.kernels)
      expect(kernelOf(JSON.parse(json.render(d)), k.id).measure.bases).toEqual(k.measure.bases);
    for (const k of d.kernels)
      expect(k.measure.bases.find((b) => b.id === 'image')?.label).toBe(imageFileOf(d, k.id));
    // the older default run: arm64 tinyconfig has no boot image, so only the loaded size is labelled
    const old = JSON.parse(json.render(checkedInRun('defaultV1V4')));
    expect(kernelOf(old, 'arm64-tinyconfig').measure.bases).toEqual([
      {
        id: 'loaded',
        name: 'loaded size (all SHF_ALLOC sections of vmlinux)',
        bytes: 1907044,
        label: 'loaded size',
      },
    ]);
  });

  it('keeps raw integers and the schema version (never "10.8 MiB")', () => {
    const run = JSON.parse(json.render(checkedInRun('multiarch')));
    expect(run.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(run.runId).toBe(RUNS.multiarch);
    expect(run.configFile).toBe('configs/multiarch.json');
    expect(run.failures).toEqual([]);
    const t = tableOf(run, 'arm64-tinyconfig-gcc', 'newest', 'blocks:64:sleb');
    expect(t.entries).toBe(152506);
    expect(t.total).toBe(578213);
    expect(t.growth).toEqual({ loaded: 30.32, image: 29.72, code: 44.3 });
    expect(kernelOf(run, 'arm64-tinyconfig-gcc').measure.bases.map((b) => b.bytes)).toEqual([
      1907044, 1945608, 1305336,
    ]);
    expect(run.kernels).toHaveLength(21);
  });

  it('matches report/multiarch/multiarch.json (a difference is noted, not failed)', async ({
    annotate,
  }) => {
    await noteCheckedInDifference(
      annotate,
      'multiarch',
      json.extension,
      json.render(checkedInRun('multiarch')),
    );
  });
});
