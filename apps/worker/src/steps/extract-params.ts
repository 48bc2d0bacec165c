import { extractParameters, Parameters, RequestMetadata } from '@loglore/core';
import { getLastParameters, markRequestRunning, saveRequestParameters, setMessageParameters } from '@loglore/db';
import { mergeModelParameters } from '@loglore/llm';
import type { StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import { emitStepEvent } from '../emit.ts';
import { isFinished, loadRequest } from '../load.ts';

/**
 * Step 1: the parameters of the question. Rules first; a configured model may fill what the
 * rules left open (rules win on ids and explicit times). An alert's window (metadata.window,
 * anchored at its startsAt) is the time range whatever its text says. A follow-up inherits what the
 * conversation's previous turn said. Stored on the request and on the user's message.
 * Idempotent: a replay reuses the stored parameters instead of extracting again.
 */
export async function handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }> {
  const request = await loadRequest(deps, data.request_id);
  if (isFinished(request)) return { next: false };
  await markRequestRunning(deps.db, request.id);

  const stored = Parameters.safeParse(request.parameters);
  let parameters: Parameters;
  if (stored.success) {
    parameters = stored.data;
  } else {
    const previousRaw = request.conversationId ? await getLastParameters(deps.db, request.conversationId, { project: request.project, beforeRequestId: request.id }) : null;
    const previous = previousRaw ? Parameters.safeParse(previousRaw) : null;
    const explicit = { project: request.project, env: request.env, domain: request.domain };
    const window = fixedWindow(request.metadata);
    parameters = extractParameters(
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
    parameters = withHints(parameters, request.metadata);
    await saveRequestParameters(deps.db, request.id, parameters);
    if (request.conversationId) await setMessageParameters(deps.db, request.id, parameters);
  }
  await emitStepEvent(deps, request, 'params', { parameters });
  return { next: true };
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
