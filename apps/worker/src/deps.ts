import type { Config, ExtractorConfig } from '@loglore/core';
import type { Db } from '@loglore/db';
import type { LlmClient } from '@loglore/llm';
import type { AnalysisCache, Pipeline, RedisClient } from '@loglore/queue';
import type { Logger } from 'pino';
import type { WorkerObserver } from './observe.ts';

/** Everything a step needs, built once by the entry point; steps never see the BullMQ job. */
export interface WorkerDeps {
  config: Config;
  db: Db;
  /** Command connection: publishing step events and the analysis cache. */
  redis: RedisClient;
  pipeline: Pipeline;
  cache: AnalysisCache;
  logger: Logger;
  extractor: ExtractorConfig;
  /** Null: no model configured, the deterministic analyser and extractor run alone. */
  llm: LlmClient | null;
  /** Metrics and logs of the pipeline (see observe.ts); none when absent. */
  observer?: WorkerObserver;
}
