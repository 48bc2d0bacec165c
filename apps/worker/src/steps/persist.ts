import { evidenceSignature, type AnalysisOutcome, type Parameters } from '@loglore/core';
import { completeRequest, findLastResolvedAnalysis, markRequestCompleted, storeAnalysisResult, storeMessage, type CompletionInput } from '@loglore/db';
import { fromRequestCarry, type RequestFacts, type StepJobData } from '@loglore/queue';
import { PersistCarry, readCarry, usageDefinition, type UsageCarry } from '../carry.ts';
import type { WorkerDeps } from '../deps.ts';
import { publishHeld, publishStored, storeStepEvent } from '../emit.ts';
import { loadRequest, requestParameters, storedPayloads } from '../load.ts';
import { finalOutcome } from '../outcome.ts';

/**
 * Step 4: analysis memory, the assistant's answer, the request's final state and the
 * `completed` event, all or nothing (unique on request_id, so a replay writes nothing new);
 * then the event is published and pattern statistics are queued. Given the verified outcome in
 * the carry, that is one statement (the recurrence look-up included); otherwise the outcome is
 * read from the stored `verification` event and written in one transaction.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean; carry?: Record<string, unknown> }> {
  const carried = readCarry(PersistCarry, data);
  if (carried) {
    const request = fromRequestCarry(carried.request);
    const { outcome, cached, knownOutcome } = finalOutcome(carried.verification, request.metadata, carried.parameters.domain);
    const completion = completionOf(request, carried.parameters, outcome, cached);
    const done = await completeRequest(deps.db, completion);
    if (!done.open) return { next: false };
    if (done.event) {
      const result = { ...completion.result, recurrence: done.recurrence };
      await publishHeld(deps, request, [{ head: done.event, payload: { result } }]);
      return {
        next: (Boolean(outcome.pattern_key) && !cached) || knownOutcome !== null,
        // Counted from what was written now; a row found there is read back by pattern-stats.
        ...(done.memoryWritten ? { carry: usageCarry(request, carried.parameters, outcome, knownOutcome) } : {}),
      };
    }
    // `completed` was stored before (a replay): the stored state decides.
  }

  const request = await loadRequest(deps, data.request_id);
  if (request.status === 'failed') return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const parameters = requestParameters(request);
  const { outcome, cached, knownOutcome } = finalOutcome(stored.get('verification'), request.metadata, parameters.domain);
  // The pattern was confirmed fixed before in this project and is back: say so.
  const previous = outcome.pattern_key
    ? await findLastResolvedAnalysis(deps.db, outcome.pattern_key, request.occurredAt, request.id, request.project)
    : undefined;
  const recurrence = previous
    ? { of_request_id: previous.requestId, resolved_at: (previous.outcomeAt ?? previous.occurredAt).toISOString(), resolution: previous.resolution }
    : null;
  const completion = completionOf(request, parameters, outcome, cached);
  const result = { ...completion.result, recurrence };

  const { completed, memoryWritten } = await deps.db.transaction(async (tx) => {
    const { result: _result, messageMetadata, traceIds, templateKeys, services, ...memory } = completion;
    const written = await storeAnalysisResult(tx, { ...memory, traceIds: [...traceIds], templateKeys: [...templateKeys], services: [...services] });
    if (request.conversationId) {
      await storeMessage(tx, {
        conversationId: request.conversationId,
        role: 'assistant',
        content: outcome.summary,
        requestId: request.id,
        parameters,
        metadata: { ...messageMetadata, recurrence },
      });
    }
    await markRequestCompleted(tx, request.id, result);
    return { completed: await storeStepEvent(tx, request, 'completed', { result }), memoryWritten: written };
  });
  await publishStored(deps, completed, request);
  // A cached answer repeats an analysis already counted; it does not count the pattern again.
  // A reported outcome is recorded there too, pattern or not.
  return {
    next: (Boolean(outcome.pattern_key) && !cached) || knownOutcome !== null,
    ...(memoryWritten ? { carry: usageCarry(request, parameters, outcome, knownOutcome) } : {}),
  };
}

/** Everything persist writes, the recurrence aside (null here; looked up when written). */
function completionOf(request: RequestFacts, parameters: Parameters, outcome: AnalysisOutcome, cached: boolean): CompletionInput {
  const signature = evidenceSignature(outcome);
  return {
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
    result: {
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
      recurrence: null,
      cached,
    },
    messageMetadata: { error_pattern: outcome.error_pattern, trace_ids: outcome.trace_ids, confidence_score: outcome.confidence_score, recurrence: null },
  };
}

/** What pattern-stats counts, as the memory row just written says it. */
function usageCarry(request: RequestFacts, parameters: Parameters, outcome: AnalysisOutcome, knownOutcome: UsageCarry['usage']['known_outcome']): UsageCarry {
  return {
    usage: {
      definition: usageDefinition({ patternKey: outcome.pattern_key, errorPattern: outcome.error_pattern, parameters }, outcome),
      occurred_at: request.occurredAt.toISOString(),
      project: request.project,
      known_outcome: knownOutcome,
    },
  };
}
