import { z } from 'zod';

/**
 * The request as accepted, carried into the first jobs so the steps need not read it back: only
 * columns that never change after acceptance (the text is redacted before it is stored).
 */
export const RequestCarry = z.object({
  id: z.uuid(),
  conversation_id: z.uuid().nullable(),
  project: z.string().nullable(),
  env: z.string().nullable(),
  domain: z.string().nullable(),
  source: z.string(),
  text: z.string(),
  occurred_at: z.iso.datetime(),
  created_at: z.iso.datetime(),
  metadata: z.record(z.string(), z.unknown()),
});
export type RequestCarry = z.infer<typeof RequestCarry>;

/** The immutable columns of a request row, as the steps use them. */
export interface RequestFacts {
  id: string;
  conversationId: string | null;
  project: string | null;
  env: string | null;
  domain: string | null;
  source: string;
  text: string;
  occurredAt: Date;
  createdAt: Date;
  metadata: unknown;
}

export function toRequestCarry(request: RequestFacts): RequestCarry {
  return {
    id: request.id,
    conversation_id: request.conversationId,
    project: request.project,
    env: request.env,
    domain: request.domain,
    source: request.source,
    text: request.text,
    occurred_at: request.occurredAt.toISOString(),
    created_at: request.createdAt.toISOString(),
    metadata: (request.metadata ?? {}) as Record<string, unknown>,
  };
}

export function fromRequestCarry(carry: RequestCarry): RequestFacts {
  return {
    id: carry.id,
    conversationId: carry.conversation_id,
    project: carry.project,
    env: carry.env,
    domain: carry.domain,
    source: carry.source,
    text: carry.text,
    occurredAt: new Date(carry.occurred_at),
    createdAt: new Date(carry.created_at),
    metadata: carry.metadata,
  };
}
