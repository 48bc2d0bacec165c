import { extractParameters, Parameters, RequestMetadata } from '@loglore/core';
import { getLastParameters, markRequestRunning, saveRequestParameters, setMessageParameters, startRequestWithParameters } from '@loglore/db';
import { mergeModelParameters } from '@loglore/llm';
import { fromRequestCarry, toRequestCarry, type RequestFacts, type StepJobData } from '@loglore/queue';
import { ExtractCarry, readCarry } from '../carry.ts';
import type { WorkerDeps } from '../deps.ts';
import { emitStepEvent, publishHeld } from '../emit.ts';
import { isFinished, loadRequest } from '../load.ts';

/**
 * Step 1: the parameters of the question. Rules first; a configured model may fill what the
 * rules left open (rules win on ids and explicit times). An alert's window (metadata.window,
 * anchored at its startsAt) is the time range whatever its text says. A follow-up inherits what the
 * conversation's previous turn said. Stored on the request and on the user's message.
 * Given the accepted request in its carry, a first run stores all of it with the `params` event
 * in one statement. Idempotent: a replay (or a request that is not fresh) reuses the stored
 * parameters instead of extracting again.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean; carry?: Record<string, unknown> }> {
  const carried = readCarry(ExtractCarry, data);
  if (carried) {
    const request = fromRequestCarry(carried.request);
    const parameters = await extract(deps, request);
    const head = await startRequestWithParameters(deps.db, { requestId: request.id, conversationId: request.conversationId, parameters });
    if (head) {
      await publishHeld(deps, request, [{ head, payload: { parameters } }]);
      return { next: true, carry: { request: carried.request, parameters } };
    }
    // Not a first run after all (a replay, or the request finished): the stored state decides.
  }

  const request = await loadRequest(deps, data.request_id);
  if (isFinished(request)) return { next: false };
  await markRequestRunning(deps.db, request.id);

  const stored = Parameters.safeParse(request.parameters);
  let parameters: Parameters;
  if (stored.success) {
    parameters = stored.data;
  } else {
    parameters = await extract(deps, request);
    await saveRequestParameters(deps.db, request.id, parameters);
    if (request.conversationId) await setMessageParameters(deps.db, request.id, parameters);
  }
  await emitStepEvent(deps, request, 'params', { parameters });
  // What the next steps would read from the request row.
  return { next: true, carry: { request: toRequestCarry(request), parameters } };
}

/** The parameters of a request's question (rules, the conversation's past, a model, hints). */
async function extract(deps: WorkerDeps, request: RequestFacts): Promise<Parameters> {
  const previousRaw = request.conversationId ? await getLastParameters(deps.db, request.conversationId, { project: request.project, beforeRequestId: request.id }) : null;
  const previous = previousRaw ? Parameters.safeParse(previousRaw) : null;
  const explicit = { project: request.project, env: request.env, domain: request.domain };
  const window = fixedWindow(request.metadata);
  let parameters = extractParameters(
    { text: request.text, at: request.occurredAt, explicit, previous: previous?.success ? previous.data : undefined, ...(window ? { window } : {}) },
    deps.extractor,
  );
  if (deps.llm) {
    const proposal = await deps.llm.extractParameters({
      text: request.text,
      at: request.occurredAt.toISOString(),
      previous: previous?.success ? previous.data : null,
    });
    parameters = mergeModelParameters(parameters, proposal, {
      text: request.text,
      allowedEnvs: Object.keys(deps.extractor.envs),
      allowedDomains: Object.keys(deps.extractor.domains),
      // The rules' window wins whenever the text or the conversation said one.
      explicitTime: window !== undefined || parametersSaidTime(parameters, request.occurredAt, deps.extractor.defaults.windowMinutes),
    });
  }
  return withHints(parameters, request.metadata);
}

/** The window an integration fixed (an alert's, anchored at startsAt), which no text overrides. */
function fixedWindow(metadata: unknown): { from: Date; to: Date } | undefined {
  const parsed = RequestMetadata.safeParse(metadata);
  const window = parsed.success ? parsed.data.window : undefined;
  return window ? { from: new Date(window.from), to: new Date(window.to) } : undefined;
}

/** True unless the window is exactly the configured default ending at the request time. */
function parametersSaidTime(parameters: Parameters, at: Date, windowMinutes: number): boolean {
  const to = Date.parse(parameters.time_range.to);
  const from = Date.parse(parameters.time_range.from);
  return !(to === at.getTime() && to - from === windowMinutes * 60_000);
}

/**
 * What an integration already knows (an alert's service label, an incident's trace ids) adds
 * to what the text said.
 */
export function withHints(parameters: Parameters, metadata: unknown): Parameters {
  const parsed = RequestMetadata.safeParse(metadata);
  const hints = parsed.success ? parsed.data.hints : undefined;
  if (!hints) return parameters;
  return {
    ...parameters,
    services: [...new Set([...parameters.services, ...hints.services])],
    trace_ids: [...new Set([...parameters.trace_ids, ...hints.trace_ids])],
  };
}
