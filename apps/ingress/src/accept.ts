import { redactText, type AnalysisSource } from '@loglore/core';
import { createAnalysisRequest, storeMessage, withdrawAnalysisRequest, type AnalysisRequest } from '@loglore/db';
import { toRequestCarry, withCarry } from '@loglore/queue';
import type { IngressDeps } from './deps.ts';
import { isUnavailableError, notFound, unavailable } from './errors.ts';
import { withTimeout } from './timeout.ts';

export interface AcceptInput {
  text: string;
  source: AnalysisSource;
  conversationId: string | null;
  /** Explicit hints; they win over what extraction finds in the text. */
  project: string | null;
  env: string | null;
  domain: string | null;
  occurredAt?: Date | undefined;
  idempotencyKey?: string | null | undefined;
  /** Request data that is not a column (alert labels...). Stored as given: redact it first. */
  metadata?: Record<string, unknown> | undefined;
}

export interface Accepted {
  request: AnalysisRequest;
  /** False when an idempotency key answered an earlier request: nothing was written or enqueued. */
  created: boolean;
}

/** How long enqueueing may take before the request is taken back and the client told to retry. */
const ENQUEUE_TIMEOUT_MS = 3_000;

/**
 * Accepts one analysis: the redacted text is stored as a `queued` request (and, inside a
 * conversation, as the user turn that asked it) in one transaction, then its first job is
 * enqueued. Postgres is the record of truth, so the row exists before any worker can look for
 * it. When Redis cannot take the job the rows are deleted again and the caller gets 503 with
 * Retry-After: nothing is ever half-accepted. A repeated idempotency key returns the earlier
 * request as it is now; while that one is still queued its first job is added again (a no-op
 * when it is pending), in case the first attempt committed but never enqueued.
 */
export async function acceptAnalysis(deps: Pick<IngressDeps, 'db' | 'pipeline' | 'logger'>, input: AcceptInput): Promise<Accepted> {
  // Secrets in a question must not reach the database, the queue or a model.
  const text = redactText(input.text);
  let accepted: Accepted;
  try {
    const row = {
      source: input.source,
      text,
      conversationId: input.conversationId,
      project: input.project,
      env: input.env,
      domain: input.domain,
      idempotencyKey: input.idempotencyKey ?? null,
      metadata: input.metadata ?? {},
      ...(input.occurredAt ? { occurredAt: input.occurredAt } : {}),
    };
    const conversationId = input.conversationId;
    // Outside a conversation the request is one row: one statement, no transaction around it.
    accepted = conversationId
      ? await deps.db.transaction(async (tx) => {
          const { request, created } = await createAnalysisRequest(tx, row);
          if (created) await storeMessage(tx, { conversationId, role: 'user', content: text, requestId: request.id });
          return { request, created };
        })
      : await createAnalysisRequest(deps.db, row);
  } catch (error) {
    if (isUnavailableError(error)) throw unavailable('the database');
    // The conversation was deleted between its look-up and this insert.
    if (pgCode(error) === '23503') throw notFound('conversation');
    throw error;
  }
  if (!accepted.created) {
    // A retry after a lost answer: the first attempt may have committed and then failed to
    // enqueue (Postgres dropped the connection after COMMIT). Enqueueing again is a no-op while
    // its job is pending and saves the request from waiting for the reconciler.
    if (accepted.request.status === 'queued') {
      const data = { request_id: accepted.request.id, generation: accepted.request.enqueueCount };
      await withTimeout(deps.pipeline.enqueue('extract-params', data), ENQUEUE_TIMEOUT_MS).catch(() => {});
    }
    return accepted;
  }

  try {
    // The request as stored travels with its first job, so extract-params need not read it back.
    const data = withCarry({ request_id: accepted.request.id, generation: 1 }, { request: toRequestCarry(accepted.request) });
    await withTimeout(deps.pipeline.enqueue('extract-params', data), ENQUEUE_TIMEOUT_MS);
  } catch (error) {
    deps.logger.warn({ err: error, request_id: accepted.request.id }, 'could not enqueue; withdrawing the request');
    try {
      await withdrawAnalysisRequest(deps.db, accepted.request.id);
    } catch (withdrawError) {
      // Left queued in Postgres, the reconciler enqueues it once Redis is back; the client,
      // told to retry, may then see it twice, which is better than never.
      deps.logger.error({ err: withdrawError, request_id: accepted.request.id }, 'could not withdraw an unenqueued request');
    }
    throw unavailable('the queue');
  }
  return accepted;
}

/** The Postgres SQLSTATE of an error, looking through drizzle's wrapping. */
export function pgCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
