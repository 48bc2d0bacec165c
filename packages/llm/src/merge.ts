import { IsoInstant, type Parameters } from '@loglore/core';
import { cleanList, cleanText } from './sanitize.ts';
import type { ModelParameters } from './schemas.ts';

export interface MergeOptions {
  /**
   * The rules' window was stated by the text or inherited from the conversation: the model's
   * window is then ignored. When false, a valid window from the model replaces the rules'
   * default window.
   */
  explicitTime?: boolean;
  /** Configured environments; a model env outside it is dropped (matched case-insensitively, returned as configured). */
  allowedEnvs?: string[];
  /** Configured domains; same rule as `allowedEnvs`. */
  allowedDomains?: string[];
  /**
   * The request text. Ids, error codes and HTTP statuses the model proposes are kept only
   * when they occur verbatim in it (models invent plausible ids); without it they are dropped.
   */
  text?: string;
}

const LIMITS = { name: 100, id: 128, items: 20, keyword: 64 } as const;

/* A project, env or service name: letters or digits first, then a conservative set of separators. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.:/@-]*$/u;

function cleanName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const cleaned = cleanText(value, LIMITS.name).trim();
  return cleaned !== '' && cleaned.length <= LIMITS.name && NAME.test(cleaned) ? cleaned : null;
}

function fromVocabulary(value: unknown, vocabulary: string[] | undefined): string | null {
  const name = cleanName(value);
  if (name === null || vocabulary === undefined) return name;
  const wanted = name.toLowerCase();
  return vocabulary.find((v) => v.toLowerCase() === wanted) ?? null;
}

function validWindow(range: unknown): Parameters['time_range'] | null {
  if (typeof range !== 'object' || range === null) return null;
  const { from, to } = range as { from?: unknown; to?: unknown };
  const f = IsoInstant.safeParse(from);
  const t = IsoInstant.safeParse(to);
  if (!f.success || !t.success) return null;
  return Date.parse(f.data) < Date.parse(t.data) ? { from: f.data, to: t.data } : null;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function verbatim(values: unknown, text: string | undefined): string[] {
  if (text === undefined) return [];
  return cleanList(stringsOf(values), LIMITS.items, LIMITS.id).filter((id) => id.length >= 3 && text.includes(id));
}

function statuses(value: unknown, text: string | undefined): number[] {
  if (!Array.isArray(value) || text === undefined) return [];
  const out = value.filter((v): v is number => Number.isInteger(v) && v >= 100 && v <= 599 && text.includes(String(v)));
  return [...new Set(out)].slice(0, LIMITS.items);
}

/**
 * Merges what the model proposed into what the rules extracted. The rules win on ids, codes
 * and explicit (or inherited) times; the model fills project, env, domain, services and
 * keywords the rules left null or empty, and ids, codes and the window only where the rules
 * found none. Every model value is validated: names must look like names, env and domain
 * must belong to the configured vocabulary when one is given, windows must be ordered ISO
 * instants, ids and codes must occur in the text. Invalid values are dropped, never
 * repaired. `model === null` returns `rules`.
 */
export function mergeModelParameters(
  rules: Parameters,
  model: Partial<ModelParameters> | null,
  options: MergeOptions = {},
): Parameters {
  if (model === null) return rules;
  const fill = <T>(ruled: T[], proposed: () => T[]): T[] => (ruled.length > 0 ? ruled : proposed());
  return {
    ...rules,
    project: rules.project ?? cleanName(model.project),
    env: rules.env ?? fromVocabulary(model.env, options.allowedEnvs),
    domain: rules.domain ?? fromVocabulary(model.domain, options.allowedDomains),
    time_range: options.explicitTime ? rules.time_range : (validWindow(model.time_range) ?? rules.time_range),
    trace_ids: fill(rules.trace_ids, () => verbatim(model.trace_ids, options.text)),
    request_ids: fill(rules.request_ids, () => verbatim(model.request_ids, options.text)),
    transaction_ids: fill(rules.transaction_ids, () => verbatim(model.transaction_ids, options.text)),
    error_codes: fill(rules.error_codes, () => verbatim(model.error_codes, options.text)),
    services: fill(rules.services, () => cleanList(stringsOf(model.services), LIMITS.items, LIMITS.name).filter((s) => NAME.test(s))),
    http_status: fill(rules.http_status, () => statuses(model.http_status, options.text)),
    keywords: fill(rules.keywords, () => cleanList(stringsOf(model.keywords), LIMITS.items, LIMITS.keyword)),
  };
}
