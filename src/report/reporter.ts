import type { RunResult } from '../results/schema.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderRst } from './rst.js';
import { renderTerminal } from './terminal.js';
import { renderMailText } from './text.js';

/** Choices a report may take; a format that has no use for one ignores it. */
export interface RenderOptions {
  /** The text report of several kernels: each kernel's paragraphs after the table. */
  detail?: boolean;
}

/** One report format: saved results in, text out (one file per format). */
export interface Reporter {
  id: string;
  description: string;
  /** File name suffix when written to a directory. */
  extension: string;
  render(run: RunResult, options?: RenderOptions): string;
}

export const REPORTERS: Reporter[] = [
  {
    id: 'terminal',
    description: 'tables and charts for the terminal',
    extension: 'txt',
    render: renderTerminal,
  },
  {
    id: 'text',
    description:
      'plain ASCII, 72 columns, to paste into a mailing-list reply (several kernels: one table; --detail adds each kernel)',
    extension: 'mail.txt',
    render: renderMailText,
  },
  {
    id: 'rst',
    description: 'the "Memory Overhead" table of Documentation/admin-guide/kallsyms-lineinfo.rst',
    extension: 'rst',
    render: renderRst,
  },
  { id: 'markdown', description: 'Markdown tables', extension: 'md', render: renderMarkdown },
  {
    id: 'csv',
    description: 'one row per kernel x rule set x format, raw integers',
    extension: 'csv',
    render: renderCsv,
  },
  {
    id: 'json',
    description: 'the run itself (versioned, raw integers)',
    extension: 'json',
    render: renderJson,
  },
  {
    id: 'html',
    description: 'a self-contained dashboard with charts (no network needed to view it)',
    extension: 'html',
    render: renderHtml,
  },
];

export function reporter(id: string): Reporter | undefined {
  return REPORTERS.find((r) => r.id === id);
}
