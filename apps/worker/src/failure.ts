import { getAnalysisRequest, markRequestFailed } from '@loglore/db';
import type { Step, StepJobData } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';
import { emitStepEvent } from './emit.ts';

/**
 * A step ran out of retries (or can never succeed): the request fails and everyone waiting
 * hears why. A request that already completed stays completed (pattern-stats failing after
 * persist does not un-answer the question).
 */
export async function failRequest(deps: WorkerDeps, step: Step, data: StepJobData, reason: string): Promise<void> {
  const request = await getAnalysisRequest(deps.db, data.request_id);
  if (!request || request.status === 'completed') {
    if (request) deps.logger.error({ request_id: request.id, step, reason }, 'step failed after the analysis completed');
    return;
  }
  await markRequestFailed(deps.db, request.id, reason);
  await emitStepEvent(deps, request, 'failed', { step, reason });
  deps.logger.warn({ request_id: request.id, step, reason }, 'analysis failed');
}
