import type { Config } from '@loglore/core';
import type { Db } from '@loglore/db';
import type { EventSubscriber, Pipeline, RedisClient } from '@loglore/queue';
import type { Logger } from 'pino';

/** What the HTTP layer needs, built once by the entry point. */
export interface IngressDeps {
  /** `config.queuePrefix` names the pub/sub channels; `config.apiKeys` turns auth on. */
  config: Config;
  db: Db;
  logger: Logger;
  /** Round trips for /readyz. */
  checks: { database(): Promise<void>; redis(): Promise<void> };
  /** The queues, as a producer (fails fast while Redis is down, so accepting answers 503). */
  pipeline: Pipeline;
  /** A command connection: publishing, cache, pings. */
  redis: RedisClient;
  /** The one pub/sub connection every SSE client shares. */
  subscriber: EventSubscriber;
}
