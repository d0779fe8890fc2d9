import { describe, expect, it } from 'vitest';
import { reporter } from '../../src/report/reporter.js';
import { RESULTS_SCHEMA_VERSION } from '../../src/results/schema.js';
import {
  checkedInRun,
  kernelOf,
  noteCheckedInDifference,
  RUNS,
  runJsonText,
  tableOf,
} from './runs.js';

const json = reporter('json')!;

describe('json reporter over the checked-in runs', () => {
  for (const name of ['multiarch', 'default'] as const) {
    it(`round-trips the ${name} run: parsed back, it is the run the loader read`, () => {
      const run = checkedInRun(name);
      const out = json.render(run);
      expect(JSON.parse(out)).toEqual(run);
      expect(JSON.parse(out)).toEqual(JSON.parse(runJsonText(name)));
      // rendering leaves the run as it was
      expect(run).toEqual(checkedInRun(name));
    });

    it(`writes the ${name} run byte for byte as run.json was saved`, () => {
      expect(json.render(checkedInRun(name))).toBe(runJsonText(name));
    });
  }

  it('keeps raw integers and the schema version (never "10.8 MiB")', () => {
    const run = JSON.parse(json.render(checkedInRun('multiarch')));
    expect(run.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(run.runId).toBe(RUNS.multiarch);
    expect(run.configFile).toBe('configs/multiarch.json');
    expect(run.kernels).toHaveLength(21);
    expect(run.failures).toEqual([]);
    const t = tableOf(run, 'x86_64-defconfig-gcc', 'v1-v4', 'blocks:64:sleb');
    expect(t.entries).toBe(1709750);
    expect(t.total).toBe(6506387);
    expect(t.growth).toEqual({ loaded: 16.72, image: 29.11, code: 16.78 });
    expect(kernelOf(run, 'x86_64-defconfig-gcc').measure.bases.map((b) => b.bytes)).toEqual([
      38912755, 13620224, 38772175,
    ]);
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
