import type { Config } from '@loglore/core';
import type { Db } from '@loglore/db';
import type { Logger } from 'pino';

/** What the HTTP layer needs, built once by the entry point. */
export interface IngressDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** Round trips for /readyz. */
  checks: { database(): Promise<void>; redis(): Promise<void> };
}
