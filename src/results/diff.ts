import { UserError } from '../errors.js';
import type { RunResult } from './schema.js';

export type KeyField = 'kernel' | 'arch' | 'rules' | 'format';
export const KEY_FIELDS: KeyField[] = ['kernel', 'arch', 'rules', 'format'];

export interface DiffRow {
  name: string;
  before?: number;
  after?: number;
  delta: number;
}

export interface RunDiff {
  rows: DiffRow[];
  added: number;
  removed: number;
  grown: number;
  shrunk: number;
  up: number;
  down: number;
  totalBefore: number;
  totalAfter: number;
}

/** Table sizes of a run keyed by the chosen fields (and bucket, with `byBucket`). */
function sizes(
  run: RunResult,
  key: KeyField[],
  byBucket: boolean,
  which: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of run.kernels) {
    for (const t of k.measure.tables) {
      const fields: Record<KeyField, string> = {
        kernel: k.id,
        arch: k.measure.kernel.metadata.arch,
        rules: t.rules,
        format: t.format,
      };
      const base = key.map((f) => fields[f]).join(' ');
      const entries: [string, number][] = byBucket
        ? Object.entries(t.buckets).map(([b, v]) => [`${base} ${b}`, v])
        : [[base, t.total]];
      for (const [name, v] of entries) {
        if (out.has(name)) {
          throw new UserError(
            `${which}: more than one table is "${name}"; add fields to --key (${KEY_FIELDS.join(',')})`,
          );
        }
        out.set(name, v);
      }
    }
  }
  return out;
}

/**
 * bloat-o-meter and bloaty style deltas between two runs: every table (or
 * bucket) that changed, sorted by delta, with the counts line and the total.
 */
export function diffRuns(
  a: RunResult,
  b: RunResult,
  key: KeyField[] = ['kernel', 'rules', 'format'],
  byBucket = false,
): RunDiff {
  const before = sizes(a, key, byBucket, a.runId);
  const after = sizes(b, key, byBucket, b.runId);
  const d: RunDiff = {
    rows: [],
    added: 0,
    removed: 0,
    grown: 0,
    shrunk: 0,
    up: 0,
    down: 0,
    totalBefore: 0,
    totalAfter: 0,
  };
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(name);
    const y = after.get(name);
    d.totalBefore += x ?? 0;
    d.totalAfter += y ?? 0;
    const delta = (y ?? 0) - (x ?? 0);
    if (x === undefined) d.added++;
    else if (y === undefined) d.removed++;
    else if (delta > 0) d.grown++;
    else if (delta < 0) d.shrunk++;
    if (delta > 0) d.up += delta;
    else d.down += delta;
    if (delta !== 0 || x === undefined || y === undefined)
      d.rows.push({ name, before: x, after: y, delta });
  }
  d.rows.sort((p, q) => q.delta - p.delta || p.name.localeCompare(q.name));
  return d;
}
