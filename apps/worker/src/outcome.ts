import { AnalysisOutcome, classifyName, RequestMetadata, type Outcome } from '@loglore/core';
import { UnrecoverableError } from '@loglore/queue';

export interface FinalOutcome {
  outcome: AnalysisOutcome;
  /** What the caller reported about the incident (a backfill's `resolved`), if anything. */
  knownOutcome: Outcome | null;
  /** The analysis came from the cache. */
  cached: boolean;
}

/**
 * The verified analysis as it is remembered: what the analyser concluded, except where the
 * request already knew better (a backfilled incident's error pattern and resolution win over
 * the analyser's view of logs that may be gone). Deterministic, so persist and pattern-stats
 * agree on the pattern however often either runs.
 */
export function finalOutcome(verification: Record<string, unknown> | undefined, metadata: unknown, domain: string | null): FinalOutcome {
  const parsed = AnalysisOutcome.safeParse(verification?.outcome);
  if (!parsed.success) throw new UnrecoverableError('no verified analysis was stored for this request');
  let outcome = parsed.data;
  const meta = RequestMetadata.safeParse(metadata);
  const known = meta.success ? meta.data.known : undefined;
  if (known?.error_pattern) {
    const named = classifyName(known.error_pattern, domain);
    outcome = { ...outcome, error_pattern: named.error_pattern, pattern_key: named.pattern_key, classification: named };
  }
  if (known?.resolution) outcome = { ...outcome, resolution: known.resolution };
  return { outcome, knownOutcome: known?.outcome ?? null, cached: verification?.cached === true };
}
