import { baseLabel } from '../measure/growth.js';
import type { RunResult } from '../results/schema.js';
import { toJson } from '../util/json.js';

/**
 * The run as run.json holds it, each growth base with the label every other
 * report calls it by (runs saved before labels were recorded get the one
 * derived from the base's name; a run that has them is written byte for byte).
 */
export function renderJson(run: RunResult): string {
  return toJson({
    ...run,
    kernels: run.kernels.map((k) => ({
      ...k,
      measure: { ...k.measure, bases: k.measure.bases.map((b) => ({ ...b, label: baseLabel(b) })) },
    })),
  });
}
