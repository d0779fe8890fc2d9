import type { RunResult } from '../results/schema.js';

export function renderJson(run: RunResult): string {
  return `${JSON.stringify(run, null, 1)}\n`;
}
