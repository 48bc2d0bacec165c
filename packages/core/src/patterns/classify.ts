/**
 * Classification of a log template into an error pattern: a catalogued one when a
 * reference matcher fires, otherwise a stable key derived from the template itself.
 */
import { WILDCARD, maskTokens } from '../mining/index.ts';
import { REFERENCE_PATTERNS, STATUS_PATTERN_KEYS, type ReferencePattern } from './catalog.ts';

/** What a template is, as an error. */
export interface Classification {
  /** Readable stable name (`DB_POOL_EXHAUSTED`, or `<WORDS>_<HASH>` for derived ones). */
  error_pattern: string;
  /** Unique key of the `error_patterns` row (`db.pool_exhausted`, or `derived.<8 hex>`). */
  pattern_key: string;
  /** Coarse family (`DATABASE`, `TIMEOUT`...), `UNCLASSIFIED` for derived patterns. */
  error_type: string;
  /** The pattern's domain for catalogued ones; the caller's domain for derived ones. */
  domain: string | null;
  /** True when the pattern comes from the reference catalog. */
  known: boolean;
  /** The catalog title, or the normalised template for derived patterns. */
  title: string;
  /** The template that was classified (trimmed and capped), variables as `<*>`. */
  template: string;
}

/** Optional context of a template. */
export interface ClassifyContext {
  /** Service that logged it. Not part of the identity: one cause seen by two services is one pattern. */
  service?: string | null;
  /** Business domain of the analysis; enables the catalog's domain-only matchers. */
  domain?: string | null;
  /**
   * One raw (already redacted) message of the template. Consulted only when the template
   * alone names no catalogued pattern, because masking hides digits that matter
   * (`HTTP 503`, `x509:`). Never part of a derived key.
   */
  example?: string | null;
}

/** error_type of patterns outside the catalog. */
export const UNCLASSIFIED = 'UNCLASSIFIED';

/** Prefix of derived pattern keys. */
export const DERIVED_KEY_PREFIX = 'derived.';

/** Characters of a template or example that matchers look at; beyond it is noise, and work stays bounded. */
export const MAX_CLASSIFY_CHARS = 1_000;

const BY_KEY: ReadonlyMap<string, ReferencePattern> = new Map(REFERENCE_PATTERNS.map((p) => [p.pattern_key, p]));

/** The catalog entry of a key, if it is one. */
export function referencePattern(patternKey: string): ReferencePattern | undefined {
  return BY_KEY.get(patternKey);
}

// A status code in a message only counts after a word that says it is one.
const STATUS_RE = /\b(?:status(?:[ _-]?code)?|http(?:\/\d(?:\.\d)?)?|response(?:[ _-]?code)?|returned|responded(?: with)?|got)\b[\s:=#"'(]{0,4}([1-5]\d\d)\b/i;

function statusPattern(text: string): ReferencePattern | undefined {
  const m = STATUS_RE.exec(text);
  if (!m) return undefined;
  const key = STATUS_PATTERN_KEYS[Number(m[1])];
  return key === undefined ? undefined : BY_KEY.get(key);
}

function catalogMatch(text: string, domain: string | null): ReferencePattern | undefined {
  for (const p of REFERENCE_PATTERNS) {
    if (p.match.some((re) => re.test(text))) return p;
    if (p.domain !== null && p.domain === domain && p.domain_match?.some((re) => re.test(text))) return p;
  }
  return undefined;
}

function isStripChar(c: number): boolean {
  // ( ) [ ] { } " ' , ; . : !  and backtick
  return c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 34 || c === 39 || c === 44 || c === 59 || c === 46 || c === 58 || c === 33 || c === 96;
}

/**
 * The identity text of a template: masked with the miner's rules, lower-cased, wrapping
 * punctuation removed, every token that holds a variable reduced to `<*>` (or `key=<*>`),
 * and runs of `<*>` collapsed into one. Two renderings of one event (other ids, numbers,
 * hosts with digits, times, more or fewer variable tokens in a row) normalise to the same text.
 */
export function normalizeTemplate(template: string): string {
  const tokens = maskTokens(template.slice(0, MAX_CLASSIFY_CHARS));
  const out: string[] = [];
  for (const raw of tokens) {
    let tok = raw.toLowerCase();
    if (tok.includes(WILDCARD)) {
      const eq = tok.indexOf('=');
      const key = eq > 0 ? tok.slice(0, eq).replace(/^[^a-z0-9_]+/, '') : '';
      tok = key !== '' && !key.includes(WILDCARD) ? `${key}=${WILDCARD}` : WILDCARD;
    } else {
      let s = 0;
      let e = tok.length;
      while (s < e && isStripChar(tok.charCodeAt(s))) s++;
      while (e > s && isStripChar(tok.charCodeAt(e - 1))) e--;
      tok = tok.slice(s, e);
      if (tok === '') continue;
    }
    if (tok === WILDCARD && out[out.length - 1] === WILDCARD) continue;
    out.push(tok);
  }
  return out.join(' ');
}

/** 32-bit FNV-1a over UTF-16 code units, as 8 hex digits. */
function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The identity of a template across analyses and processes: 8 hex digits of a hash of its
 * {@link normalizeTemplate} text. Two analyses that saw the same failure message, with other
 * ids and numbers, give the same signature.
 */
export function templateSignature(template: string): string {
  return fnv1a32(normalizeTemplate(template));
}

const NAME_WORD_RE = /^[a-z][a-z_]{1,23}$/;
const NAME_WORDS = 4;

/** The derived key and readable name of a template outside the catalog. */
export function derivePattern(template: string): { pattern_key: string; error_pattern: string; normalized: string } {
  const normalized = normalizeTemplate(template);
  const hash = fnv1a32(normalized);
  const words: string[] = [];
  for (const tok of normalized.split(' ')) {
    if (words.length === NAME_WORDS) break;
    if (NAME_WORD_RE.test(tok)) words.push(tok.toUpperCase());
  }
  const name = words.length > 0 ? words.join('_') : UNCLASSIFIED;
  return { pattern_key: `${DERIVED_KEY_PREFIX}${hash}`, error_pattern: `${name}_${hash.toUpperCase()}`, normalized };
}

function fromReference(p: ReferencePattern, template: string): Classification {
  return {
    error_pattern: p.error_pattern,
    pattern_key: p.pattern_key,
    error_type: p.error_type,
    domain: p.domain,
    known: true,
    title: p.title,
    template,
  };
}

/**
 * Names the error pattern of a template.
 *
 * Order: the catalog on the template (precedence is catalog order), then an HTTP status code
 * in the template or the example, then the catalog on the example; otherwise a derived
 * pattern keyed by a hash of {@link normalizeTemplate}. The result depends only on the
 * template's constant text (and, for catalogued patterns, the example's), so the same root
 * cause gets the same pattern in every incident.
 *
 * Limitation: a variable without digits that stayed constant within one window (a host
 * named `alpha`) is part of that window's template and therefore of a derived key.
 *
 * @example
 * classifyTemplate('HikariPool-<*> - Connection is not available, request timed out after <*>');
 * // => { error_pattern: 'DB_POOL_EXHAUSTED', pattern_key: 'db.pool_exhausted', error_type: 'DATABASE', known: true, ... }
 */
export function classifyTemplate(template: string, context: ClassifyContext = {}): Classification {
  const text = template.trim().slice(0, MAX_CLASSIFY_CHARS);
  const domain = context.domain ?? null;
  const example = context.example ? context.example.slice(0, MAX_CLASSIFY_CHARS) : '';
  const ref =
    catalogMatch(text, domain) ??
    statusPattern(text) ??
    (example ? (statusPattern(example) ?? catalogMatch(example, domain)) : undefined);
  if (ref) return fromReference(ref, text);
  const derived = derivePattern(text);
  return {
    error_pattern: derived.error_pattern,
    pattern_key: derived.pattern_key,
    error_type: UNCLASSIFIED,
    domain,
    known: false,
    title: derived.normalized.slice(0, 200),
    template: text,
  };
}

/** Prefix of keys of patterns known only by a name someone gave them (a backfilled incident). */
export const NAMED_KEY_PREFIX = 'named.';

/**
 * The pattern of a name given from outside (a backfilled incident's `error_pattern`): the
 * catalogued pattern with that name or key when there is one, otherwise a pattern keyed by
 * the name itself, so every incident given the same name counts towards one pattern.
 *
 * @example
 * classifyName('DB_POOL_EXHAUSTED').pattern_key;   // 'db.pool_exhausted'
 * classifyName('ledger lag').pattern_key;          // 'named.ledger_lag'
 */
export function classifyName(name: string, domain: string | null = null): Classification {
  const trimmed = name.trim().slice(0, 100);
  const wanted = trimmed.toLowerCase();
  const ref = REFERENCE_PATTERNS.find((p) => p.error_pattern.toLowerCase() === wanted || p.pattern_key === wanted);
  if (ref) return fromReference(ref, ref.template);
  const slug = wanted.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
  return {
    error_pattern: slug.toUpperCase(),
    pattern_key: `${NAMED_KEY_PREFIX}${slug}`,
    error_type: UNCLASSIFIED,
    domain,
    known: false,
    title: trimmed,
    template: '',
  };
}
