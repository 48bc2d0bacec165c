/**
 * The deterministic parameter extractor: text (+ anchor time, explicit fields, the previous
 * turn's parameters) → `Parameters`. Pure and linear in the size of the text.
 */
import type { Parameters } from '../schemas.ts';
import { DEFAULT_EXTRACTOR_CONFIG, type ExtractorConfig } from './config.ts';
import { findIds } from './ids.ts';
import { FOLLOW_UP_CLOSERS, FOLLOW_UP_OPENERS, GENERIC_WORDS, STOP_WORDS, TIME_WORDS_FOR_TYPOS, DAY_MS } from './lexicon.ts';
import { correctTypos, maskSpans, splitCamelCase, tokenize, type Token } from './text.ts';
import { markLiterals } from './literals.ts';
import { parseTime, type TimeResult } from './time.ts';
import {
  buildPhraseIndex,
  correctionPoints,
  hasEnvCue,
  isNameLike,
  isNegated,
  matchPhrases,
  nameStartBefore,
  pickMention,
  readName,
  signInMentions,
  weightCompoundHeads,
  type Mention,
  type PhraseIndex,
} from './vocab.ts';
import { fromWall, toWall, zoneFromName, type Zone } from './zone.ts';

export interface ExplicitFields {
  project?: string | null;
  env?: string | null;
  domain?: string | null;
}

export interface ExtractInput {
  text: string;
  /** The anchor of every relative time: when the request was made or the alert fired. */
  at: Date;
  /** Fields given explicitly with the request; a non-empty value wins over the text. */
  explicit?: ExplicitFields;
  /** The previous turn's parameters, for follow-ups. */
  previous?: Parameters;
  /**
   * A window fixed by the caller (an alert's, anchored at its startsAt): it is the time_range
   * (source `explicit`), and times written in the text never override it.
   */
  window?: { from: Date; to: Date };
}

/** Where a value came from. */
export type FieldSource = 'explicit' | 'text' | 'previous' | 'default';

export interface ExtractionDetail {
  parameters: Parameters;
  /** The turn was read as a follow-up of `previous` (see `extractParameters`). */
  followUp: boolean;
  sources: {
    project: FieldSource;
    env: FieldSource;
    domain: FieldSource;
    /** 'text' also covers windows derived from the previous one ("an hour before", "and yesterday?"). */
    time_range: FieldSource;
    ids: FieldSource;
  };
}

interface Compiled {
  envs: PhraseIndex;
  domains: PhraseIndex;
  projects: PhraseIndex;
  services: PhraseIndex;
  envContextOnly: ReadonlySet<string>;
  typoVocabulary: string[];
  /** Lowercase words that camelCase splitting leaves whole ("PostgreSQL", "OAuth"). */
  wholeWords: ReadonlySet<string>;
  zone: Zone;
  /** Lowercase names that cannot be a project or service name. */
  reserved: ReadonlySet<string>;
  envSynonymToKey: Map<string, string>;
  domainSynonymToKey: Map<string, string>;
  projectByLower: Map<string, string>;
  /** Time-zone abbreviations in use (upper case). */
  abbreviations: ReadonlySet<string>;
}

const compiledCache = new WeakMap<ExtractorConfig, Compiled>();

function compile(config: ExtractorConfig): Compiled {
  const cached = compiledCache.get(config);
  if (cached) return cached;
  const envEntries: Array<[string, string]> = [];
  const envSynonymToKey = new Map<string, string>();
  for (const [key, list] of Object.entries(config.envs)) {
    for (const syn of [key, ...list]) {
      envEntries.push([syn, key]);
      envSynonymToKey.set(syn.toLowerCase(), key);
    }
  }
  const domainEntries: Array<[string, string]> = [];
  const domainSynonymToKey = new Map<string, string>();
  for (const [key, list] of Object.entries(config.domains)) {
    for (const syn of [key, ...list]) {
      domainEntries.push([syn, key]);
      domainSynonymToKey.set(syn.toLowerCase(), key);
    }
  }
  const singleWords = (entries: Array<[string, string]>) => entries.map(([s]) => s.toLowerCase()).filter((s) => /^\p{L}+$/u.test(s));
  const compiled: Compiled = {
    envs: buildPhraseIndex(envEntries),
    domains: buildPhraseIndex(domainEntries),
    projects: buildPhraseIndex(config.projects.map((p) => [p, p])),
    services: buildPhraseIndex(config.services.map((s) => [s, s])),
    envContextOnly: new Set(config.envContextOnly.map((s) => s.toLowerCase())),
    typoVocabulary: [...new Set([...singleWords(envEntries), ...singleWords(domainEntries), ...TIME_WORDS_FOR_TYPOS])],
    wholeWords: new Set([...envSynonymToKey.keys(), ...domainSynonymToKey.keys(), ...config.projects.map((p) => p.toLowerCase()), ...config.services.map((s) => s.toLowerCase())]),
    zone: zoneFromName(config.defaults.timeZone) ?? { kind: 'fixed', minutes: 0 },
    reserved: new Set([...envSynonymToKey.keys(), 'project', 'projects', 'service', 'services', 'env', 'environment', 'name', 'domain']),
    envSynonymToKey,
    domainSynonymToKey,
    projectByLower: new Map(config.projects.map((p) => [p.toLowerCase(), p])),
    abbreviations: new Set(Object.keys(config.timeZoneAbbreviations)),
  };
  compiledCache.set(config, compiled);
  return compiled;
}

const SERVICE_SUFFIXES: ReadonlySet<string> = new Set(['service', 'svc', 'api', 'gateway', 'worker']);
const SERVICE_LABELS: ReadonlySet<string> = new Set(['service', 'services', 'svc', 'app', 'application', 'component']);
const PROJECT_LABELS: ReadonlySet<string> = new Set(['project', 'proj']);
const MAX_KEYWORD_LENGTH = 64;
const HAS_LETTER = /\p{L}/u;

function markUsed(tokens: Token[], m: { index: number; end: number }): void {
  for (let i = m.index; i < m.end; i++) {
    const t = tokens[i];
    if (t) t.used = true;
  }
}

function findEnv(tokens: Token[], c: Compiled, corrections: number[]): string | null {
  const mentions: Mention[] = [];
  // Numbered environments ("staging2", "qa1") count as their env.
  for (const m of matchPhrases(tokens, c.envs, 1, false, true)) {
    const phrase = tokens
      .slice(m.index, m.end)
      .filter((t) => t.kind !== 'punct')
      .map((t) => t.norm.replace(/\d{1,2}$/, ''))
      .join(' ');
    if (c.envContextOnly.has(phrase) && !hasEnvCue(tokens, m.index, m.end)) continue;
    markUsed(tokens, m);
    mentions.push({ ...m, negated: isNegated(tokens, m) });
  }
  return pickMention(mentions, corrections, 'first')?.key ?? null;
}

function findDomain(tokens: Token[], c: Compiled, corrections: number[]): string | null {
  const mentions = matchPhrases(tokens, c.domains, 1).map((m) => ({ ...m, negated: isNegated(tokens, m) }));
  // "log in", "sign on"…: the domain of the one-word forms ("login", "signin"), when configured.
  const signInKey = c.domainSynonymToKey.get('login') ?? c.domainSynonymToKey.get('signin');
  if (signInKey !== undefined) mentions.push(...signInMentions(tokens, signInKey, (w) => c.envSynonymToKey.has(w)));
  mentions.sort((a, b) => a.index - b.index);
  weightCompoundHeads(tokens, mentions);
  return pickMention(mentions, corrections, 'count')?.key ?? null;
}

function findProject(tokens: Token[], text: string, c: Compiled, corrections: number[]): string | null {
  const mentions: Mention[] = [];
  for (const m of matchPhrases(tokens, c.projects, 0, true)) {
    markUsed(tokens, m);
    mentions.push({ ...m, negated: isNegated(tokens, m) });
  }
  const asProject = (value: string) => c.projectByLower.get(value) ?? value;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined || t.kind !== 'word' || t.mask !== 0 || !PROJECT_LABELS.has(t.norm)) continue;
    // "project X", "project: X", "project=X"
    let j = i + 1;
    while (tokens[j]?.kind === 'punct' && (tokens[j]?.raw === ':' || tokens[j]?.raw === '=') && j < i + 3) j++;
    const after = readName(tokens, j, text);
    if (after && isNameLike(after.words, c.reserved)) {
      const m = { key: asProject(after.value), index: i, end: after.end, negated: false };
      markUsed(tokens, m);
      mentions.push({ ...m, negated: isNegated(tokens, m) });
      continue;
    }
    // "the X project", "in X project"
    const start = nameStartBefore(tokens, i - 1);
    if (start >= 0 && tokens[i - 1]?.kind === 'word') {
      const before = readName(tokens, start, text);
      if (before && before.end === i && isNameLike(before.words, c.reserved)) {
        const m = { key: asProject(before.value), index: start, end: i + 1, negated: false };
        markUsed(tokens, m);
        mentions.push({ ...m, negated: isNegated(tokens, m) });
      }
    }
  }
  return pickMention(mentions, corrections, 'first')?.key ?? null;
}

function findServices(tokens: Token[], text: string, c: Compiled, limit: number): string[] {
  const found: Array<{ at: number; value: string }> = [];
  for (const m of matchPhrases(tokens, c.services, 0, true)) {
    const key = m.key;
    found.push({ at: m.index, value: key });
    markUsed(tokens, m);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined || t.mask !== 0 || (t.kind !== 'word' && t.kind !== 'num')) continue;
    // "service=notification-worker", "service: fraud-engine", "svc ledger-core"
    if (t.kind === 'word' && SERVICE_LABELS.has(t.norm)) {
      let j = i + 1;
      let labelled = false;
      while (tokens[j]?.kind === 'punct' && (tokens[j]?.raw === ':' || tokens[j]?.raw === '=') && j < i + 3) {
        j++;
        labelled = true;
      }
      const name = readName(tokens, j, text);
      if (name && (labelled || name.words.length > 1) && isNameLike(name.words, c.reserved)) {
        found.push({ at: j, value: name.value });
        markUsed(tokens, { index: i, end: name.end });
        i = name.end - 1;
        continue;
      }
    }
    // "payment-gateway", "ledger_svc", "auth-service"
    const name = readName(tokens, i, text);
    if (name === null) continue;
    if (name.words.length > 1 && SERVICE_SUFFIXES.has(name.words[name.words.length - 1] ?? '')) {
      found.push({ at: i, value: name.value });
      markUsed(tokens, { index: i, end: name.end });
    }
    i = name.end - 1;
  }
  found.sort((a, b) => a.at - b.at);
  const out: string[] = [];
  for (const f of found) if (out.length < limit && !out.includes(f.value)) out.push(f.value);
  return out;
}

function findKeywords(tokens: Token[], limit: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    if (out.length >= limit) break;
    if (t.kind !== 'word' || t.mask !== 0 || t.used) continue;
    const w = t.norm;
    if (w.length < 2 || w.length > MAX_KEYWORD_LENGTH || STOP_WORDS.has(w) || !HAS_LETTER.test(w) || seen.has(w)) continue;
    seen.add(w);
    out.push(w);
  }
  return out;
}

/** Opening or closing cue of a follow-up: "and …", "what about …", "how about …", "… too?". */
function hasFollowUpCue(tokens: Token[]): boolean {
  const words = tokens.filter((t) => t.kind === 'word');
  const first = words[0]?.norm;
  const second = words[1]?.norm;
  if (first !== undefined && FOLLOW_UP_OPENERS.has(first)) {
    if (first === 'what' || first === 'how') return second === 'about' || second === 'if';
    return true;
  }
  const last = words[words.length - 1]?.norm;
  if (last === 'well') return words[words.length - 2]?.norm === 'as';
  return last !== undefined && FOLLOW_UP_CLOSERS.has(last);
}

function normaliseExplicit(value: string | null | undefined, synonyms: Map<string, string> | null): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  return synonyms?.get(trimmed.toLowerCase()) ?? trimmed;
}

function validWindow(p: Parameters | undefined): { from: number; to: number } | null {
  if (!p?.time_range) return null;
  const from = Date.parse(p.time_range.from);
  const to = Date.parse(p.time_range.to);
  return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : null;
}

/** Moves a window by whole civil days in `zone`, keeping its wall-clock times across DST changes. */
function moveByDays(w: { from: number; to: number }, days: number, zone: Zone): { from: number; to: number } {
  const a = toWall(zone, w.from);
  const b = toWall(zone, w.to);
  return { from: fromWall(zone, a.day + days, a.h, a.m, a.s), to: fromWall(zone, b.day + days, b.h, b.m, b.s) };
}

function shiftWindow(w: { from: number; to: number }, ms: number, dir: -1 | 1, zone: Zone): { from: number; to: number } {
  if (ms % DAY_MS === 0) return moveByDays(w, (dir * ms) / DAY_MS, zone);
  return { from: w.from + dir * ms, to: w.to + dir * ms };
}

function resolveWindow(
  r: TimeResult,
  at: number,
  windowMs: number,
  base: { from: number; to: number } | null,
  followUp: boolean,
  zone: Zone,
): { window: { from: number; to: number }; source: FieldSource } {
  const fallback = { from: at - windowMs, to: at };
  switch (r.kind) {
    case 'none':
      return followUp && base ? { window: base, source: 'previous' } : { window: fallback, source: 'default' };
    case 'now':
      return { window: fallback, source: 'text' };
    case 'window':
      if (followUp && base && r.day !== null) {
        // "and yesterday?": the previous window's clock times on the day named.
        const days = r.day.day - toWall(r.day.zone, base.from).day;
        return { window: moveByDays(base, days, r.day.zone), source: 'text' };
      }
      return { window: { from: r.from, to: r.to }, source: 'text' };
    case 'shift': {
      const b = base ?? fallback;
      return { window: shiftWindow(b, r.ms ?? b.to - b.from, r.dir, zone), source: 'text' };
    }
    case 'unitBefore': {
      if (!base && r.lastIfNoPrevious) return { window: { from: at - r.unitMs, to: at }, source: 'text' };
      const b = base ?? fallback;
      if (r.unitMs >= DAY_MS) return { window: shiftWindow(b, r.unitMs, -1, zone), source: 'text' };
      return { window: { from: b.from - r.unitMs, to: b.from }, source: 'text' };
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Like `extractParameters`, and also says where each value came from and whether the turn
 * was read as a follow-up (callers use it to tell a stated window from a default one).
 */
export function extractParametersDetailed(input: ExtractInput, config: ExtractorConfig = DEFAULT_EXTRACTOR_CONFIG): ExtractionDetail {
  const at = input.at instanceof Date ? input.at.getTime() : NaN;
  if (!Number.isFinite(at)) throw new RangeError('extractParameters: `at` must be a valid Date');
  const text = typeof input.text === 'string' ? input.text : '';
  const c = compile(config);
  const { limits, defaults } = config;

  const tokens = splitCamelCase(tokenize(text), c.wholeWords);
  markLiterals(tokens, text, c.abbreviations);
  const ids = findIds(text, limits);
  maskSpans(tokens, ids.labelSpans, 1);
  maskSpans(tokens, ids.valueSpans, 2);
  correctTypos(tokens, c.typoVocabulary);
  const corrections = correctionPoints(tokens);

  const env = findEnv(tokens, c, corrections);
  const domain = findDomain(tokens, c, corrections);
  const project = findProject(tokens, text, c, corrections);
  const services = findServices(tokens, text, c, limits.services);
  const windowMs = defaults.windowMinutes * 60_000;
  const time = parseTime(
    tokens,
    {
      at,
      zone: c.zone,
      windowMs,
      dayParts: config.dayParts,
      dateOrder: config.dateOrder,
      abbreviations: config.timeZoneAbbreviations,
    },
    corrections,
  );
  const keywords = findKeywords(tokens, limits.keywords);

  const previous = input.previous;
  const domainChanged = previous !== undefined && domain !== null && previous.domain !== null && domain !== previous.domain;
  const contentWords = keywords.filter((k) => !GENERIC_WORDS.has(k)).length;
  // A turn that names nothing of its own ("what's the root cause?") is about the previous one.
  const statesNothing =
    env === null && domain === null && project === null && services.length === 0 && time.kind === 'none' &&
    ids.trace_ids.length + ids.request_ids.length + ids.transaction_ids.length + ids.http_status.length + ids.http_status_classes.length + ids.error_codes.length === 0;
  const followUp = previous !== undefined && (hasFollowUpCue(tokens) || statesNothing || (contentWords <= 1 && !domainChanged));

  const pick = (explicit: string | null, extracted: string | null, inherited: string | null | undefined, fallback: string | null) => {
    if (explicit !== null) return { value: explicit, source: 'explicit' as const };
    if (extracted !== null) return { value: extracted, source: 'text' as const };
    if (inherited !== undefined && inherited !== null) return { value: inherited, source: 'previous' as const };
    return { value: fallback, source: 'default' as const };
  };
  const explicitProject = normaliseExplicit(input.explicit?.project, c.projectByLower);
  const p = pick(explicitProject, project, previous?.project, defaults.project);
  const e = pick(normaliseExplicit(input.explicit?.env, c.envSynonymToKey), env, previous?.env, defaults.env);
  const d = pick(normaliseExplicit(input.explicit?.domain, c.domainSynonymToKey), domain, previous?.domain, defaults.domain);

  const fixed = input.window && Number.isFinite(input.window.from.getTime()) && input.window.from.getTime() < input.window.to.getTime() ? input.window : undefined;
  const { window, source: timeSource } = fixed
    ? { window: { from: fixed.from.getTime(), to: fixed.to.getTime() }, source: 'explicit' as const }
    : resolveWindow(time, at, windowMs, validWindow(previous), followUp, c.zone);
  const from = Math.min(window.from, window.to);
  const to = window.from === window.to ? window.to + 60_000 : Math.max(window.from, window.to);

  // Lists named in this turn replace the previous turn's; a follow-up that names none keeps them.
  const carry = <T>(mine: T[], theirs: T[] | undefined): T[] => (mine.length > 0 || !followUp ? mine : [...(theirs ?? [])]);
  const httpNamed = ids.http_status.length > 0 || ids.http_status_classes.length > 0;
  const keepHttp = !httpNamed && followUp && previous !== undefined;

  const parameters: Parameters = {
    project: p.value,
    env: e.value,
    domain: d.value,
    time_range: { from: iso(from), to: iso(to) },
    trace_ids: carry(ids.trace_ids, previous?.trace_ids),
    request_ids: carry(ids.request_ids, previous?.request_ids),
    transaction_ids: carry(ids.transaction_ids, previous?.transaction_ids),
    services: carry(services, previous?.services),
    http_status: keepHttp ? [...(previous?.http_status ?? [])] : ids.http_status,
    http_status_classes: keepHttp ? [...(previous?.http_status_classes ?? [])] : ids.http_status_classes,
    error_codes: carry(ids.error_codes, previous?.error_codes),
    keywords: followUp && previous ? [...new Set([...(previous.keywords ?? []), ...keywords])].slice(0, limits.keywords) : keywords,
  };
  const idCount = (x: Pick<Parameters, 'trace_ids' | 'request_ids' | 'transaction_ids'>) => x.trace_ids.length + x.request_ids.length + x.transaction_ids.length;
  const idsSource: FieldSource = idCount(ids) > 0 ? 'text' : idCount(parameters) > 0 ? 'previous' : 'default';
  return {
    parameters,
    followUp,
    sources: { project: p.source, env: e.source, domain: d.source, time_range: timeSource, ids: idsSource },
  };
}

/**
 * Extracts the parameters of a request from its text, deterministically.
 *
 * - `project`, `env`, `domain`: an explicit field wins; else what the text says (env and
 *   project: the first mention; domain: the most mentioned, ties to the first; a mention
 *   that is negated — "not staging", "staging is fine" — does not count, and one after a
 *   correction — "sorry, I meant prod" — beats those before it); else, with `previous`, the
 *   previous turn's value; else the configured default.
 * - `time_range`: `input.window` when given (an alert's; the text cannot move it); else see
 *   `parseTime` for the expressions. With no time stated: the previous window for a
 *   follow-up, else [at − windowMinutes, at].
 * - Follow-ups: with `previous`, a turn is a follow-up when it opens or closes with a cue
 *   ("and …", "what about …", "how about …", "same for …", "… too?"), when it names nothing
 *   of its own ("what's the root cause?"), or when it says at most one content word beyond
 *   generic ones like "errors" and does not switch domain. A follow-up inherits the window,
 *   ids, services, statuses, codes and keywords it does not restate (a list it restates
 *   replaces the previous one); "an hour before" moves the previous window back an hour,
 *   "the hour before" is the hour just before it, "before that" moves it back by its own
 *   length, "and yesterday?" / "what about Monday?" keep its clock times on that day, "now"
 *   starts afresh. A turn that is not a follow-up inherits only project, env and domain.
 * - Lists are deduplicated in order of appearance and capped by `config.limits`.
 *
 * Never throws on any text (empty, huge, other scripts, emoji); throws a RangeError only
 * when `at` is not a valid Date.
 *
 * @example
 * extractParameters({ text: 'NPSB transfers failing in prod since 10:00', at: new Date('2026-11-25T11:30:00Z') })
 * // → { env: 'prod', domain: 'transactions', time_range: { from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:30:00.000Z' }, … }
 */
export function extractParameters(input: ExtractInput, config: ExtractorConfig = DEFAULT_EXTRACTOR_CONFIG): Parameters {
  return extractParametersDetailed(input, config).parameters;
}
