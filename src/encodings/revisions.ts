import { UserError } from '../errors.js';
import { RULE_SETS } from '../lineinfo/rules.js';

/**
 * The revisions of the series as named profiles (spec section 6): each
 * names the generator's extraction rules, the vmlinux layouts that revision
 * emits (the main one first: the one growth is quoted for) and its module
 * layout. Every figure the tool publishes names the revision behind it.
 */
export interface Revision {
  id: RevisionId;
  /** Which postings of the series it stands for. */
  covers: string;
  /** The rule set id (lineinfo/rules.ts) of its generator. */
  rules: string;
  /** Format ids of its vmlinux tables, the main one first. */
  vmlinuxLayouts: readonly string[];
  /** Its module section layout, as a format id, or undefined where we do not model it yet. */
  moduleLayout?: string;
  /**
   * The layout its modules are quoted in beside a stand-in vmlinux table:
   * where the revision emits flat arrays and its compression is not public,
   * vmlinux is quoted in the blocks that stand for it, and the modules must
   * be too, or their sum in percent of vmlinux's table compares flat with
   * blocks. Undefined: quoted in moduleLayout.
   */
  moduleStandIn?: { layout: string; why: string };
  /** What a reader of a report should know about the layouts. */
  note: string;
}

export const REVISION_IDS = ['v1-v4', 'v5', 'v6', 'newest'] as const;
export type RevisionId = (typeof REVISION_IDS)[number];

/** The revision the tool models when none is named: the newest public one. */
export const DEFAULT_REVISION: RevisionId = 'newest';

export const REVISIONS: Record<RevisionId, Revision> = {
  'v1-v4': {
    id: 'v1-v4',
    covers: 'RFC to v4, the v4/ generator',
    rules: 'v1-v4',
    vmlinuxLayouts: ['blocks:64:sleb', 'blocks:64:zigzag', 'flat'],
    moduleLayout: 'module-v3:64:sleb',
    note: 'v3/v4 blocks of 64 with SLEB128 deltas; v1/v2 zigzag deltas; the RFC flat arrays',
  },
  v5: {
    id: 'v5',
    covers: 'v5',
    rules: 'v5',
    vmlinuxLayouts: ['blocks:64:sleb'],
    moduleLayout: 'module-v5:64:sleb',
    note: "as v4, rows at or above _etext dropped; modules: an anchor before each v3/v4 table, .init.mod_lineinfo for init and exit text (our reading of the layout; measured over the newest rules' per-section entries)",
  },
  v6: {
    id: 'v6',
    covers: 'v6 and v7',
    rules: 'v5',
    vmlinuxLayouts: ['blocks:64:sleb', 'flat'],
    moduleLayout: 'module-v6:64:sleb',
    note: "v5 rules; patch 1 flat, patch 3 blocks of 64 (ULEB offset, SLEB file and line deltas); modules: root and per-section descriptors, a blocks table of 11 u32 header words per section (our reading of the layout; measured over the newest rules' per-section entries)",
  },
  newest: {
    id: 'newest',
    covers: 'after v7, patch 2/4, the post-v7-patch2/ generator',
    rules: 'newest',
    vmlinuxLayouts: ['flat', 'blocks:64:sleb'],
    moduleLayout: 'module-newest',
    moduleStandIn: {
      layout: 'module-v6:64:sleb',
      why: 'the generator emits flat arrays (module-newest) and its compression patch is not public, so the v6/v7 per-section blocks stand for it, as blocks of 64 do for vmlinux',
    },
    note: 'flat arrays as its generator emits them; its compression patch is not public, so the v6/v7 blocks of 64 stand for it',
  },
};

/** A revision by id, or a UserError naming the known ones. */
export function revision(id: string): Revision {
  const r = REVISIONS[id as RevisionId];
  if (!r) throw new UserError(`--revision ${id}: unknown (known: ${REVISION_IDS.join(', ')})`);
  return r;
}

/**
 * The revision a rule set's figures belong to: an upstream rule set's own,
 * and for our rule sets the revision whose layouts they are measured in.
 */
export function revisionOfRules(rules: string): Revision {
  const own = REVISION_IDS.map((id) => REVISIONS[id]).filter((r) => r.rules === rules);
  // v5 rules are shared by v5 and v6: the later one is the one a reviewer holds
  if (own.length) return own[own.length - 1];
  const rs = RULE_SETS[rules];
  return REVISIONS[(rs?.layoutRevision as RevisionId | undefined) ?? DEFAULT_REVISION];
}
