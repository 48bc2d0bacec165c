import type { OpenAPIHono } from '@hono/zod-openapi';
import { getAnalysisRequest, getConversation, listConversationRequestProjects, type AnalysisRequest, type Conversation } from '@loglore/db';
import { canSee, type AuthEnv, type Grant } from '../auth.ts';
import type { IngressDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { StreamOptions } from '../sse.ts';

export type ApiApp = OpenAPIHono<AuthEnv>;

/** What route modules register with. */
export interface RouteContext {
  deps: IngressDeps;
  streams: StreamOptions;
}

/** A conversation the key may see; anything else is the same 404 as an unknown id. */
export async function findConversation(deps: IngressDeps, grant: Grant, id: string): Promise<Conversation> {
  const conversation = await getConversation(deps.db, id);
  if (!conversation || !canSee(grant, conversation.project)) throw notFound('conversation');
  return conversation;
}

/** An analysis request the key may see (by the project it was asked for); 404 otherwise. */
export async function findAnalysis(deps: IngressDeps, grant: Grant, id: string): Promise<AnalysisRequest> {
  const request = await getAnalysisRequest(deps.db, id);
  if (!request || !canSee(grant, request.project)) throw notFound('analysis');
  return request;
}

/**
 * Whether the key may see what a request of the conversation produced (its turns, its events).
 * A conversation may hold turns of several projects (a key granted both asked "and in cards?"
 * in a payments conversation): a key of one of them sees that project's turns only. A request
 * the conversation does not know (created after the first look) is looked up once.
 */
export async function conversationVisibility(deps: IngressDeps, grant: Grant, conversation: Conversation): Promise<(requestId: string | null) => Promise<boolean>> {
  if (grant === '*') return async () => true;
  const projects = await listConversationRequestProjects(deps.db, conversation.id);
  return async (requestId) => {
    if (requestId === null) return canSee(grant, conversation.project);
    if (!projects.has(requestId)) projects.set(requestId, (await getAnalysisRequest(deps.db, requestId))?.project ?? conversation.project);
    return canSee(grant, projects.get(requestId));
  };
}
