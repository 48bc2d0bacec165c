/**
 * Every queue, job and channel name loglore uses.
 *
 * WARNING: these names are stored in Redis with every queued job. Renaming one strands the
 * jobs already queued under the old name (no worker will ever take them). Add new names;
 * retire old ones only after their queues have drained.
 */

/** The analysis pipeline, in order. Each step has its own queue so processes can run any subset. */
export const STEPS = ['extract-params', 'find-similar', 'analyze', 'persist', 'pattern-stats'] as const;
export type Step = (typeof STEPS)[number];

/** The step that follows each step, or null at the end of the chain. */
export const NEXT_STEP: Record<Step, Step | null> = {
  'extract-params': 'find-similar',
  'find-similar': 'analyze',
  analyze: 'persist',
  persist: 'pattern-stats',
  'pattern-stats': null,
};

/** Queue name of each step (the same words, kept separate so either can change alone). */
export const QUEUE_NAMES = {
  'extract-params': 'extract-params',
  'find-similar': 'find-similar',
  analyze: 'analyze',
  persist: 'persist',
  'pattern-stats': 'pattern-stats',
} as const satisfies Record<Step, string>;

/**
 * Lanes: live traffic and backfills run on separate queues with separate workers, so a
 * backfill of 100k incidents never takes the worker slots live analyses need.
 */
export const LANES = ['live', 'backfill'] as const;
export type Lane = (typeof LANES)[number];

/** The queue of a step in a lane. */
export function queueName(step: Step, lane: Lane): string {
  return lane === 'live' ? QUEUE_NAMES[step] : `backfill-${QUEUE_NAMES[step]}`;
}

/**
 * BullMQ key prefix. The braces are a Redis Cluster hash tag: every key of every queue lands
 * in one slot, which BullMQ's multi-key scripts need.
 */
export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

/**
 * BullMQ key prefix of one queue on a Redis Cluster: a hash tag of its own per queue, so the
 * queues spread over the masters (BullMQ's advice) while each queue's keys share a slot.
 * Only on a cluster: on one Redis the layout stays `bullPrefix`'s, so an upgrade strands nothing.
 */
export function clusterQueuePrefix(prefix: string, queue: string): string {
  return `{${prefix}:${queue}}`;
}

/**
 * The job id of a step for a request. Deterministic, so adding it twice is a no-op while it
 * is pending; `generation` > 1 marks a re-enqueue by the reconciler (the first generation's
 * ids may still be held by finished jobs). BullMQ rejects `:` in custom ids.
 */
export function jobId(step: Step, requestId: string, generation = 1): string {
  return generation > 1 ? `${step}-${requestId}-g${generation}` : `${step}-${requestId}`;
}

/** Redis pub/sub channels of DESIGN.md "Step events". */
export const channels = {
  conversation: (prefix: string, conversationId: string) => `${prefix}:conversation:${conversationId}`,
  analysis: (prefix: string, requestId: string) => `${prefix}:analysis:${requestId}`,
  results: (prefix: string) => `${prefix}:results`,
};

/** Redis key of a cached analysis. */
export function cacheKey(prefix: string, parametersHash: string): string {
  return `${prefix}:cache:analysis:${parametersHash}`;
}

/**
 * The queue of periodic maintenance (retention, log_events partitions), and its jobs. Each job
 * is produced by a BullMQ job scheduler of the same id: every worker process upserts it, Redis
 * keeps one, and one worker takes each run.
 */
export const MAINTENANCE_QUEUE = 'maintenance';
export const MAINTENANCE_JOBS = ['retention'] as const;
export type MaintenanceJob = (typeof MAINTENANCE_JOBS)[number];
