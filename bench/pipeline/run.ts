// Pipeline benchmark: N analyses end to end (accept → params → similar → analysis →
// verification → persist → completed, deterministic analyser, log events loaded) against
// a bare BullMQ chain of the same number of no-op steps on the same Redis, in the same run.
//
//   npx tsx bench/pipeline/run.ts            quick: 200 analyses, 100/s for 5 s, 50k log events
//   npx tsx bench/pipeline/run.ts --full     400 analyses, 100/s for 10 s, 100k log events
//   (BENCH_ANALYSES, BENCH_RATE, BENCH_SECONDS, BENCH_EVENTS override either)
//
// Prints analyses/s for both, the ratio, p50/p99 from accept to `completed` at a steady rate,
// and the SQL statements and bytes (on the Postgres sockets, both ways) per analysis of the
// burst. Writes bench/results/pipeline.json and docs/charts/pipeline.svg.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { REFERENCE_PATTERNS, type LogEvent } from '@loglore/core';
import { sql } from 'drizzle-orm';
import { insertLogEvents, queryRows, seedReferencePatterns } from '@loglore/db';
import { createTestDatabase } from '@loglore/db/testing';
import { acceptAnalysis } from '@loglore/ingress';
import { bullPrefix, channels, createPipeline, createRedis, STEPS } from '@loglore/queue';
import { startWorker, STEP_MODULES } from '@loglore/worker';
import { createTestWorkerDeps, deleteKeys, TEST_REDIS_URL } from '../../apps/worker/src/testing.ts';
import pg from 'pg';
import { benchMode, higherIsBetter, lowerIsBetter, ratioAtLeast, writeResult } from '../lib/results.ts';
import { barChartSvg, round, summarize, table } from '../lib/stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FULL = benchMode() === 'full';
const N = Number(process.env.BENCH_ANALYSES ?? (FULL ? 400 : 200));
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (FULL ? 10 : 5));
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 8);
const EVENTS = Number(process.env.BENCH_EVENTS ?? (FULL ? 100_000 : 50_000));
const AT = Date.parse('2026-11-25T12:00:00Z');
const PROJECTS = ['payments', 'wallet', 'cards', 'lending'];
const ENVS = ['prod', 'staging'];

/** 100k events over six hours before AT: mostly info noise, some error incidents per scope. */
function logEvents(): LogEvent[] {
  const out: LogEvent[] = [];
  const failures = [
    'Connection pool exhausted: timeout after 30000ms waiting for connection (active=50, idle=0)',
    'NPSB switch unavailable: connect ECONNREFUSED 10.0.4.17:7001',
    'upstream returned 503 Service Unavailable from fraud-scoring',
    'Deadlock detected while updating ledger entry 88123',
  ];
  for (let i = 0; i < EVENTS; i++) {
    const project = PROJECTS[i % PROJECTS.length]!;
    const env = ENVS[(i >> 2) % ENVS.length]!;
    const error = i % 10 === 0;
    out.push({
      ts: new Date(AT - 6 * 3600_000 + Math.floor((i / EVENTS) * 6 * 3600_000)).toISOString(),
      project,
      env,
      domain: 'transactions',
      service: `svc-${i % 7}`,
      level: error ? 'error' : 'info',
      trace_id: error ? randomBytes(8).toString('hex') : null,
      message: error ? failures[(i >> 3) % failures.length]! : `transfer ${i} accepted for account ${i % 997}`,
      attrs: {},
    });
  }
  return out;
}

/**
 * Every statement any pg client of this process sends (BEGIN and COMMIT included), and the bytes
 * its socket wrote and read: what one analysis costs in round trips, whatever layer issued them.
 */
const sqlCount = { statements: 0, clients: new Set<pg.Client>() };
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  sqlCount.statements++;
  sqlCount.clients.add(this);
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;
function sqlSnapshot(): { statements: number; written: number; read: number } {
  let written = 0;
  let read = 0;
  for (const client of sqlCount.clients) {
    const stream = (client as unknown as { connection?: { stream?: { bytesWritten?: number; bytesRead?: number } } }).connection?.stream;
    written += stream?.bytesWritten ?? 0;
    read += stream?.bytesRead ?? 0;
  }
  return { statements: sqlCount.statements, written, read };
}

/** Bare BullMQ: a chain of STEPS.length no-op jobs per item, each adding the next. */
async function bareChain(n: number, mode: { rate?: number }): Promise<{ seconds: number; latencies: number[] }> {
  const prefix = bullPrefix(`benchbare${randomBytes(4).toString('hex')}`);
  const connection = { url: TEST_REDIS_URL, maxRetriesPerRequest: null };
  const queues = STEPS.map((s) => new Queue(s, { connection, prefix }));
  const started = new Map<string, number>();
  const latencies: number[] = [];
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const workers = STEPS.map(
    (step, i) =>
      new Worker(
        step,
        async (job) => {
          const next = queues[i + 1];
          if (next) await next.add(STEPS[i + 1]!, job.data, { jobId: `${STEPS[i + 1]}-${job.data.id}`, removeOnComplete: true });
          else {
            latencies.push(performance.now() - started.get(job.data.id)!);
            if (++done === n) finish();
          }
        },
        { connection, prefix, concurrency: CONCURRENCY },
      ),
  );
  const t0 = performance.now();
  await submit(n, mode.rate, async (i) => {
    const id = `r${i}`;
    started.set(id, performance.now());
    await queues[0]!.add(STEPS[0], { id }, { jobId: `${STEPS[0]}-${id}`, removeOnComplete: true });
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(queues.map((q) => q.obliterate({ force: true }).then(() => q.close())));
  return { seconds, latencies };
}

/** Calls `fn(i)` n times: all at once, or at a steady rate per second. */
async function submit(n: number, rate: number | undefined, fn: (i: number) => Promise<void>): Promise<void> {
  if (!rate) {
    await Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
    return;
  }
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fn(i));
  }
  await Promise.all(pending);
}

async function main() {
  process.stdout.write(`pipeline benchmark: ${N} analyses burst, ${RATE}/s for ${SECONDS}s steady, concurrency ${CONCURRENCY}, ${EVENTS} log events\n`);
  const database = await createTestDatabase({ max: Number(process.env.BENCH_POOL ?? 20) });
  await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
  const events = logEvents();
  const tLoad = performance.now();
  await insertLogEvents(database.db, events);
  process.stdout.write(`loaded ${events.length} log events in ${round((performance.now() - tLoad) / 1000)} s\n`);
  // Planner statistics, as autovacuum would gather them shortly after a load this size.
  await queryRows(database.db, sql`analyze log_events`);

  // Every analysis asks a different question (its own window), so the cache never answers.
  const deps = createTestWorkerDeps(database.db, undefined, { CACHE_TTL_SECONDS: '0', WORKER_CONCURRENCY: String(CONCURRENCY) });
  // Time each step's handler, to show where an analysis spends its time.
  const stepMs: Record<string, number[]> = {};
  const modules = Object.fromEntries(
    Object.entries(STEP_MODULES).map(([step, module]) => [
      step,
      {
        handle: async (data: Parameters<typeof module.handle>[0], d: Parameters<typeof module.handle>[1]) => {
          const t = performance.now();
          try {
            return await module.handle(data, d);
          } finally {
            (stepMs[step] ??= []).push(performance.now() - t);
          }
        },
      },
    ]),
  ) as typeof STEP_MODULES;
  const worker = startWorker(deps, { concurrency: CONCURRENCY, reconciler: false, modules });
  const producer = createPipeline({ redisUrl: TEST_REDIS_URL, prefix: deps.config.queuePrefix, role: 'producer' });
  const subscriber = createRedis(TEST_REDIS_URL, 'subscriber');
  const accepted = new Map<string, number>();
  const completedAt = new Map<string, number>();
  let waiters: { count: number; resolve: () => void }[] = [];
  subscriber.on('message', (_channel: string, message: string) => {
    const event = JSON.parse(message) as { request_id: string; step: string };
    if (event.step !== 'completed' && event.step !== 'failed') return;
    if (event.step === 'failed') process.stderr.write(`failed: ${message}\n`);
    completedAt.set(event.request_id, performance.now());
    waiters = waiters.filter((w) => (completedAt.size >= w.count ? (w.resolve(), false) : true));
  });
  await subscriber.subscribe(channels.results(deps.config.queuePrefix));
  const idle = async () => {
    for (let i = 0; i < 400; i++) {
      const counts = await Promise.all(Object.values(deps.pipeline.queues).map((q) => q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')));
      if (counts.every((c) => c === 0)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const until = (count: number) => new Promise<void>((resolve) => (completedAt.size >= count ? resolve() : waiters.push({ count, resolve })));

  let serial = 0;
  const ask = async () => {
    const k = serial++;
    const project = PROJECTS[k % PROJECTS.length]!;
    const env = ENVS[(k >> 2) % ENVS.length]!;
    const minutes = 20 + (k % 200);
    const t = performance.now();
    const { request } = await acceptAnalysis(
      { db: database.db, pipeline: producer, logger: pino({ level: 'silent' }) },
      { text: `errors in ${project} ${env} transactions in the last ${minutes} minutes`, source: 'api', project, env, domain: null, conversationId: null, occurredAt: new Date(AT - (k % 50) * 1000) },
    );
    accepted.set(request.id, t);
  };
  const latencies = () => [...completedAt.entries()].filter(([id]) => accepted.has(id)).map(([id, t]) => t - accepted.get(id)!);

  // Warm up (JIT, connections, plans).
  await submit(20, undefined, ask);
  await until(20);
  accepted.clear();
  completedAt.clear();

  // Burst: throughput. Pattern-stats runs after `completed`; its statements are counted once
  // the queues are idle again.
  const sqlBefore = sqlSnapshot();
  let t0 = performance.now();
  await submit(N, undefined, ask);
  await until(N);
  const burstSeconds = (performance.now() - t0) / 1000;
  await idle();
  const sqlAfter = sqlSnapshot();
  const perAnalysis = {
    statements: round((sqlAfter.statements - sqlBefore.statements) / N, 2),
    bytes_sent: Math.round((sqlAfter.written - sqlBefore.written) / N),
    bytes_received: Math.round((sqlAfter.read - sqlBefore.read) / N),
  };
  process.stdout.write(`SQL per analysis: ${perAnalysis.statements} statements, ${perAnalysis.bytes_sent} bytes sent, ${perAnalysis.bytes_received} bytes received\n`);
  const burst = summarize(latencies());
  const stepTimes = Object.fromEntries(Object.entries(stepMs).map(([step, ms]) => [step, summarize(ms)]));
  process.stdout.write(`step handler times during the burst (ms):\n${table(Object.entries(stepTimes).map(([step, t]) => ({ step, p50: t.p50, p99: t.p99, n: t.n })))}\n`);
  for (const k of Object.keys(stepMs)) delete stepMs[k];
  accepted.clear();
  completedAt.clear();

  // Steady rate: latency.
  t0 = performance.now();
  await submit(RATE * SECONDS, RATE, ask);
  await until(RATE * SECONDS);
  const steadySeconds = (performance.now() - t0) / 1000;
  const steady = summarize(latencies());

  await worker.close(10_000);
  await producer.close();
  subscriber.disconnect();
  await deleteKeys(deps.redis, deps.config.queuePrefix);
  await deps.close();

  const bare = await bareChain(N, {});
  const bareSteady = await bareChain(RATE * SECONDS, { rate: RATE });
  await database.drop();

  const loglorePerSec = N / burstSeconds;
  const barePerSec = N / bare.seconds;
  const result = {
    analyses: N,
    concurrency: CONCURRENCY,
    log_events: EVENTS,
    step_ms: stepTimes,
    sql_per_analysis: perAnalysis,
    burst: { loglore_per_s: round(loglorePerSec), bare_bullmq_per_s: round(barePerSec), ratio: round(loglorePerSec / barePerSec, 3), loglore_latency_ms: burst, bare_latency_ms: summarize(bare.latencies) },
    steady: { rate_per_s: RATE, seconds: SECONDS, achieved_per_s: round((RATE * SECONDS) / steadySeconds), loglore_latency_ms: steady, bare_latency_ms: summarize(bareSteady.latencies) },
  };
  process.stdout.write(
    `\n${table([
      { run: 'bare BullMQ chain (5 no-op steps)', 'per s': round(barePerSec), 'p50 ms': result.burst.bare_latency_ms.p50, 'p99 ms': result.burst.bare_latency_ms.p99 },
      { run: 'loglore analyses (burst)', 'per s': round(loglorePerSec), 'p50 ms': burst.p50, 'p99 ms': burst.p99 },
      { run: `bare BullMQ at ${RATE}/s`, 'per s': RATE, 'p50 ms': result.steady.bare_latency_ms.p50, 'p99 ms': result.steady.bare_latency_ms.p99 },
      { run: `loglore at ${RATE}/s`, 'per s': RATE, 'p50 ms': steady.p50, 'p99 ms': steady.p99 },
    ])}\n\nratio loglore / bare BullMQ (throughput): ${result.burst.ratio}\n`,
  );
  const chart = barChartSvg('Pipeline: completed chains per second (burst)', [
    { label: 'bare BullMQ (no-op)', value: round(barePerSec) },
    { label: 'loglore analyses', value: round(loglorePerSec), note: `(ratio ${result.burst.ratio})` },
  ], '/s');
  const bareLabel = 'bare BullMQ chain of 5 no-op jobs, same run';
  const file = writeResult(
    {
      name: 'pipeline',
      title: 'Pipeline: analyses end to end against a bare BullMQ chain',
      command: `npx tsx bench/pipeline/run.ts${FULL ? ' --full' : ''}`,
      mode: FULL ? 'full' : 'quick',
      figures: [
        ratioAtLeast(higherIsBetter('analyses/s, burst (ratio: loglore / bare chain)', round(loglorePerSec), '/s', round(barePerSec), bareLabel, null), 0.3),
        lowerIsBetter(`accept → completed p99 at ${RATE}/s (ratio: times the bare chain's)`, steady.p99, 'ms', result.steady.bare_latency_ms.p99, bareLabel, { text: '≤ 50 ms', max: 50 }),
        lowerIsBetter(`accept → completed p50 at ${RATE}/s`, steady.p50, 'ms', result.steady.bare_latency_ms.p50, bareLabel, null),
        lowerIsBetter('SQL statements per analysis (accept to pattern-stats, BEGIN/COMMIT included)', perAnalysis.statements, 'statements', null, null, null),
        lowerIsBetter('bytes sent to Postgres per analysis', perAnalysis.bytes_sent, 'B', null, null, null),
        lowerIsBetter('bytes received from Postgres per analysis', perAnalysis.bytes_received, 'B', null, null, null),
      ],
      chart: 'docs/charts/pipeline.svg',
      notes:
        `${N} analyses at once, then ${RATE}/s for ${SECONDS} s, ${CONCURRENCY} jobs per step at once, ${EVENTS} log events, cache off ` +
        '(every question has its own window), deterministic analyser; the bare chain runs on the same Redis right after. ' +
        'Statements are every query a pg client of the process sent during the burst (pattern-stats included); bytes are ' +
        'what the Postgres sockets wrote and read.',
      data: result,
    },
    chart,
  );
  process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
  process.exit(0);
}

await main();
