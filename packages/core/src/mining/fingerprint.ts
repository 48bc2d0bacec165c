/**
 * Template identity at ingest. Each stored error-like line gets a fingerprint that depends on
 * nothing but the line: the hash of its masked token sequence, which is also the id the miner
 * gives a template created from that line. Any number of ingest processes compute the same
 * fingerprint for the same line, so a fingerprint can be stored with the row and counted in
 * rollups without coordination.
 *
 * Fingerprints are finer than templates: `Invalid user alice` and `Invalid user bob` have two
 * fingerprints until the miner has seen enough values to call the position a variable.
 * {@link mergeFingerprints} replays the miner over distinct fingerprints (work proportional to
 * the distinct masked forms, not to the lines) to say which fingerprints one template holds.
 */
import { DEFAULT_MAX_TOKENS, maskTokens } from './mask.ts';
import { TemplateMiner, templateIdOf } from './miner.ts';

/** Characters of a message that decide its template: what the analysis gives the miner. */
export const FINGERPRINT_MESSAGE_CHARS = 4_000;

/** A line's template identity as stored with it. */
export interface LineFingerprint {
  /** `t` + 16 hex digits; equal for lines with equal masked forms, in every process. */
  id: string;
  /** The masked tokens joined by single spaces (the miner's input once masked). */
  masked: string;
  /** How many tokens: the miner only ever compares forms of equal token count. */
  tokens: number;
}

/**
 * The fingerprint of a message: its first {@link FINGERPRINT_MESSAGE_CHARS} characters masked
 * with the miner's default rules, and the hash of that masked form.
 *
 * @example
 * fingerprintLine('Invalid user alice from 10.0.0.1').masked; // 'Invalid user alice from <*>'
 */
export function fingerprintLine(message: string): LineFingerprint {
  const tokens = maskTokens(message.length > FINGERPRINT_MESSAGE_CHARS ? message.slice(0, FINGERPRINT_MESSAGE_CHARS) : message, DEFAULT_MAX_TOKENS);
  const masked = tokens.join(' ');
  return { id: templateIdOf(masked), masked, tokens: tokens.length };
}

/** One distinct fingerprint, as the merge reads it. */
export interface FingerprintForm {
  id: string;
  masked: string;
}

/** Where a fingerprint belongs after a merge: the fingerprint that stands for its template, and the template's text. */
export interface FingerprintMerge {
  id: string;
  /** The fingerprint of the form that created the template (the id itself when it is its own). */
  canonical: string;
  template: string;
}

/**
 * Replays a fresh miner over distinct masked forms, in the order given (the order they first
 * occurred), and says for each which template holds it at the end. A repeated form changes
 * nothing in the miner but a count, so this groups exactly as mining every line in that order
 * would. Forms of different token counts never meet in the miner, so the forms of one token
 * count may be merged on their own.
 *
 * @example
 * mergeFingerprints(['alice', 'bob', 'carol'].map((u) => fingerprintLine(`Invalid user ${u}`)))
 *   .map((m) => m.template); // three times 'Invalid user <*>', one canonical id
 */
export function mergeFingerprints(forms: readonly FingerprintForm[]): FingerprintMerge[] {
  const miner = new TemplateMiner();
  const assigned: string[] = [];
  // The miner's ids are its own (a collision suffix may differ); the canonical id is the
  // fingerprint of the form that created the template.
  const creator = new Map<string, string>();
  for (const f of forms) {
    const t = miner.addTokens(f.masked === '' ? [] : f.masked.split(' '));
    if (!creator.has(t.id)) creator.set(t.id, f.id);
    assigned.push(t.id);
  }
  return forms.map((f, i) => {
    const root = miner.resolve(assigned[i] as string);
    return root ? { id: f.id, canonical: creator.get(root.id) ?? f.id, template: root.template } : { id: f.id, canonical: f.id, template: f.masked };
  });
}
