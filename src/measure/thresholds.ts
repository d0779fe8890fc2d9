import { UserError } from '../errors.js';
import type { MeasuredTable } from './kernel.js';

/**
 * CI limits on measured figures (`--fail-on`), so a maintainer's CI can
 * guard a change: `growth>5%` (growth of the loaded size; `growth.image>12%`
 * for another base), `bpe>4` (index + data bytes per entry), `bytes>9000000`
 * (the table's total), each optionally for one format (`bpe>2@mru-huffman:64`).
 */
export type ThresholdMetric = 'growth' | 'bpe' | 'bytes';

export interface Threshold {
  /** As written, for messages. */
  text: string;
  metric: ThresholdMetric;
  /** The growth base (`loaded` unless named). */
  base: string;
  limit: number;
  /** Only tables of this format, when given. */
  format?: string;
}

const SYNTAX = /^(growth|bpe|bytes)(?:\.([a-z0-9_-]+))?>(\d+(?:\.\d+)?)(%?)(?:@(.+))?$/i;

/** Parses one `--fail-on` expression; a malformed one is a user error that shows the syntax. */
export function parseThreshold(text: string): Threshold {
  const m = SYNTAX.exec(text.trim());
  if (!m)
    throw new UserError(
      `--fail-on ${text}: expected growth[.BASE]>N%, bpe>N or bytes>N, optionally @FORMAT (e.g. growth>5%, bpe>4@blocks:64:sleb)`,
    );
  const metric = m[1].toLowerCase() as ThresholdMetric;
  if (metric === 'growth' && m[4] !== '%')
    throw new UserError(`--fail-on ${text}: a growth limit is a percentage (growth>${m[3]}%)`);
  if (metric !== 'growth' && (m[4] === '%' || m[2]))
    throw new UserError(`--fail-on ${text}: ${metric} takes a plain number and no base`);
  return {
    text: text.trim(),
    metric,
    base: m[2] ?? 'loaded',
    limit: Number(m[3]),
    format: m[5],
  };
}

/** One figure over its limit. */
export interface ThresholdViolation {
  kernel: string;
  format: string;
  rules: string;
  threshold: Threshold;
  value: number;
  /** One line: the kernel, the table, the figure and the limit. */
  line: string;
}

const FIGURE_NAMES: Record<ThresholdMetric, string> = {
  growth: 'growth of the',
  bpe: 'bytes per entry (index + data)',
  bytes: 'table bytes',
};

/**
 * Every table figure above a limit, per kernel. A growth limit on a base a
 * kernel was not measured against (no boot image) does not apply to it.
 */
export function checkThresholds(
  kernels: { id: string; tables: MeasuredTable[] }[],
  thresholds: Threshold[],
): ThresholdViolation[] {
  const out: ThresholdViolation[] = [];
  for (const k of kernels) {
    for (const t of k.tables) {
      for (const th of thresholds) {
        if (th.format && th.format !== t.format) continue;
        const value =
          th.metric === 'growth'
            ? t.growth[th.base]
            : th.metric === 'bpe'
              ? t.bytesPerEntry
              : t.total;
        if (value === undefined || !(value > th.limit)) continue;
        const figure =
          th.metric === 'growth'
            ? `${FIGURE_NAMES.growth} ${th.base} size ${value.toFixed(2)}%`
            : th.metric === 'bpe'
              ? `${FIGURE_NAMES.bpe} ${value.toFixed(3)}`
              : `${FIGURE_NAMES.bytes} ${value.toLocaleString('en-US')}`;
        const limit = th.metric === 'growth' ? `${th.limit}%` : th.limit.toLocaleString('en-US');
        out.push({
          kernel: k.id,
          format: t.format,
          rules: t.rules,
          threshold: th,
          value,
          line: `${k.id}: ${t.format} (${t.rules}): ${figure}, limit ${limit} (--fail-on ${th.text})`,
        });
      }
    }
  }
  return out;
}
