/**
 * loglore's configuration, read from the environment (12-factor) and validated once at
 * start-up. Parsing takes the environment as an argument so it stays pure and testable.
 */
import { z } from 'zod';
import { clusterAddressOf, parseRedisAddress } from './redis-address.ts';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const intFrom = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

/** `key1=projA,projB;key2=*` → key → projects ('*' = every project). */
export type ApiKeys = Map<string, '*' | ReadonlySet<string>>;

export function parseApiKeys(spec: string): ApiKeys {
  const keys: ApiKeys = new Map();
  for (const entry of spec.split(';')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`LOGLORE_API_KEYS entry "${trimmed.slice(0, 8)}…" must look like key=projA,projB or key=*`);
    const key = trimmed.slice(0, eq).trim();
    const projects = trimmed
      .slice(eq + 1)
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    keys.set(key, projects.includes('*') ? '*' : new Set(projects));
  }
  return keys;
}

const EnvSchema = z.object({
  DATABASE_URL: optionalString,
  REDIS_URL: z
    .string()
    .optional()
    .default('redis://127.0.0.1:6379')
    .superRefine((v, ctx) => {
      try {
        parseRedisAddress(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  /** `host:port,host:port`: a Redis Cluster's seed nodes; set, it wins over REDIS_URL. */
  REDIS_CLUSTER_NODES: optionalString.transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      return clusterAddressOf(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  PORT: intFrom(3000, 0, 65535),
  METRICS_PORT: intFrom(0, 0, 65535),
  HOST: z.string().optional().default('127.0.0.1'),
  LOGLORE_DATA_DIR: z.string().optional().default('./.loglore'),
  LOGLORE_API_KEYS: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  LLM_MODEL: optionalString,
  QUEUE_PREFIX: z
    .string()
    .optional()
    .default('loglore')
    .refine((v) => /^[A-Za-z0-9_-]+$/.test(v), 'may hold only letters, digits, _ and -'),
  CACHE_TTL_SECONDS: intFrom(3600, 0, 30 * 86_400),
  WORKER_CONCURRENCY: intFrom(8, 1, 1000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional().default('info'),
  LOGLORE_EXTRACTOR_CONFIG: optionalString,
  LOGLORE_GRAFANA_SECRET: optionalString,
  LOGLORE_METRICS_KEY: optionalString,
  LOGLORE_ALERT_LABELS: optionalString,
  LOGLORE_ALERT_LEAD_MINUTES: intFrom(30, 1, 24 * 60),
  LOGLORE_ALERT_SPAN_MINUTES: intFrom(60, 1, 7 * 24 * 60),
  SHUTDOWN_TIMEOUT_MS: intFrom(20_000, 0, 600_000),
  // Days kept by default (0: for ever); a project's own setting (project_retention) wins.
  LOGLORE_RETENTION_LOG_DAYS: intFrom(0, 0, 100 * 365),
  LOGLORE_RETENTION_ANALYSIS_DAYS: intFrom(0, 0, 100 * 365),
  LOGLORE_RETENTION_EVENT_DAYS: intFrom(0, 0, 100 * 365),
  LOGLORE_RETENTION_MESSAGE_DAYS: intFrom(0, 0, 100 * 365),
  LOGLORE_MAINTENANCE_INTERVAL_MINUTES: intFrom(60, 0, 7 * 24 * 60),
});

/** Days each kind of row is kept unless its project says otherwise; 0 keeps it for ever. */
export interface RetentionDefaults {
  /** log_events, by the event's own instant. */
  logs: number;
  /** Analyses (requests and memory), by when they were made. */
  analyses: number;
  /** Step events kept for replay; never longer than their analysis. */
  events: number;
  /** Conversation messages. */
  messages: number;
}

export interface Config {
  databaseUrl: string | undefined;
  /**
   * A Redis URL, or a Redis Cluster's address (`redis+cluster://host:port,host:port`, from
   * REDIS_CLUSTER_NODES or written so in REDIS_URL); see `parseRedisAddress`.
   */
  redisUrl: string;
  port: number;
  host: string;
  dataDir: string;
  apiKeys: ApiKeys | undefined;
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  llmModel: string | undefined;
  queuePrefix: string;
  cacheTtlSeconds: number;
  workerConcurrency: number;
  logLevel: string;
  /** Path of a JSON file overriding the parameter extractor's vocabulary and defaults. */
  extractorConfigPath: string | undefined;
  grafanaSecret: string | undefined;
  /** A key for /metrics only (Prometheus' bearer or basic auth), besides the API keys. */
  metricsKey: string | undefined;
  /** `loglore worker` serves its own /metrics on this port; 0 (unset): none. */
  metricsPort: number;
  /** `param=label1,label2;...` overrides of the alert label mapping. */
  alertLabels: string | undefined;
  /** An alert's window opens this long before its startsAt (errors begin before it fires). */
  alertLeadMinutes: number;
  /** ...and ends at the delivery, or this long after startsAt when delivered later (historical alerts). */
  alertSpanMinutes: number;
  shutdownTimeoutMs: number;
  retention: RetentionDefaults;
  /**
   * How often the maintenance job runs (retention, log_events partitions ahead of time), in
   * minutes; 0: this process neither schedules nor runs it.
   */
  maintenanceIntervalMinutes: number;
}

/** Validates the environment; throws one error naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_CLUSTER_NODES ?? e.REDIS_URL,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.LOGLORE_DATA_DIR,
    apiKeys: e.LOGLORE_API_KEYS ? parseApiKeys(e.LOGLORE_API_KEYS) : undefined,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    llmModel: e.LLM_MODEL,
    queuePrefix: e.QUEUE_PREFIX,
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
    extractorConfigPath: e.LOGLORE_EXTRACTOR_CONFIG,
    grafanaSecret: e.LOGLORE_GRAFANA_SECRET,
    metricsKey: e.LOGLORE_METRICS_KEY,
    metricsPort: e.METRICS_PORT,
    alertLabels: e.LOGLORE_ALERT_LABELS,
    alertLeadMinutes: e.LOGLORE_ALERT_LEAD_MINUTES,
    alertSpanMinutes: e.LOGLORE_ALERT_SPAN_MINUTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    retention: {
      logs: e.LOGLORE_RETENTION_LOG_DAYS,
      analyses: e.LOGLORE_RETENTION_ANALYSIS_DAYS,
      events: e.LOGLORE_RETENTION_EVENT_DAYS,
      messages: e.LOGLORE_RETENTION_MESSAGE_DAYS,
    },
    maintenanceIntervalMinutes: e.LOGLORE_MAINTENANCE_INTERVAL_MINUTES,
  };
}
