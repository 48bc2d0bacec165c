import { getAnalysisMemory, recordOutcome, recordPatternUsage } from '@loglore/db';
import type { StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { loadRequest, requestParameters, storedPayloads } from '../load.ts';
import { finalOutcome } from '../outcome.ts';

/**
 * Step 5 (own queue): count the analysis towards its error pattern, creating a derived
 * pattern on first sight, and record the outcome a backfilled incident reported. Exactly once per analysis however often this job runs
 * (recordPatternUsage is keyed on the request).
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  const memory = await getAnalysisMemory(deps.db, request.id);
  if (!memory) return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const { outcome, knownOutcome } = finalOutcome(stored.get('verification'), request.metadata, requestParameters(request).domain);
  if (!memory.patternKey) {
    if (knownOutcome) await recordOutcome(deps.db, { requestId: request.id, outcome: knownOutcome });
    return { next: false };
  }
  const classification = outcome.pattern_key === memory.patternKey ? outcome.classification : null;
  await recordPatternUsage(deps.db, {
    definition: {
      pattern_key: memory.patternKey,
      error_type: classification?.error_type ?? memory.errorPattern ?? 'UNCLASSIFIED',
      domain: classification?.domain ?? ((memory.parameters as { domain?: string | null }).domain ?? null),
      title: classification?.title ?? null,
      template: classification?.template ?? null,
    },
    requestId: request.id,
    occurredAt: memory.occurredAt,
    project: memory.project,
  });
  // A backfilled incident that says whether its resolution worked is a vote like feedback
  // (one per analysis, so a replay changes nothing).
  if (knownOutcome) await recordOutcome(deps.db, { requestId: request.id, outcome: knownOutcome });
  return { next: false };
}
