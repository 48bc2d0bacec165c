import type { SimilarAnalysis } from '@loglore/core';
import { findSimilarAnalyses, getAnalysisMemory, getPatternInfo, toKnownPattern } from '@loglore/db';
import type { StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { emitStepEvent } from '../emit.ts';
import { isFinished, loadRequest, requestParameters, storedPayloads } from '../load.ts';

const SIMILAR_LIMIT = 5;

/** The parameters a past analysis must share to count as similar: the scope said, nothing hidden. */
export function similarityFilter(parameters: { project: string | null; env: string | null; domain: string | null }) {
  const filter: Record<string, string> = {};
  if (parameters.project) filter.project = parameters.project;
  if (parameters.env) filter.env = parameters.env;
  if (parameters.domain) filter.domain = parameters.domain;
  return filter;
}

/**
 * Step 2: "found similar issues" and, when the best of them named a pattern we keep
 * statistics for, "known pattern". Read-only; replays republish the stored events.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  if (isFinished(request)) return { next: false };
  const stored = await storedPayloads(deps, request.id);
  const parameters = requestParameters(request);

  let similar = (stored.get('similar')?.similar as SimilarAnalysis[] | undefined) ?? null;
  if (!similar) {
    similar = await findSimilarAnalyses(deps.db, {
      filter: similarityFilter(parameters),
      text: request.text,
      anchor: request.occurredAt,
      excludeRequestId: request.id,
      limit: SIMILAR_LIMIT,
    });
  }
  const traceCounts = new Map<string, number>();
  for (const s of similar) for (const t of s.trace_ids) traceCounts.set(t, (traceCounts.get(t) ?? 0) + 1);
  const mostRecent = similar.reduce<string | null>((latest, s) => (!latest || s.created_at > latest ? s.created_at : latest), null);
  await emitStepEvent(deps, request, 'similar', {
    count: similar.length,
    most_recent: mostRecent,
    common_trace_ids: [...traceCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t]) => t),
    similar,
  });

  if (!stored.has('known_pattern')) {
    // Confirmed resolutions first, then rank order.
    const candidates = [...similar].sort((a, b) => Number(b.outcome === 'resolved') - Number(a.outcome === 'resolved'));
    for (const candidate of candidates) {
      if (!candidate.error_pattern) continue;
      const memory = await getAnalysisMemory(deps.db, candidate.request_id);
      const pattern = memory?.patternKey ? await getPatternInfo(deps.db, memory.patternKey) : undefined;
      if (!pattern) continue;
      const known = toKnownPattern(pattern);
      await emitStepEvent(deps, request, 'known_pattern', {
        pattern: candidate.error_pattern,
        ...known,
        from_request_id: candidate.request_id,
      });
      break;
    }
  } else {
    await emitStepEvent(deps, request, 'known_pattern', stored.get('known_pattern')!);
  }
  return { next: true };
}
