import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import type { LatencyResult, LatencyRun, SweepPoint } from '../../src/measure/latency.js';
import { summarize } from '../../src/measure/stats.js';
import { renderLatencyText, renderSweepCharts } from '../../src/report/latency.js';
import { fakeProcess } from '../helpers/fake-process.js';

const timer = { resolutionNs: 20, overheadNs: 25 };

function runOf(format: string, mode: 'warm' | 'cold', samples: number[]): LatencyRun {
  return {
    format,
    set: 'uniform',
    mode,
    engine: 'native',
    batch: mode === 'warm' ? 64 : 1,
    warmupCalls: 10,
    elapsedNs: 1e6,
    timer,
    stats: summarize(samples, { timer, batch: mode === 'warm' ? 64 : 1 }),
    samples,
  };
}

const sizes = [8, 16, 32];
const sweep: SweepPoint[] = [
  { format: 'flat', blockSize: 0, bytes: 1000, bytesPerEntry: 10, latency: {} },
  ...sizes.map((b, i) => ({
    format: `blocks:${b}:sleb`,
    blockSize: b,
    bytes: 500 - 10 * i,
    bytesPerEntry: 5 - 0.5 * i,
    latency: {
      uniform: { warm: { p50: 40 * (i + 1), p99: 80 }, cold: { p50: 2000 + 500 * i, p99: 4000 } },
    },
  })),
];

describe('latency rendering', () => {
  it('draws both latency curves and the bytes per entry against block size', () => {
    const lines = renderSweepCharts(sweep, 'uniform');
    const text = lines.join('\n');
    expect(lines[0]).toBe(
      'lookup p50 against block size (uniform addresses): cold p50 (ns), warm p50 (ns)',
    );
    expect(text).toMatch(/ 8 {5}16 {4}32 {4} {2}block size \(entries\)/);
    // the y axis spans the warm minimum to the cold maximum
    expect(text).toContain('3000');
    expect(text).toContain('40.0');
    expect(text).toContain('bytes per entry against block size');
    expect(text).toContain('5.00');
    expect(text).toContain('4.00');
  });

  it('labels a model run as not the kernel, and shows every run with its flags', () => {
    // one sample, no warm-up: the report's layout is under test, not the policy
    const onceOnly = {
      warmupNs: 0,
      minSamples: 1,
      minTimeNs: 0,
      maxSamples: 1,
      batchResolutions: 0,
      maxBatch: 1,
    };
    const result: LatencyResult = {
      schemaVersion: 1,
      file: 'vmlinux',
      arch: 'x86_64',
      endianness: 'little',
      entries: 100,
      files: 3,
      base: '0x0',
      seed: 1,
      engine: { kind: 'model', label: 'model, not the kernel: TypeScript lookups timed in Node' },
      machine: { cpu: 'cpu', cpus: 2, loadavg: [1, 2, 3], loadavgAfter: [4, 5, 6] },
      cache: { source: 'test', evictBytes: 64 << 20, llcBytes: 32 << 20, llcLevel: 3 },
      policy: { warm: onceOnly, cold: onceOnly },
      sets: [{ name: 'uniform', description: 'uniform over the text range' }],
      sizes: [{ format: 'flat', bytes: 1000, bytesPerEntry: 10, checked: 0, blocks: 0 }],
      runs: [runOf('flat', 'warm', [20, 21, 22, 500]), runOf('flat', 'cold', [300, 310, 320])],
      warnings: [],
      startedAt: '',
      wallMs: 1,
    };
    const text = renderLatencyText(result);
    expect(text).toContain('*** MODEL, NOT THE KERNEL');
    expect(text).toContain('load average 1 2 3 before, 4 5 6 after');
    const warm = text
      .split('\n')
      .find((l) => l.includes('flat') && l.includes('warm') && l.includes('±'));
    expect(warm).toMatch(/140\.8 ns ± 239\.5 ns\s+21\.0 ns/);
    expect(warm?.trim().endsWith('SO')).toBe(true); // wide spread and an outlier (500)
    const cold = text
      .split('\n')
      .find((l) => l.includes('flat') && l.includes('cold') && l.includes('±'));
    expect(cold?.trim().endsWith('R')).toBe(true); // 300 ns < 20 x 20 ns
  });

  it('a missing vmlinux is a user error: exit 2, one line', async () => {
    const p = fakeProcess(['latency', '/nonexistent/vmlinux']);
    expect(await run(p.proc)).toBe(2);
    // the one kernel resolver's error, as measure and modules give it
    expect(p.stderr()).toBe('error: /nonexistent/vmlinux: no such file or directory\n');
  });
});
