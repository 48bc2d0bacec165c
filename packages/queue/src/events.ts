import { Cluster } from 'ioredis';
import type { StepEvent } from '@loglore/core';
import type { RedisClient } from './connection.ts';
import { channels } from './names.ts';

/** The channels a step event goes to: its analysis, its conversation, and the results channel for final events. */
function channelsOf(prefix: string, event: StepEvent): string[] {
  return [
    channels.analysis(prefix, event.request_id),
    ...(event.conversation_id ? [channels.conversation(prefix, event.conversation_id)] : []),
    ...(event.step === 'completed' || event.step === 'failed' ? [channels.results(prefix)] : []),
  ];
}

/**
 * Publishes a step event on its analysis channel, its conversation channel and, for final
 * events, on the results channel. Pub/sub is at-most-once: the same event is kept in
 * Postgres for replay, and a retried step republishes it with the same `seq`.
 *
 * On a Redis Cluster the channels are sharded (SPUBLISH; subscribe with SSUBSCRIBE): a
 * channel lives on its slot's master, so one channel's events arrive in the order they were
 * published. Classic PUBLISH on a cluster is sent to any node and forwarded over the bus, so
 * two events of one analysis published through different nodes could arrive swapped (and
 * every message would reach every node).
 */
export async function publishStepEvent(redis: RedisClient, prefix: string, event: StepEvent): Promise<void> {
  await publishStepEvents(redis, prefix, [event]);
}

/** Publishes several events (one step's, in order): in one round trip, or on a cluster one event after the other. */
export async function publishStepEvents(redis: RedisClient, prefix: string, events: readonly StepEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (redis instanceof Cluster) {
    // Each channel on its own slot: one command each, not one pipeline; an event's commands all
    // answered before the next event's are sent keeps each channel in order.
    for (const event of events) {
      const message = JSON.stringify(event);
      await Promise.all(channelsOf(prefix, event).map((channel) => redis.spublish(channel, message)));
    }
    return;
  }
  const pipeline = redis.pipeline();
  for (const event of events) {
    const message = JSON.stringify(event);
    for (const channel of channelsOf(prefix, event)) pipeline.publish(channel, message);
  }
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

/**
 * `redis` is a 'subscriber' connection (`createRedis(address, 'subscriber')`); on a cluster it
 * subscribes to the sharded channels `publishStepEvent` publishes on.
 */
export function createEventSubscriber(redis: RedisClient): EventSubscriber {
  const listeners = new Map<string, Set<EventListener>>();
  const sharded = redis instanceof Cluster;
  redis.on(sharded ? 'smessage' : 'message', (channel: string, message: string) => {
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
        await (sharded ? redis.ssubscribe(channel) : redis.subscribe(channel));
      }
      set.add(listener);
      return async () => {
        const current = listeners.get(channel);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) {
          listeners.delete(channel);
          await (sharded ? redis.sunsubscribe(channel) : redis.unsubscribe(channel)).catch(() => {});
        }
      };
    },
    async close() {
      listeners.clear();
      redis.disconnect();
    },
  };
}
