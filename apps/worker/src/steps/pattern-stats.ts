import { AnalysisOutcome } from '@loglore/core';
import { getAnalysisMemory, recordPatternUsage } from '@loglore/db';
import type { StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { loadRequest, storedPayloads } from '../load.ts';

/**
 * Step 5 (own queue): count the analysis towards its error pattern, creating a derived
 * pattern on first sight. Exactly once per analysis however often this job runs
 * (recordPatternUsage is keyed on the request).
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  const memory = await getAnalysisMemory(deps.db, request.id);
  if (!memory?.patternKey) return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const outcome = AnalysisOutcome.safeParse(stored.get('verification')?.outcome);
  const classification = outcome.success ? outcome.data.classification : null;
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
  });
  return { next: false };
}
