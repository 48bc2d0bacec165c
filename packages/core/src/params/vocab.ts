/**
 * Vocabulary matching over tokens: envs, domains, projects and services, with the rules that
 * decide between contradicting mentions (negation, "is fine", corrections).
 */
import {
  CORRECTIONS,
  ENV_CUES_AFTER,
  ENV_CUES_BEFORE,
  FILLERS,
  GENERIC_WORDS,
  HEALTHY_WORDS,
  NEGATIONS,
  STOP_WORDS,
} from './lexicon.ts';
import type { Token } from './text.ts';

export interface Mention {
  /** Canonical key (env or domain key, or the project/service name as returned). */
  key: string;
  /** Index of the first and one past the last token of the mention. */
  index: number;
  end: number;
  negated: boolean;
  /** Weight in `count` mode (1 unless raised, e.g. as the head of a compound). */
  weight?: number;
}

interface Phrase {
  words: string[];
  key: string;
}

/** First word → phrases starting with it, longest first. */
export type PhraseIndex = Map<string, Phrase[]>;

/** Splits a vocabulary phrase ("fund transfer", "pre-prod", "payment_gateway") into lowercase words. */
export function phraseWords(phrase: string): string[] {
  return phrase.toLowerCase().split(/[\s_\-./]+/u).filter(Boolean);
}

export function buildPhraseIndex(entries: Iterable<[phrase: string, key: string]>): PhraseIndex {
  const index: PhraseIndex = new Map();
  for (const [phrase, key] of entries) {
    const words = phraseWords(phrase);
    const first = words[0];
    if (first === undefined || words.length > 6) continue;
    const list = index.get(first) ?? [];
    list.push({ words, key });
    list.sort((a, b) => b.words.length - a.words.length);
    index.set(first, list);
  }
  return index;
}

function isWord(t: Token | undefined): t is Token {
  return t !== undefined && (t.kind === 'word' || t.kind === 'num');
}
const GLUE = new Set(['-', '_']);

/**
 * Index of the word that continues a phrase after token `i`: the next token when separated by
 * whitespace, or the one after a single `-`/`_` glued on both sides. -1 when none.
 */
export function nextWordIndex(tokens: Token[], i: number, allowSpace = true): number {
  const t = tokens[i + 1];
  if (t === undefined) return -1;
  if (t.kind === 'word' || t.kind === 'num') return t.space && allowSpace ? i + 1 : -1;
  const after = tokens[i + 2];
  if (t.kind === 'punct' && GLUE.has(t.raw) && !t.space && isWord(after) && !after.space) return i + 2;
  return -1;
}

function wordMatches(t: Token, w: string, last: boolean, digits: boolean): boolean {
  if (t.norm === w || t.lower === w) return true;
  if (last && digits && t.norm.startsWith(w) && /^\d{1,2}$/.test(t.norm.slice(w.length))) return true;
  return last && (t.norm === `${w}s` || t.norm === `${w}es`);
}

/** Token `i` is glued to a neighbouring word by `-`/`_` on the given side ("ledger" in "ledger-svc"). */
function glued(tokens: Token[], i: number, side: -1 | 1): boolean {
  const glue = tokens[i + side];
  const word = tokens[i + 2 * side];
  if (glue === undefined || glue.kind !== 'punct' || !GLUE.has(glue.raw) || !isWord(word)) return false;
  return side < 0 ? !glue.space && !tokens[i]?.space : !glue.space && !word.space;
}

/**
 * Every occurrence of an indexed phrase; tokens with a mask above `maxMask` are skipped.
 * `wholeNames`: a match glued to more name parts ("ledger" inside "ledger-svc") does not count.
 */
export function matchPhrases(tokens: Token[], index: PhraseIndex, maxMask: 0 | 1, wholeNames = false, digitSuffix = false): Mention[] {
  const out: Mention[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!isWord(t) || t.mask > maxMask) continue;
    const exact = index.get(t.norm);
    const numbered = digitSuffix && /\d$/.test(t.norm) ? index.get(t.norm.replace(/\d{1,2}$/, '')) : undefined;
    const plural = t.norm.endsWith('s') ? index.get(t.norm.slice(0, -1)) : undefined;
    const pluralEs = t.norm.endsWith('es') ? index.get(t.norm.slice(0, -2)) : undefined;
    if (!exact && !numbered && !plural && !pluralEs) continue;
    const candidates = [...(exact ?? []), ...(numbered ?? []), ...(plural ?? []), ...(pluralEs ?? [])];
    for (const phrase of candidates) {
      let j = i;
      let ok = wordMatches(t, phrase.words[0] ?? '', phrase.words.length === 1, digitSuffix);
      for (let w = 1; ok && w < phrase.words.length; w++) {
        j = nextWordIndex(tokens, j);
        const next = tokens[j];
        ok = j >= 0 && next !== undefined && next.mask <= maxMask && wordMatches(next, phrase.words[w] ?? '', w === phrase.words.length - 1, digitSuffix);
      }
      if (ok && wholeNames && (glued(tokens, i, -1) || glued(tokens, j, 1))) ok = false;
      if (ok) {
        out.push({ key: phrase.key, index: i, end: j + 1, negated: false });
        i = j;
        break;
      }
    }
  }
  return out;
}

const CLAUSE_END = new Set([',', ';', '.', '!', '?', '—', '–', '(', ')']);
const CLAUSE_BREAK_WORDS = new Set(['but', 'and', 'while', 'whereas', 'though', 'although']);

/**
 * A mention is negated when a negation governs it ("not staging", "except prod", "other than
 * qa") or when its clause reports it healthy ("staging is fine", "OTP looks ok") and is not a
 * question ("is pre-prod healthy?" still asks about pre-prod).
 */
export function isNegated(tokens: Token[], m: Mention): boolean {
  let skipped = 0;
  for (let j = m.index - 1; j >= 0 && skipped <= 3; j--) {
    const t = tokens[j];
    if (t === undefined) break;
    if (t.kind === 'punct' && (t.raw === ':' || t.raw === '=')) {
      skipped++;
      continue;
    }
    if (t.kind !== 'word') break;
    if (NEGATIONS.has(t.norm)) return true;
    if (t.norm === 'than' && tokens[j - 1]?.norm === 'other') return true;
    if (!FILLERS.has(t.norm)) break;
    skipped++;
  }
  let healthy = false;
  let negation = false;
  for (let j = m.end; j < tokens.length && j < m.end + 12; j++) {
    const t = tokens[j];
    if (t === undefined) break;
    if (t.kind === 'punct' && CLAUSE_END.has(t.raw)) {
      if (t.raw === '?') return false;
      break;
    }
    if (t.kind === 'word') {
      if (CLAUSE_BREAK_WORDS.has(t.norm)) break;
      if (HEALTHY_WORDS.has(t.norm)) healthy = true;
      if (NEGATIONS.has(t.norm) || t.norm === 't' || t.norm === 'nt') negation = true;
    }
  }
  return healthy && !negation;
}

/** Token indices after which a later mention overrides earlier ones ("sorry", "I meant", "no wait", "make that"). */
export function correctionPoints(tokens: Token[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined || t.kind !== 'word') continue;
    const prev = tokens[i - 1]?.norm;
    if (CORRECTIONS.has(t.norm) || (t.norm === 'mean' && prev === 'i') || (t.norm === 'that' && (prev === 'make' || prev === 'scratch'))) {
      out.push(i);
    }
  }
  return out;
}

/**
 * Chooses among mentions of a single-valued field. Negated mentions are dropped; when a
 * correction point precedes some mentions, only those after the last correction compete.
 * `first`: the earliest wins. `count`: the key mentioned most often wins, ties going to the
 * earliest first mention.
 */
export function pickMention(mentions: Mention[], corrections: number[], mode: 'first' | 'count'): Mention | null {
  let live = mentions.filter((m) => !m.negated);
  const lastCorrection = corrections.length > 0 ? (corrections[corrections.length - 1] ?? -1) : -1;
  const after = live.filter((m) => m.index > lastCorrection);
  if (lastCorrection >= 0 && after.length > 0) live = after;
  if (live.length === 0) return null;
  if (mode === 'first') return live.reduce((a, b) => (b.index < a.index ? b : a));
  const stats = new Map<string, { count: number; first: Mention }>();
  for (const m of live) {
    const s = stats.get(m.key);
    if (s) s.count += m.weight ?? 1;
    else stats.set(m.key, { count: m.weight ?? 1, first: m });
  }
  let best: { count: number; first: Mention } | null = null;
  for (const s of stats.values()) {
    if (best === null || s.count > best.count || (s.count === best.count && s.first.index < best.first.index)) best = s;
  }
  return best?.first ?? null;
}

/**
 * English compounds put their head last: "password reset emails" is about emails, "OTP SMS"
 * about SMS, "payment-service pods" about pods. Within a run of words (no punctuation, no
 * function word in between) naming several domains, the last mention gets half a vote more.
 */
export function weightCompoundHeads(tokens: Token[], mentions: Mention[]): void {
  const runOf = new Int32Array(tokens.length);
  let run = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) continue;
    const glue = t.kind === 'punct' && GLUE.has(t.raw) && !t.space && tokens[i + 1]?.space === false;
    const content = (t.kind === 'word' || t.kind === 'num') && !STOP_WORDS.has(t.norm) && !NEGATIONS.has(t.norm);
    if (content || glue) runOf[i] = run;
    else {
      runOf[i] = -1;
      run++;
    }
  }
  const byRun = new Map<number, Mention[]>();
  for (const m of mentions) {
    if (m.negated) continue;
    const r = runOf[m.index] ?? -1;
    const list = byRun.get(r) ?? [];
    list.push(m);
    byRun.set(r, list);
  }
  for (const list of byRun.values()) {
    if (new Set(list.map((m) => m.key)).size < 2) continue;
    const head = list.reduce((a, b) => (b.index > a.index ? b : a));
    head.weight = (head.weight ?? 1) + 0.5;
  }
}

/** True when an env word at [i, end) is phrased as an environment: "in test", "test env", "env=test". */
export function hasEnvCue(tokens: Token[], i: number, end: number): boolean {
  let j = i - 1;
  while (j >= 0 && (tokens[j]?.raw === ':' || tokens[j]?.raw === '=' || tokens[j]?.norm === 'the')) j--;
  const before = tokens[j];
  if (before?.kind === 'word' && ENV_CUES_BEFORE.has(before.norm)) return true;
  const after = tokens[end];
  return after?.kind === 'word' && ENV_CUES_AFTER.has(after.norm);
}

/** A name glued with `-`/`_` starting at token `i` ("merchant-portal", "ledger_svc"). */
export function readName(tokens: Token[], i: number, text: string): { value: string; end: number; words: string[] } | null {
  const first = tokens[i];
  if (!isWord(first) || first.mask !== 0) return null;
  const words = [first.norm];
  let last = i;
  for (let n = 0; n < 8; n++) {
    const j = nextWordIndex(tokens, last, false);
    const t = tokens[j];
    if (j < 0 || t === undefined || t.mask !== 0) break;
    words.push(t.norm);
    last = j;
  }
  const end = tokens[last]?.end ?? first.end;
  if (end - first.start > 100) return null;
  return { value: text.slice(first.start, end).toLowerCase(), end: last + 1, words };
}

/** Start token of the glued name ending at token `i` (inclusive), or -1. */
export function nameStartBefore(tokens: Token[], i: number): number {
  let start = i;
  for (let n = 0; n < 8; n++) {
    const glue = tokens[start - 1];
    const word = tokens[start - 2];
    const cur = tokens[start];
    if (!glue || !word || !cur || glue.kind !== 'punct' || !GLUE.has(glue.raw) || glue.space || cur.space || !isWord(word) || word.mask !== 0) break;
    start -= 2;
  }
  return isWord(tokens[start]) && tokens[start]?.mask === 0 ? start : -1;
}

/** A word that can name a project or service ("atlas"), as opposed to "the", "which", "error"… */
export function isNameLike(words: string[], reserved: ReadonlySet<string>): boolean {
  if (words.length === 0) return false;
  if (words.length === 1) {
    const w = words[0] ?? '';
    if (STOP_WORDS.has(w) || GENERIC_WORDS.has(w) || reserved.has(w) || /^\d+$/.test(w) || w.length < 2) return false;
  }
  return words.every((w) => w.length <= 40);
}

const LOG_FORMS: ReadonlySet<string> = new Set(['log', 'logs', 'logging', 'logged']);
const SIGN_FORMS: ReadonlySet<string> = new Set(['sign', 'signs', 'signing', 'signed']);
const PARTICLES: ReadonlySet<string> = new Set(['in', 'on']);
const DETERMINERS: ReadonlySet<string> = new Set(['the', 'a', 'an', 'this', 'that', 'these', 'those', 'my', 'our', 'your', 'their', 'its', 'any', 'each', 'every', 'which', 'what', 'whose']);
/** Words before "log in" that make it a verb: a subject, a modal, a negation, "to", "failed". */
const VERB_CUES: ReadonlySet<string> = new Set([
  'to', 't', 'cannot', 'can', 'could', 'couldn', 'unable', 'not', 'never', 'cant', 'wont', 'won', 'didn', 'doesn', 'don', 'isn',
  'users', 'user', 'customers', 'customer', 'people', 'clients', 'client', 'members', 'merchants', 'agents', 'i', 'we', 'they',
  'you', 'he', 'she', 'who', 'when', 'while', 'after', 'before', 'and', 'or', 'failed', 'failing', 'fails', 'tried', 'trying',
  'try', 'attempt', 'attempts', 'attempted', 'retry', 'will', 'would', 'should', 'must', 'please',
]);

/**
 * Signing in said as a verb and particle: "log in", "log-in", "logging in", "log on", "sign in",
 * "signing in", "sign-on" (one-word forms such as "login" and "signin" are vocabulary). "log" is
 * also a noun, so "the log in prod" and "error log in staging" are not signing in: a "log" form
 * counts when it is glued to its particle, follows a subject, modal, negation or "to" ("users
 * can't log in", "unable to log in"), or opens a clause and is not followed by a place ("log in
 * fails on prod", not "logging in prod is broken"). A "sign" form counts unless a determiner
 * precedes it ("a sign in the logs"). `key` is the domain these mentions go to; `isPlace` says
 * whether a word names an environment.
 */
export function signInMentions(tokens: Token[], key: string, isPlace: (norm: string) => boolean): Mention[] {
  const out: Mention[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined || t.kind !== 'word' || t.mask !== 0) continue;
    const log = LOG_FORMS.has(t.norm);
    if (!log && !SIGN_FORMS.has(t.norm)) continue;
    const j = nextWordIndex(tokens, i);
    const particle = tokens[j];
    if (j < 0 || particle === undefined || !PARTICLES.has(particle.norm)) continue;
    const gluedParticle = j === i + 2;
    const prev = tokens[i - 1];
    const prevWord = prev?.kind === 'word' ? prev.norm : undefined;
    let counts: boolean;
    if (prevWord !== undefined && DETERMINERS.has(prevWord) && !(log && gluedParticle)) counts = false;
    else if (!log || gluedParticle) counts = true;
    else if (prevWord !== undefined && VERB_CUES.has(prevWord)) counts = true;
    else if (prev === undefined || (prev.kind === 'punct' && (CLAUSE_END.has(prev.raw) || prev.raw === ':'))) {
      const after = tokens[j + 1];
      counts = !(after?.kind === 'word' && (isPlace(after.norm) || DETERMINERS.has(after.norm)));
    } else counts = false;
    if (!counts) continue;
    const m: Mention = { key, index: i, end: j + 1, negated: false };
    m.negated = isNegated(tokens, m);
    out.push(m);
    i = j;
  }
  return out;
}
