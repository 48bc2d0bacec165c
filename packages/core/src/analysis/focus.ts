/**
 * What a request's hints mean to an analysis. Only the project, a stated env and the time
 * window bound the evidence (the caller selects by those); everything else a request says —
 * domain, services, trace ids, codes, keywords — is a hint: it focuses the search and ranks
 * the templates, and never hides evidence. Pure.
 */
import { GENERIC_WORDS } from '../params/lexicon.ts';
import type { LogEvent, Parameters } from '../schemas.ts';

/** The hints of a request, normalised for matching. */
export interface Hints {
  domain: string | null;
  /** Lower-cased service names. */
  services: ReadonlySet<string>;
  traceIds: ReadonlySet<string>;
  /** Words and codes that may name the subject of the question. */
  terms: readonly SubjectTerm[];
}

export interface SubjectTerm {
  kind: 'service' | 'trace_id' | 'code' | 'word';
  /** As the request said it. */
  text: string;
  /** Lower-cased, stemmed for words. */
  norm: string;
}

/**
 * Words of alerts and questions that describe a symptom's measurement, not its subject:
 * "high error rate", "elevated latency", "SLO burn". They are common English in alert names,
 * so they never single out one failure among several.
 */
const MEASUREMENT_WORDS = new Set(
  `high higher low lower rate rates ratio elevated increased increase increasing decreased drop dropped
  latency latencies slow slower degraded degradation percent percentage threshold thresholds budget slo sli
  burn burning alert alerts alerting firing fired critical warning warnings page paged pager above below
  many count counts total errors error failures failure failing failed fail fails
  requests request responses response service services traffic volume availability available
  since last minutes minute hours hour today yesterday prod production staging`.split(/\s+/),
);

/** Crude stem: "transfers" and "transfer", "failing" and "fail" meet. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  for (const suffix of ['ing', 'ies', 'es', 'ed', 's']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) return suffix === 'ies' ? `${w.slice(0, -3)}y` : w.slice(0, -suffix.length);
  }
  return w;
}

const WORD_RE = /[a-z0-9]+/g;

/** The stemmed words of a text (service names split at `-`, `_`, `.`). */
export function wordsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(WORD_RE)) out.add(stem(m[0]));
  return out;
}

export function hintsOf(parameters: Parameters): Hints {
  const services = new Set(parameters.services.map((s) => s.toLowerCase()));
  const terms: SubjectTerm[] = [];
  const seen = new Set<string>();
  const add = (kind: SubjectTerm['kind'], text: string, norm: string) => {
    const key = `${kind}:${norm}`;
    if (norm === '' || seen.has(key)) return;
    seen.add(key);
    terms.push({ kind, text, norm });
  };
  for (const s of parameters.services) add('service', s, s.toLowerCase());
  for (const t of parameters.trace_ids) add('trace_id', t, t);
  for (const code of [...parameters.error_codes, ...parameters.http_status.map(String)]) add('code', code, code.toLowerCase());
  const serviceWords = new Set([...services].flatMap((s) => [...wordsOf(s)]));
  for (const k of parameters.keywords) {
    const w = k.toLowerCase();
    if (w.length < 3 || GENERIC_WORDS.has(w) || MEASUREMENT_WORDS.has(w) || /^\d+$/.test(w)) continue;
    const norm = stem(w);
    // A word of a named service is that service, not a second subject.
    if (serviceWords.has(norm)) continue;
    add('word', k, norm);
  }
  return { domain: parameters.domain, services, traceIds: new Set(parameters.trace_ids), terms };
}

/**
 * Whether the request names a part of the hard scope to focus on: trace ids or services. A
 * domain is usually a guess from a word ("transfers", "DB"), and the failure that explains a
 * symptom often lives in another domain's service, so a domain only ranks.
 */
export function hasFocus(hints: Hints): boolean {
  return hints.services.size > 0 || hints.traceIds.size > 0;
}

/** How an event is in the hinted scope, if it is: one of the named trace ids, or of a named service. */
export function isHinted(event: Pick<LogEvent, 'service' | 'trace_id'>, hints: Hints): 'trace' | 'service' | null {
  if (event.trace_id && hints.traceIds.has(event.trace_id)) return 'trace';
  if (event.service !== null && hints.services.has(event.service.toLowerCase())) return 'service';
  return null;
}

/** Whether an event is of the hinted domain (or of none: a service's own logs rarely say their business domain). */
export function inHintedDomain(event: Pick<LogEvent, 'domain'>, hints: Hints): boolean {
  return hints.domain !== null && (event.domain === hints.domain || event.domain === null);
}

/** Whether a code term appears in a text as a whole token (`429`, `ORA-00060`). */
export function mentionsCode(text: string, code: string): boolean {
  const lower = text.toLowerCase();
  let i = lower.indexOf(code);
  while (i >= 0) {
    const before = i === 0 ? '' : lower[i - 1]!;
    const after = lower[i + code.length] ?? '';
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) return true;
    i = lower.indexOf(code, i + 1);
  }
  return false;
}
