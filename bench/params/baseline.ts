/**
 * The baseline of bench/params: what a keyword-only extractor gets right. env, domain and
 * project are the first configured word found verbatim (single words only, no plurals,
 * typos, negation or phrases); the window is always the default one; no ids, statuses,
 * codes or services; explicit fields still win, and nothing is inherited from the previous turn.
 */
import type { ExtractInput, ExtractorConfig, Parameters } from '../../packages/core/src/index.ts';

export function baselineExtract(input: ExtractInput, config: ExtractorConfig): Parameters {
  const words = input.text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const firstOf = (vocab: Record<string, string[]>): string | null => {
    for (const w of words) {
      for (const [key, synonyms] of Object.entries(vocab)) if (w === key || synonyms.includes(w)) return key;
    }
    return null;
  };
  const project = words.find((w) => config.projects.map((p) => p.toLowerCase()).includes(w)) ?? null;
  const at = input.at.getTime();
  return {
    project: input.explicit?.project ?? project ?? config.defaults.project,
    env: input.explicit?.env ?? firstOf(config.envs) ?? config.defaults.env,
    domain: input.explicit?.domain ?? firstOf(config.domains) ?? config.defaults.domain,
    time_range: { from: new Date(at - config.defaults.windowMinutes * 60_000).toISOString(), to: new Date(at).toISOString() },
    trace_ids: [],
    request_ids: [],
    transaction_ids: [],
    services: [],
    http_status: [],
    http_status_classes: [],
    error_codes: [],
    keywords: words.slice(0, config.limits.keywords),
  };
}
