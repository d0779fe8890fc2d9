import type { RunResult } from '../results/schema.js';
import { toJson } from '../util/json.js';

/** The run itself, byte for byte as run.json holds it. */
export function renderJson(run: RunResult): string {
  return toJson(run);
}
