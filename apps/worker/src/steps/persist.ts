import { evidenceSignature } from '@loglore/core';
import { findLastResolvedAnalysis, markRequestCompleted, storeAnalysisResult, storeMessage } from '@loglore/db';
import type { StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { publishStored, storeStepEvent } from '../emit.ts';
import { loadRequest, requestParameters, storedPayloads } from '../load.ts';
import { finalOutcome } from '../outcome.ts';

/**
 * Step 4: analysis memory, the assistant's answer, the request's final state and the
 * `completed` event, in one transaction (unique on request_id, so a replay writes nothing
 * new); then the event is published and pattern statistics are queued.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  if (request.status === 'failed') return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const parameters = requestParameters(request);
  const { outcome, cached, knownOutcome } = finalOutcome(stored.get('verification'), request.metadata, parameters.domain);
  const signature = evidenceSignature(outcome);
  // The pattern was confirmed fixed before in this project and is back: say so.
  const previous = outcome.pattern_key
    ? await findLastResolvedAnalysis(deps.db, outcome.pattern_key, request.occurredAt, request.id, request.project)
    : undefined;
  const recurrence = previous
    ? { of_request_id: previous.requestId, resolved_at: (previous.outcomeAt ?? previous.occurredAt).toISOString(), resolution: previous.resolution }
    : null;

  const result = {
    request_id: request.id,
    conversation_id: request.conversationId,
    query_text: request.text,
    parameters,
    scope: outcome.scope,
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
    recurrence,
    cached,
  };

  const completed = await deps.db.transaction(async (tx) => {
    await storeAnalysisResult(tx, {
      requestId: request.id,
      conversationId: request.conversationId,
      project: request.project,
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
      templateKeys: signature.template_keys,
      services: signature.services,
    });
    if (request.conversationId) {
      await storeMessage(tx, {
        conversationId: request.conversationId,
        role: 'assistant',
        content: outcome.summary,
        requestId: request.id,
        parameters,
        metadata: { error_pattern: outcome.error_pattern, trace_ids: outcome.trace_ids, confidence_score: outcome.confidence_score, recurrence },
      });
    }
    await markRequestCompleted(tx, request.id, result);
    return storeStepEvent(tx, request, 'completed', { result });
  });
  await publishStored(deps, completed, request);
  // A cached answer repeats an analysis already counted; it does not count the pattern again.
  // A reported outcome is recorded there too, pattern or not.
  return { next: (Boolean(outcome.pattern_key) && !cached) || knownOutcome !== null };
}
