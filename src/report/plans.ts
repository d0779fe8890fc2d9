import { Document } from 'yaml';
import type { PlannedTuxSuite, Workflow } from '../results/plans.js';

/**
 * The plans as YAML. The `yaml` package writes them: comments on the
 * document and on single items (which build is which config entry), block
 * literals for multi-line scripts, and quoting where YAML needs it ("# CONFIG_X
 * is not set", "${{ ... }}"), none of which a hand-written emitter should get
 * wrong.
 */
// no anchors and aliases: GitHub's workflow parser took none for years; each object is written out
const OPTIONS = { lineWidth: 0, blockQuote: 'literal' as const, aliasDuplicateObjects: false };

export function renderTuxSuitePlan(p: PlannedTuxSuite, configFile: string): string {
  const doc = new Document(p.plan);
  doc.commentBefore = [
    ` TuxSuite plan for ${configFile}: written by lineinfo-bench plan tuxsuite.`,
    ' Submit it with the kernel tree the local builds use (Debian linux-source-6.12 here):',
    '   tuxsuite plan --git-repo <tree> --git-ref <ref> plan.yaml',
    ' then download each build and measure it: { "id": "...", "tuxmake": "<download dir>" }.',
    ...(p.skipped.length
      ? [' Not in the plan:', ...p.skipped.map((s) => `   ${s.id}: ${s.why}`)]
      : []),
  ].join('\n');
  p.entries.forEach((e, i) => {
    const node = doc.getIn(['jobs', 0, 'builds', i], true) as { commentBefore?: string };
    node.commentBefore = [` ${e.id}`, ...e.notes.map((n) => ` ${n}`)].join('\n');
  });
  return doc.toString(OPTIONS);
}

export function renderWorkflow(w: Workflow, configFile: string): string {
  const doc = new Document(w);
  doc.commentBefore = [
    ` GitHub Actions workflow for ${configFile}: written by lineinfo-bench plan github-actions.`,
    ' One job per kernel (run --only), builds cached by their key (kernels build --print-key),',
    ' then one job merges the runs (merge) and renders the reports (report --format all).',
  ].join('\n');
  return doc.toString(OPTIONS);
}
