import { countPatternUsage, getAnalysisMemory, recordOutcome } from '@loglore/db';
import type { StepJobData } from '@loglore/queue';
import { readCarry, UsageCarry, usageDefinition } from '../carry.ts';
import type { WorkerDeps } from '../deps.ts';
import { loadRequest, requestParameters, storedPayloads } from '../load.ts';
import { finalOutcome } from '../outcome.ts';

/**
 * Step 5 (own queue): count the analysis towards its error pattern, creating a derived
 * pattern on first sight, and record the outcome a backfilled incident reported. Exactly once per analysis however often this job runs
 * (the count is keyed on the request). Given the count in the carry (persist wrote the memory row
 * it comes from), nothing is read; otherwise the memory row and the stored verification are.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const carried = readCarry(UsageCarry, data);
  const usage = carried?.usage ?? (await storedUsage(data, deps));
  if (!usage) return { next: false };
  if (usage.definition) {
    await countPatternUsage(deps.db, { definition: usage.definition, requestId: data.request_id, occurredAt: new Date(usage.occurred_at), project: usage.project });
  }
  // A backfilled incident that says whether its resolution worked is a vote like feedback
  // (one per analysis, so a replay changes nothing).
  if (usage.known_outcome) await recordOutcome(deps.db, { requestId: data.request_id, outcome: usage.known_outcome });
  return { next: false };
}

/** The count as the stored memory row and verification say it; null when no memory was stored. */
async function storedUsage(data: StepJobData, deps: WorkerDeps): Promise<UsageCarry['usage'] | null> {
  const request = await loadRequest(deps, data.request_id);
  const memory = await getAnalysisMemory(deps.db, request.id);
  if (!memory) return null;
  const stored = await storedPayloads(deps, request.id);
  const { outcome, knownOutcome } = finalOutcome(stored.get('verification'), request.metadata, requestParameters(request).domain);
  return {
    definition: usageDefinition(memory, outcome),
    occurred_at: memory.occurredAt.toISOString(),
    project: memory.project,
    known_outcome: knownOutcome,
  };
}
