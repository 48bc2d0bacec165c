import { Parameters } from '@loglore/core';
import { getAnalysisRequest, listAnalysisEvents, type AnalysisRequest } from '@loglore/db';
import { UnrecoverableError } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';

/**
 * The request a job is about. A request that does not exist can never succeed (it was
 * rolled back after a failed enqueue, or the payload is wrong): no retries.
 */
export async function loadRequest(deps: Pick<WorkerDeps, 'db'>, requestId: string): Promise<AnalysisRequest> {
  const request = await getAnalysisRequest(deps.db, requestId);
  if (!request) throw new UnrecoverableError(`analysis request ${requestId} does not exist`);
  return request;
}

/** The parameters the extract-params step stored. */
export function requestParameters(request: AnalysisRequest): Parameters {
  const parsed = Parameters.safeParse(request.parameters);
  if (!parsed.success) throw new UnrecoverableError(`analysis request ${request.id} has no valid parameters`);
  return parsed.data;
}

/** Payloads of the events stored so far, by step (the pipeline's state in Postgres). */
export async function storedPayloads(deps: Pick<WorkerDeps, 'db'>, requestId: string): Promise<Map<string, Record<string, unknown>>> {
  const events = await listAnalysisEvents(deps.db, requestId);
  return new Map(events.map((e) => [e.step, e.payload]));
}

export function isFinished(request: AnalysisRequest): boolean {
  return request.status === 'completed' || request.status === 'failed';
}
