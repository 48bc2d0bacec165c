import type { Parameters, SimilarAnalysis } from '@loglore/core';
import { appendStepEvents, findSimilarAnalyses } from '@loglore/db';
import { fromRequestCarry, toRequestCarry, type RequestFacts, type StepJobData } from '@loglore/queue';
import { readCarry, SimilarCarry } from '../carry.ts';
import type { WorkerDeps } from '../deps.ts';
import { emitStepEvent, publishHeld } from '../emit.ts';
import { isFinished, loadRequest, requestParameters, storedPayloads } from '../load.ts';

const SIMILAR_LIMIT = 5;

/**
 * The parameters a past analysis must share to count as similar: its project (the access
 * boundary; no project sees only memory of no project) and a stated env. A domain is a guess
 * from words, so it hides nothing.
 */
export function similarityFilter(parameters: { project: string | null; env: string | null }) {
  const filter: Record<string, string | null> = { project: parameters.project };
  if (parameters.env) filter.env = parameters.env;
  return filter;
}

/**
 * Step 2: "found similar issues", the seed's early look-up by the question's text and scope
 * (the analyze step recalls by evidence once it knows the failure, and says which pattern is
 * known). Read-only but for its event; given the request and its parameters in the carry, it
 * reads only memory. Replays republish the stored event.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean; carry?: Record<string, unknown> }> {
  const carried = readCarry(SimilarCarry, data);
  if (carried) {
    const request = fromRequestCarry(carried.request);
    const similar = await lookUp(deps, request, carried.parameters);
    const payload = similarPayload(similar);
    const stored = await appendStepEvents(deps.db, { requestId: request.id, conversationId: request.conversationId, events: [{ step: 'similar', payload }] });
    const head = stored.find((h) => h.step === 'similar');
    if (head) {
      await publishHeld(deps, request, [{ head, payload }]);
      return { next: true, carry: { ...carried, similar } };
    }
    // Stored before (a replay), or the request finished: the stored state decides.
  }

  const request = await loadRequest(deps, data.request_id);
  if (isFinished(request)) return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const parameters = requestParameters(request);
  const similar = (stored.get('similar')?.similar as SimilarAnalysis[] | undefined) ?? (await lookUp(deps, request, parameters));
  const event = await emitStepEvent(deps, request, 'similar', similarPayload(similar));
  // What the analyze step would read: the stored event's list.
  return { next: true, carry: { request: toRequestCarry(request), parameters, similar: event.payload.similar } };
}

function lookUp(deps: WorkerDeps, request: RequestFacts, parameters: Parameters): Promise<SimilarAnalysis[]> {
  return findSimilarAnalyses(deps.db, {
    project: request.project,
    filter: similarityFilter(parameters),
    text: request.text,
    anchor: request.occurredAt,
    excludeRequestId: request.id,
    limit: SIMILAR_LIMIT,
  });
}

function similarPayload(similar: SimilarAnalysis[]): Record<string, unknown> {
  const traceCounts = new Map<string, number>();
  for (const s of similar) for (const t of s.trace_ids) traceCounts.set(t, (traceCounts.get(t) ?? 0) + 1);
  // When the incidents happened, not when they were stored (a backfill stores old ones today).
  const when = (s: SimilarAnalysis) => s.occurred_at ?? s.created_at;
  const mostRecent = similar.reduce<string | null>((latest, s) => (!latest || when(s) > latest ? when(s) : latest), null);
  return {
    count: similar.length,
    most_recent: mostRecent,
    common_trace_ids: [...traceCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t]) => t),
    similar,
  };
}
