import { tablesCsv } from '../results/csv.js';
import type { RunResult } from '../results/schema.js';

export function renderCsv(run: RunResult): string {
  return tablesCsv(run);
}
