import type { OpenAPIHono } from '@hono/zod-openapi';
import { getAnalysisRequest, getConversation, type AnalysisRequest, type Conversation } from '@loglore/db';
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
