/**
 * The templates an analysis would mine, from the distinct fingerprints of its windows instead
 * of their lines. analyze() mines the baseline's lines, then the window's, each in time order;
 * a repeated form changes nothing in the miner but a count (see mergeFingerprints), so
 * replaying each distinct form once, at its first occurrence, groups exactly as that does.
 * This is what lets the analyze step read per-template aggregates rather than rows.
 */
import { mergeFingerprints, type FingerprintForm } from '../mining/index.ts';

/** One fingerprint seen in the windows of an analysis (baseline or window) and when it first occurred. */
export interface FormOccurrence extends FingerprintForm {
  /** Its earliest event in the baseline, or in the window when the baseline has none (epoch ms). */
  firstMs: number;
}

/** The template a fingerprint belongs to within one analysis: the template's id and its text. */
export interface FormTemplate {
  id: string;
  template: string;
}

/**
 * Each fingerprint's template as analyze() would mine it from the lines themselves. Forms are
 * replayed in order of first occurrence (fingerprint id breaking a tie of instants, where the
 * lines' own order is not known).
 *
 * @example
 * const forms = ['alice', 'bob', 'carol'].map((u, i) => ({ ...fingerprintLine(`Invalid user ${u}`), firstMs: i }));
 * templatesOfForms(forms).get(forms[2].id); // { id: forms[0].id, template: 'Invalid user <*>' }
 */
export function templatesOfForms(forms: readonly FormOccurrence[]): Map<string, FormTemplate> {
  const ordered = [...forms].sort((a, b) => a.firstMs - b.firstMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return new Map(mergeFingerprints(ordered).map((m) => [m.id, { id: m.canonical, template: m.template }]));
}
