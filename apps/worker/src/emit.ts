import type { StepEvent, StepName } from '@loglore/core';
import { appendAnalysisEvent, type AnalysisEventRow, type Db, type StoredEventHead } from '@loglore/db';
import { publishStepEvent, publishStepEvents } from '@loglore/queue';
import type { WorkerDeps } from './deps.ts';
import type { ObservedRequest } from './observe.ts';

export function toStepEvent(row: AnalysisEventRow): StepEvent {
  return {
    request_id: row.requestId,
    conversation_id: row.conversationId,
    seq: row.seq,
    step: row.step as StepName,
    at: row.at.toISOString(),
    payload: row.payload,
  };
}

/**
 * Stores a step event (once per step and request) and publishes what was stored. A replayed
 * step republishes the first payload with its original seq, so subscribers can de-duplicate;
 * the observer counts it only the first time.
 */
export async function emitStepEvent(
  deps: Pick<WorkerDeps, 'db' | 'redis' | 'config' | 'observer'>,
  request: ObservedRequest & { conversationId: string | null },
  step: StepName,
  payload: Record<string, unknown>,
): Promise<StepEvent> {
  const stored = await storeStepEvent(deps.db, request, step, payload);
  await publishStored(deps, stored, request);
  return stored.event;
}

/** A stored event, and whether this call stored it (false: an earlier run of the step had). */
export interface StoredStep {
  event: StepEvent;
  inserted: boolean;
}

/** Stores an event inside a transaction; publish it with {@link publishStored} after commit. */
export async function storeStepEvent(
  db: Db,
  request: { id: string; conversationId: string | null },
  step: StepName,
  payload: Record<string, unknown>,
): Promise<StoredStep> {
  const { inserted, ...row } = await appendAnalysisEvent(db, { requestId: request.id, conversationId: request.conversationId, step, payload });
  return { event: toStepEvent(row), inserted };
}

/**
 * Publishes a stored event. The observer (metrics, the finished-analysis log line) sees it when
 * this run stored it, so a replayed step counts nothing twice.
 */
export async function publishStored(deps: Pick<WorkerDeps, 'redis' | 'config' | 'observer'>, stored: StoredStep, request?: ObservedRequest): Promise<void> {
  await publishStepEvent(deps.redis, deps.config.queuePrefix, stored.event);
  if (stored.inserted) deps.observer?.published(stored.event, request ?? { id: stored.event.request_id });
}

/**
 * Publishes events a step stored in this run from the payloads it holds (the store returned
 * only their seq and instant), in one round trip.
 */
export async function publishHeld(
  deps: Pick<WorkerDeps, 'redis' | 'config' | 'observer'>,
  request: ObservedRequest & { conversationId: string | null },
  held: readonly { head: StoredEventHead; payload: Record<string, unknown> }[],
): Promise<StepEvent[]> {
  const events = held.map(({ head, payload }) => ({
    request_id: request.id,
    conversation_id: request.conversationId,
    seq: head.seq,
    step: head.step as StepName,
    at: head.at.toISOString(),
    payload,
  }));
  await publishStepEvents(deps.redis, deps.config.queuePrefix, events);
  for (const event of events) deps.observer?.published(event, request);
  return events;
}
