import { existsSync, readFileSync } from 'node:fs';

/**
 * The classes of one (mutant, revision) of the differential fuzzer, and the
 * one list of rules that explain a difference between our reader and the
 * generator. Clean classes need no explanation; internal errors and hangs
 * of ours never have one; the differences (we reject what the generator
 * reads, the reverse, or both read different entries) count as explained
 * only when a rule below matches, and each rule names the section of
 * docs/input-tolerance.md that documents the choice: a rule whose text is
 * not there does not apply.
 */

export const CLASSES = {
  same: 'same entries and files',
  'both-rejected': 'both rejected',
  'we-reject': 'we reject, the generator reads',
  'generator-rejects': 'the generator rejects, we read',
  different: 'both read, different entries',
  'internal-error': 'internal error (ours)',
  hang: 'hang (ours)',
  'generator-crash': 'generator crash',
  'generator-output-undecodable': "our decoder rejects the generator's table",
  'generator-hang': 'generator hang',
};

/** Classes that make the run fail unless explained (internal errors and hangs never are). */
export const DIFFERENCE_CLASSES = ['we-reject', 'generator-rejects', 'different'];
/**
 * Failing whatever the rules say: ours ends in an internal error or hangs,
 * or our decoder cannot read the table the generator built (a build would
 * have produced it, and we cannot measure it: the encodings' business).
 */
export const FAILING_CLASSES = ['internal-error', 'hang', 'generator-output-undecodable'];

/**
 * The explanation rules, each a deliberate, documented choice: `doc` is text
 * that must be in docs/input-tolerance.md (its row of "Deliberate
 * differences"), `classes` the classes it may explain, `matches` the test on
 * one revision's raw outcome, with the mutation that made it and the input
 * (`{ name, is64 }`).
 *
 * @type {{ id: string, doc: string, classes: string[], why: string,
 *   matches: (r: any, mutation: any, revision: string, input: { name: string, is64: boolean }) => boolean }[]}
 */
export const EXPLANATIONS = [
  {
    id: 'et-rel-read-as-module',
    doc: '`e_type` is `ET_REL` on a vmlinux',
    classes: ['different', 'we-reject', 'generator-rejects'],
    why: 'an ET_REL file is read as a module (base .text); the generator, run on a vmlinux without --module, reads it as a vmlinux',
    matches: (_r, m) => /ELF header e_type 0x[0-9a-f]+ -> 0x1 /.test(m.description),
  },
  {
    id: 'corrupt-compressed-section',
    doc: 'a zlib/zstd section whose compressed data is corrupt (header valid)',
    classes: ['we-reject'],
    why: 'a compressed section whose data does not decompress stops us (exit 2); libdw leaves the section out',
    matches: (r, m) =>
      /SHF_COMPRESSED|sh_flags/.test(m.description) &&
      /compress|inflate|zlib|zstd/i.test(r.ours.message ?? ''),
  },
  {
    id: 'address-wraps-at-32-bits',
    doc: '32-bit targets: an address advanced past 2^32',
    classes: ['different'],
    why: "on a 32-bit target an address advanced past 2^32 wraps in our reader; libdw's 64-bit address puts the row past 4 GiB and the generator drops it",
    matches: (r, _m, _rev, input) =>
      !input.is64 &&
      (r.generator.stderr ?? []).some((l) => /skipped \(offset > 4 GiB/.test(l)) &&
      r.comparison?.onlyGenerator === 0 &&
      r.comparison?.fileNamesDiffer === 0,
  },
];

/** The rules whose documenting text is in `docPath`, and the ids of those whose text is not (yet). */
export function activeExplanations(docPath) {
  const text = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  return {
    active: EXPLANATIONS.filter((e) => text.includes(e.doc)),
    inactive: EXPLANATIONS.filter((e) => !text.includes(e.doc)).map((e) => e.id),
  };
}

/** The class of one revision's raw outcome. */
export function classOf(r) {
  const o = r.ours.outcome;
  const g = r.generator.outcome;
  if (o === 'internal') return 'internal-error';
  if (o === 'hang') return 'hang';
  if (g === 'crash')
    return /table does not decode/.test(r.generator.message ?? '')
      ? 'generator-output-undecodable'
      : 'generator-crash';
  if (g === 'hang') return 'generator-hang';
  if (o === 'rejected' && g === 'rejected') return 'both-rejected';
  if (o === 'rejected') return 'we-reject';
  if (g === 'rejected') return 'generator-rejects';
  return r.comparison?.same ? 'same' : 'different';
}

/** The class and, for a difference, the rule that explains it (or none). */
export function classify(r, mutation, revision, rules, input) {
  const cls = classOf(r);
  if (!DIFFERENCE_CLASSES.includes(cls)) return { cls };
  const rule = rules.find(
    (e) => e.classes.includes(cls) && e.matches(r, mutation, revision, input),
  );
  return { cls, explainedBy: rule?.id };
}

/** True when the class, so explained, leaves the run failing. */
export function isFailure({ cls, explainedBy }) {
  return FAILING_CLASSES.includes(cls) || (DIFFERENCE_CLASSES.includes(cls) && !explainedBy);
}
