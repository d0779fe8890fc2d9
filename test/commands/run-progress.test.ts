import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { validateRunConfig } from '../../src/results/config.js';
import { executeRun } from '../../src/results/run.js';
import type { RunPosition } from '../../src/util/run-progress.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

const dir = scratchDir('run-progress');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kernels = () => [
  { id: 'a', local: buildFixture('gcc-dwarf5'), base: '0' },
  { id: 'b', local: buildFixture('i686-dwarf5'), base: 'main' },
];

describe('run progress', () => {
  it('says where the run stands with each step; the text is the one printed before', async () => {
    const config = validateRunConfig(
      { name: 'progress', kernels: kernels(), formats: ['flat'], measure: { verifySamples: 100 } },
      'progress.json',
    );
    const calls: { text: string; position?: RunPosition }[] = [];
    await executeRun(config, {
      cache: dir,
      onProgress: (text, position) => calls.push({ text, position }),
    });
    expect(calls.length).toBeGreaterThan(1);
    for (const { text, position } of calls) {
      expect(position).toBeDefined();
      const p = position!;
      expect(p.total).toBe(2);
      // the text off a terminal: bar over the kernels before this one, the kernel, its step
      const bar = p.kernel === 'a' ? '[..........]   0% 0/2' : '[#####.....]  50% 1/2';
      expect(text).toBe(`${bar} ${p.kernel}: ${p.step}`);
      expect(p.done).toBe(p.kernel === 'a' ? 0 : 1);
    }
    expect(new Set(calls.map((c) => c.position!.kernel))).toEqual(new Set(['a', 'b']));
  });

  it('on a terminal, run draws the status line with the kernel, the step, the elapsed time and the estimate', async () => {
    const cfg = join(dir, 'tty.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 'tty',
        kernels: kernels(),
        formats: ['flat'],
        measure: { verifySamples: 100 },
      }),
    );
    const err: string[] = [];
    const p = fakeProcess(['run', cfg, '--results', join(dir, 'runs')]);
    p.proc.stderr = { write: (s: string) => err.push(s), isTTY: true, columns: 200 };
    expect(await run(p.proc)).toBe(0);
    const CLEAR = '\r\x1b[K';
    const lines = err.filter((s) => s.startsWith(`${CLEAR}[`)).map((s) => s.slice(CLEAR.length));
    expect(lines.length).toBeGreaterThan(0);
    // kernel a: nothing finished, no estimate yet; kernel b: one of two done, an estimate
    const a = /^\[\.{10}\] {3}0% 0\/2 a: (.+) \| (\d+s), ETA \?$/;
    const b = /^\[#{5}\.{5}\] {2}50% 1\/2 b: (.+) \| (\d+s|\d+m\d\ds), ETA (\d+s|\d+m\d\ds)$/;
    for (const l of lines) expect(a.test(l) || b.test(l), l).toBe(true);
    expect(a.test(lines[0]), lines[0]).toBe(true);
    // the line is cleared at the end, before the report on stdout
    expect(err.at(-1)).toBe(CLEAR);
  });
});
