import { AnalysisOutcome } from '@loglore/core';
import { markRequestCompleted, storeAnalysisResult, storeMessage } from '@loglore/db';
import { UnrecoverableError, type StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { publishStored, storeStepEvent } from '../emit.ts';
import { loadRequest, requestParameters, storedPayloads } from '../load.ts';

/**
 * Step 4: analysis memory, the assistant's answer, the request's final state and the
 * `completed` event, in one transaction (unique on request_id, so a replay writes nothing
 * new); then the event is published and pattern statistics are queued.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  if (request.status === 'failed') return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const verification = stored.get('verification');
  const parsed = AnalysisOutcome.safeParse(verification?.outcome);
  if (!parsed.success) throw new UnrecoverableError(`request ${request.id} reached persist without a verified analysis`);
  const outcome = parsed.data;
  const parameters = requestParameters(request);
  const cached = verification?.cached === true;

  const result = {
    request_id: request.id,
    conversation_id: request.conversationId,
    query_text: request.text,
    parameters,
    trace_ids: outcome.trace_ids,
    error_pattern: outcome.error_pattern,
    pattern_key: outcome.pattern_key,
    findings: outcome.findings,
    known_pattern: outcome.known_pattern,
    similar: outcome.similar,
    resolution: outcome.resolution,
    confidence_score: outcome.confidence_score,
    summary: outcome.summary,
    hypothesis: outcome.hypothesis,
    services: outcome.services,
    timeline: outcome.timeline,
    cached,
  };

  const completed = await deps.db.transaction(async (tx) => {
    await storeAnalysisResult(tx, {
      requestId: request.id,
      conversationId: request.conversationId,
      source: request.source,
      queryText: request.text,
      parameters,
      traceIds: outcome.trace_ids,
      findings: outcome.findings,
      errorPattern: outcome.error_pattern,
      patternKey: outcome.pattern_key,
      resolution: outcome.resolution,
      summary: outcome.summary,
      confidenceScore: outcome.confidence_score,
      occurredAt: request.occurredAt,
    });
    if (request.conversationId) {
      await storeMessage(tx, {
        conversationId: request.conversationId,
        role: 'assistant',
        content: outcome.summary,
        requestId: request.id,
        parameters,
        metadata: { error_pattern: outcome.error_pattern, trace_ids: outcome.trace_ids, confidence_score: outcome.confidence_score },
      });
    }
    await markRequestCompleted(tx, request.id, result);
    return storeStepEvent(tx, request, 'completed', { result });
  });
  await publishStored(deps, completed);
  // A cached answer repeats an analysis already counted; it does not count the pattern again.
  return { next: Boolean(outcome.pattern_key) && !cached };
}
