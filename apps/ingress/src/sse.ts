import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { StepEvent } from '@loglore/core';
import { getAnalysisRequest, listAnalysisEvents, listConversationEvents, type AnalysisEventRow } from '@loglore/db';
import { channels } from '@loglore/queue';
import type { IngressDeps } from './deps.ts';
import { unavailable } from './errors.ts';
import { withTimeout } from './timeout.ts';

/** The wire shape of a stored event (DESIGN.md "Step events"). */
export function toStepEvent(row: AnalysisEventRow): StepEvent {
  return {
    request_id: row.requestId,
    conversation_id: row.conversationId,
    seq: row.seq,
    step: row.step as StepEvent['step'],
    at: row.at.toISOString(),
    payload: row.payload,
  };
}

const isFinal = (event: StepEvent) => event.step === 'completed' || event.step === 'failed';

/** Open SSE streams, so shutdown can end them (an open stream would hold the server open). */
export class StreamHub {
  readonly #closers = new Set<() => void>();
  #closed = false;

  add(close: () => void): () => void {
    if (this.#closed) close();
    this.#closers.add(close);
    return () => this.#closers.delete(close);
  }

  get size(): number {
    return this.#closers.size;
  }

  closeAll(): void {
    this.#closed = true;
    for (const close of this.#closers) close();
    this.#closers.clear();
  }
}

/** Live events waiting to be written, in arrival order; `next` waits for one, a timeout or close. */
class Inbox {
  #items: StepEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  push(event: StepEvent): void {
    if (this.#closed) return;
    this.#items.push(event);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async next(timeoutMs: number): Promise<StepEvent | 'timeout' | 'closed'> {
    if (this.#items.length === 0 && !this.#closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    if (this.#closed) return 'closed';
    return this.#items.shift() ?? 'timeout';
  }
}

export interface StreamOptions {
  heartbeatMs: number;
  hub: StreamHub;
}

type Deps = Pick<IngressDeps, 'db' | 'subscriber' | 'config' | 'logger'>;

async function write(stream: SSEStreamingApi, event: StepEvent): Promise<void> {
  await stream.writeSSE({ id: String(event.seq), event: event.step, data: JSON.stringify(event) });
}

/** The subscriber connection waits out Redis outages; an SSE client is told 503 instead. */
const SUBSCRIBE_TIMEOUT_MS = 3_000;

/**
 * Subscribes before anything is read from Postgres, so an event published between the replay
 * query and the subscription cannot fall through the gap; duplicates that overlap are dropped
 * by `seq`. A subscription that Redis refuses is a 503 before the stream starts.
 */
async function subscribe(deps: Deps, channel: string, inbox: Inbox): Promise<() => Promise<void>> {
  const subscribing = deps.subscriber.subscribe(channel, (event) => inbox.push(event));
  try {
    return await withTimeout(subscribing, SUBSCRIBE_TIMEOUT_MS);
  } catch (error) {
    // A subscription that completes after we gave up must not stay behind.
    subscribing.then((unsubscribe) => unsubscribe()).catch(() => {});
    deps.logger.warn({ err: error, channel }, 'could not subscribe');
    throw unavailable('the event stream');
  }
}

function sse(
  c: Context,
  deps: Deps,
  options: StreamOptions,
  unsubscribe: () => Promise<void>,
  inbox: Inbox,
  run: (stream: SSEStreamingApi) => Promise<void>,
): Response {
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const forget = options.hub.add(() => inbox.close());
    stream.onAbort(() => inbox.close());
    try {
      // Flushes the headers at once, so EventSource clients see the stream open.
      await stream.write(': connected\n\n');
      await run(stream);
    } catch (error) {
      deps.logger.warn({ err: error }, 'event stream ended by an error');
    } finally {
      forget();
      await unsubscribe().catch(() => {});
    }
  });
}

/**
 * The SSE stream of one analysis: stored events after `afterSeq`, then live ones, each once
 * and in `seq` order, closed after `completed` or `failed`. A live event that skips a `seq`
 * (pub/sub dropped one) and every heartbeat re-read the stored events, which are written
 * before they are published, so nothing is missed while the stream is open. A request that
 * ended without a final event (the worker died between its last two writes) is closed after
 * two heartbeats that find it finished.
 */
export async function streamAnalysis(
  c: Context,
  deps: Deps,
  options: StreamOptions,
  request: { id: string },
  afterSeq: number,
): Promise<Response> {
  const inbox = new Inbox();
  const unsubscribe = await subscribe(deps, channels.analysis(deps.config.queuePrefix, request.id), inbox);
  return sse(c, deps, options, unsubscribe, inbox, async (stream) => {
    let last = afterSeq;
    let done = false;
    let finishedTicks = 0;
    const send = async (event: StepEvent) => {
      // A retried step republishes its event with the same seq.
      if (done || event.seq <= last) return;
      await write(stream, event);
      last = event.seq;
      done = isFinal(event);
    };
    const catchUp = async () => {
      for (const row of await listAnalysisEvents(deps.db, request.id, last)) await send(toStepEvent(row));
    };

    await catchUp();
    while (!done && !stream.aborted) {
      const next = await inbox.next(options.heartbeatMs);
      if (next === 'closed') break;
      if (next === 'timeout') {
        await stream.write(': heartbeat\n\n');
        await catchUp();
        const status = done ? undefined : (await getAnalysisRequest(deps.db, request.id))?.status;
        finishedTicks = status === undefined || status === 'completed' || status === 'failed' ? finishedTicks + 1 : 0;
        if (finishedTicks >= 2) break;
        continue;
      }
      if (next.seq > last + 1) await catchUp();
      await send(next);
    }
  });
}

/**
 * The SSE stream of a conversation: every stored event of its analyses, then live ones, each
 * (request_id, seq) once and in order per request, only of the requests `visible` admits (the
 * key's projects). It stays open until the client leaves. `Last-Event-ID` is not used here: a
 * seq names an event only within one analysis.
 */
export async function streamConversation(
  c: Context,
  deps: Deps,
  options: StreamOptions,
  conversationId: string,
  visible: (requestId: string) => Promise<boolean>,
): Promise<Response> {
  const inbox = new Inbox();
  const unsubscribe = await subscribe(deps, channels.conversation(deps.config.queuePrefix, conversationId), inbox);
  return sse(c, deps, options, unsubscribe, inbox, async (stream) => {
    const lastSeq = new Map<string, number>();
    const send = async (event: StepEvent) => {
      if (event.seq <= (lastSeq.get(event.request_id) ?? 0)) return;
      // Skipped events still advance the seq, so they never look like a gap to catch up on.
      if (await visible(event.request_id)) await write(stream, event);
      lastSeq.set(event.request_id, event.seq);
    };

    for (const row of await listConversationEvents(deps.db, conversationId)) await send(toStepEvent(row));
    while (!stream.aborted) {
      const next = await inbox.next(options.heartbeatMs);
      if (next === 'closed') break;
      if (next === 'timeout') {
        await stream.write(': heartbeat\n\n');
        continue;
      }
      const last = lastSeq.get(next.request_id) ?? 0;
      if (next.seq > last + 1) {
        for (const row of await listAnalysisEvents(deps.db, next.request_id, last)) await send(toStepEvent(row));
      }
      await send(next);
    }
  });
}
