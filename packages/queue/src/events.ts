import type { Redis } from 'ioredis';
import type { StepEvent } from '@loglore/core';
import { channels } from './names.ts';

/**
 * Publishes a step event on its analysis channel, its conversation channel and, for final
 * events, on the results channel. Pub/sub is at-most-once: the same event is kept in
 * Postgres for replay, and a retried step republishes it with the same `seq`.
 */
export async function publishStepEvent(redis: Redis, prefix: string, event: StepEvent): Promise<void> {
  const message = JSON.stringify(event);
  const pipeline = redis.pipeline();
  pipeline.publish(channels.analysis(prefix, event.request_id), message);
  if (event.conversation_id) pipeline.publish(channels.conversation(prefix, event.conversation_id), message);
  if (event.step === 'completed' || event.step === 'failed') pipeline.publish(channels.results(prefix), message);
  const results = await pipeline.exec();
  const failed = results?.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}

export type EventListener = (event: StepEvent) => void;

/**
 * One subscriber connection shared by many listeners (SSE clients): subscribing is counted
 * per channel, so the connection holds only channels somebody listens to.
 */
export interface EventSubscriber {
  subscribe(channel: string, listener: EventListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createEventSubscriber(redis: Redis): EventSubscriber {
  const listeners = new Map<string, Set<EventListener>>();
  redis.on('message', (channel: string, message: string) => {
    const set = listeners.get(channel);
    if (!set) return;
    let event: StepEvent;
    try {
      event = JSON.parse(message) as StepEvent;
    } catch {
      return;
    }
    for (const listener of set) listener(event);
  });
  return {
    async subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await redis.subscribe(channel);
      }
      set.add(listener);
      return async () => {
        const current = listeners.get(channel);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) {
          listeners.delete(channel);
          await redis.unsubscribe(channel).catch(() => {});
        }
      };
    },
    async close() {
      listeners.clear();
      redis.disconnect();
    },
  };
}
