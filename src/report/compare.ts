import { renderCompareHtml } from './compare-html.js';
import { renderCompareMarkdown } from './compare-markdown.js';
import type { Comparison } from './compare-model.js';
import { renderCompareTerminal } from './compare-terminal.js';
import { renderCompareText } from './compare-text.js';

/** One output format of a comparison (one file per format). */
export interface CompareRenderer {
  id: string;
  description: string;
  render(c: Comparison): string;
}

export const COMPARE_RENDERERS: CompareRenderer[] = [
  {
    id: 'terminal',
    description: 'aligned table with a bar per kernel',
    render: renderCompareTerminal,
  },
  {
    id: 'text',
    description: 'plain ASCII, 72 columns, to paste into a mailing-list reply',
    render: renderCompareText,
  },
  { id: 'markdown', description: 'a Markdown table', render: renderCompareMarkdown },
  { id: 'html', description: 'a small self-contained page', render: renderCompareHtml },
];

export function compareRenderer(id: string): CompareRenderer | undefined {
  return COMPARE_RENDERERS.find((r) => r.id === id);
}
