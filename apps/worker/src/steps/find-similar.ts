import type { SimilarAnalysis } from '@loglore/core';
import { findSimilarAnalyses } from '@loglore/db';
import type { StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { emitStepEvent } from '../emit.ts';
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
 * known). Read-only; replays republish the stored event.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  if (isFinished(request)) return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const parameters = requestParameters(request);

  let similar = (stored.get('similar')?.similar as SimilarAnalysis[] | undefined) ?? null;
  if (!similar) {
    similar = await findSimilarAnalyses(deps.db, {
      project: request.project,
      filter: similarityFilter(parameters),
      text: request.text,
      anchor: request.occurredAt,
      excludeRequestId: request.id,
      limit: SIMILAR_LIMIT,
    });
  }
  const traceCounts = new Map<string, number>();
  for (const s of similar) for (const t of s.trace_ids) traceCounts.set(t, (traceCounts.get(t) ?? 0) + 1);
  // When the incidents happened, not when they were stored (a backfill stores old ones today).
  const when = (s: SimilarAnalysis) => s.occurred_at ?? s.created_at;
  const mostRecent = similar.reduce<string | null>((latest, s) => (!latest || when(s) > latest ? when(s) : latest), null);
  await emitStepEvent(deps, request, 'similar', {
    count: similar.length,
    most_recent: mostRecent,
    common_trace_ids: [...traceCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t]) => t),
    similar,
  });

  return { next: true };
}
