// Pipeline benchmark: N analyses end to end (accept → params → similar → analysis →
// verification → persist → completed, deterministic analyser, log events loaded) against
// a bare BullMQ chain of the same number of no-op steps on the same Redis, in the same run.
//
//   npx tsx bench/pipeline/run.ts            quick: 200 analyses, 20/100/300 per s for 5 s each, 50k log events
//   npx tsx bench/pipeline/run.ts --full     400 analyses, the same rates for 10 s each, 100k log events
//   npx tsx bench/pipeline/run.ts --cluster  the same on a Redis Cluster of three masters
//                                            (TEST_REDIS_CLUSTER_NODES, or one started for the run)
//   (BENCH_ANALYSES, BENCH_RATES, BENCH_SECONDS, BENCH_EVENTS override either)
//
// Runs the burst and each steady rate with the workers in this process, then the burst again
// with 1 and with 2 `loglore worker` processes (the built CLI) doing the work, and the bare chain
// on the same Redis. Prints analyses/s for each, the ratios, p50/p99 from accept to `completed`
// at each steady rate, and the SQL statements and bytes (on the Postgres sockets, both ways) per
// analysis of the in-process burst. Writes bench/results/pipeline.json (pipeline-cluster.json
// with --cluster) and its chart in docs/charts/.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { REFERENCE_PATTERNS, type LogEvent } from '@loglore/core';
import { sql } from 'drizzle-orm';
import { insertLogEvents, queryRows, seedReferencePatterns } from '@loglore/db';
import { createTestDatabase } from '@loglore/db/testing';
import { acceptAnalysis } from '@loglore/ingress';
import { bullConnection, bullPrefix, channels, clusterQueuePrefix, createEventSubscriber, createPipeline, createRedis, STEPS } from '@loglore/queue';
import { testRedisCluster } from '@loglore/queue/testing';
import { startWorker, STEP_MODULES } from '@loglore/worker';
import { createTestWorkerDeps, deleteKeys, TEST_REDIS_URL } from '../../apps/worker/src/testing.ts';
import pg from 'pg';
import { benchMode, higherIsBetter, lowerIsBetter, ratioAtLeast, writeResult } from '../lib/results.ts';
import { barChartSvg, round, summarize, table } from '../lib/stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FULL = benchMode() === 'full';
const N = Number(process.env.BENCH_ANALYSES ?? (FULL ? 400 : 200));
const CLUSTER = process.argv.includes('--cluster');
const RATES = (process.env.BENCH_RATES ?? '20,100,300').split(',').map(Number);
/** The rate whose p99 the aim is about. */
const AIM_RATE = 100;
const WORKER_PROCESSES = [1, 2];
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

/**
 * CPU seconds used so far by this process and by every process named `postgres` or
 * `redis-server` on the machine (Linux /proc; user + system), to say where an analysis' CPU goes.
 * Other work on the machine is counted too when it runs those servers: run on a quiet machine.
 */
function cpuSnapshot(): { node: number; postgres: number; redis: number } {
  const tick = 100; // USER_HZ
  const out = { node: 0, postgres: 0, redis: 0 };
  const usage = process.cpuUsage();
  out.node = (usage.user + usage.system) / 1e6;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
      const seconds = (Number(fields[11]) + Number(fields[12])) / tick;
      if (comm === 'postgres') out.postgres += seconds;
      else if (comm.startsWith('redis-server')) out.redis += seconds;
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Bare BullMQ: a chain of STEPS.length no-op jobs per item, each adding the next. */
async function bareChain(redisUrl: string, n: number, mode: { rate?: number }): Promise<{ seconds: number; latencies: number[]; cpu: { node_ms: number; redis_ms: number } }> {
  const name = `benchbare${randomBytes(4).toString('hex')}`;
  // As loglore's queues are laid out: one hash tag on one Redis, one per queue on a cluster.
  const prefixOf = (step: string) => (CLUSTER ? clusterQueuePrefix(name, step) : bullPrefix(name));
  const producer = bullConnection(redisUrl, 'producer');
  const consumer = bullConnection(redisUrl, 'worker');
  const queues = STEPS.map((s) => new Queue(s, { connection: producer.connection, prefix: prefixOf(s) }));
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
        { connection: consumer.connection, prefix: prefixOf(step), concurrency: CONCURRENCY },
      ),
  );
  const t0 = performance.now();
  const cpu0 = cpuSnapshot();
  await submit(n, mode.rate, async (i) => {
    const id = `r${i}`;
    started.set(id, performance.now());
    await queues[0]!.add(STEPS[0], { id }, { jobId: `${STEPS[0]}-${id}`, removeOnComplete: true });
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuSnapshot();
  const cpu = { node_ms: round(((cpu1.node - cpu0.node) * 1000) / n, 2), redis_ms: round(((cpu1.redis - cpu0.redis) * 1000) / n, 2) };
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(queues.map((q) => q.obliterate({ force: true }).then(() => q.close())));
  await Promise.all([producer.close(), consumer.close()]);
  return { seconds, latencies, cpu };
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

/**
 * `count` worker processes (`loglore worker`, the built CLI) on the bench's database, Redis and
 * queue prefix, started and ready (each logged "worker started").
 */
async function startWorkerProcesses(count: number, env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'apps/cli/bin/loglore.js'), 'worker'], {
        env: { ...process.env, ...env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      // Its log is read until it says it started, then drained (one line per analysis).
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        let started = false;
        child.stdout!.on('data', (chunk: Buffer) => {
          if (started) return;
          seen += chunk.toString();
          if (seen.includes('"worker started"')) {
            started = true;
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`loglore worker exited with ${code} before it started`)));
      });
    }),
  );
  return {
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

async function main() {
  const cluster = CLUSTER ? await testRedisCluster() : null;
  const redisUrl = cluster?.url ?? TEST_REDIS_URL;
  process.stdout.write(
    `pipeline benchmark${CLUSTER ? ` on a Redis Cluster (${redisUrl})` : ''}: ${N} analyses burst, ${RATES.join('/')} per s for ${SECONDS}s each, ` +
      `burst with ${WORKER_PROCESSES.join(' and ')} worker processes, concurrency ${CONCURRENCY}, ${EVENTS} log events\n`,
  );
  const database = await createTestDatabase({ max: Number(process.env.BENCH_POOL ?? 20) });
  await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
  const events = logEvents();
  const tLoad = performance.now();
  await insertLogEvents(database.db, events);
  process.stdout.write(`loaded ${events.length} log events in ${round((performance.now() - tLoad) / 1000)} s\n`);
  // Planner statistics, as autovacuum would gather them shortly after a load this size.
  await queryRows(database.db, sql`analyze`);

  // Every analysis asks a different question (its own window), so the cache never answers.
  const workerEnv = { REDIS_URL: redisUrl, CACHE_TTL_SECONDS: '0', WORKER_CONCURRENCY: String(CONCURRENCY) };
  const deps = createTestWorkerDeps(database.db, undefined, workerEnv);
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
  const producer = createPipeline({ redisUrl, prefix: deps.config.queuePrefix, role: 'producer' });
  const subscriberConnection = createRedis(redisUrl, 'subscriber');
  const subscriber = createEventSubscriber(subscriberConnection);
  const accepted = new Map<string, number>();
  const completedAt = new Map<string, number>();
  let waiters: { count: number; resolve: () => void }[] = [];
  await subscriber.subscribe(channels.results(deps.config.queuePrefix), (event) => {
    if (event.step !== 'completed' && event.step !== 'failed') return;
    if (event.step === 'failed') process.stderr.write(`failed: ${JSON.stringify(event)}\n`);
    completedAt.set(event.request_id, performance.now());
    waiters = waiters.filter((w) => (completedAt.size >= w.count ? (w.resolve(), false) : true));
  });
  const idle = async () => {
    for (let i = 0; i < 400; i++) {
      const counts = await Promise.all(Object.values(deps.pipeline.queues).map((q) => q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')));
      if (counts.every((c) => c === 0)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const until = (count: number) => new Promise<void>((resolve) => (completedAt.size >= count ? resolve() : waiters.push({ count, resolve })));
  const reset = () => {
    accepted.clear();
    completedAt.clear();
  };

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
  /** A burst of n analyses: how long until the last completed, and each one's latency. */
  const burstOf = async (n: number) => {
    reset();
    const t0 = performance.now();
    await submit(n, undefined, ask);
    await until(n);
    return { seconds: (performance.now() - t0) / 1000, latency: summarize(latencies()) };
  };

  // Warm up (JIT, connections, plans).
  await burstOf(20);

  // Burst: throughput. Pattern-stats runs after `completed`; its statements are counted once
  // the queues are idle again.
  const sqlBefore = sqlSnapshot();
  const cpuBefore = cpuSnapshot();
  const inProcess = await burstOf(N);
  await idle();
  const sqlAfter = sqlSnapshot();
  const cpuAfter = cpuSnapshot();
  const cpuPerAnalysis = {
    node_ms: round(((cpuAfter.node - cpuBefore.node) * 1000) / N, 1),
    postgres_ms: round(((cpuAfter.postgres - cpuBefore.postgres) * 1000) / N, 1),
    redis_ms: round(((cpuAfter.redis - cpuBefore.redis) * 1000) / N, 1),
  };
  const perAnalysis = {
    statements: round((sqlAfter.statements - sqlBefore.statements) / N, 2),
    bytes_sent: Math.round((sqlAfter.written - sqlBefore.written) / N),
    bytes_received: Math.round((sqlAfter.read - sqlBefore.read) / N),
  };
  process.stdout.write(`burst, workers in this process: ${round(N / inProcess.seconds)}/s\n`);
  process.stdout.write(`SQL per analysis: ${perAnalysis.statements} statements, ${perAnalysis.bytes_sent} bytes sent, ${perAnalysis.bytes_received} bytes received\n`);
  process.stdout.write(`CPU per analysis: Node ${cpuPerAnalysis.node_ms} ms (the whole stack in this process), Postgres ${cpuPerAnalysis.postgres_ms} ms, Redis ${cpuPerAnalysis.redis_ms} ms\n`);
  const stepTimes = Object.fromEntries(Object.entries(stepMs).map(([step, ms]) => [step, summarize(ms)]));
  process.stdout.write(`step handler times during the burst (ms):\n${table(Object.entries(stepTimes).map(([step, t]) => ({ step, p50: t.p50, p99: t.p99, n: t.n })))}\n`);

  // Steady rates: latency.
  const steady: { rate: number; achieved: number; latency: ReturnType<typeof summarize> }[] = [];
  for (const rate of RATES) {
    reset();
    const t0 = performance.now();
    await submit(rate * SECONDS, rate, ask);
    await until(rate * SECONDS);
    const achieved = round((rate * SECONDS) / ((performance.now() - t0) / 1000));
    steady.push({ rate, achieved, latency: summarize(latencies()) });
    process.stdout.write(`steady ${rate}/s: p50 ${steady.at(-1)!.latency.p50} ms, p99 ${steady.at(-1)!.latency.p99} ms (completed at ${achieved}/s)\n`);
    await idle();
  }
  await worker.close(10_000);

  // The same burst with the work in `loglore worker` processes.
  const processes: { count: number; seconds: number; latency: ReturnType<typeof summarize> }[] = [];
  for (const count of WORKER_PROCESSES) {
    const workers = await startWorkerProcesses(count, { ...workerEnv, DATABASE_URL: database.url, QUEUE_PREFIX: deps.config.queuePrefix });
    try {
      await burstOf(20);
      const run = await burstOf(N);
      processes.push({ count, ...run });
      process.stdout.write(`burst, ${count} worker process${count === 1 ? '' : 'es'}: ${round(N / run.seconds)}/s\n`);
      await idle();
    } finally {
      await workers.stop();
    }
  }

  await producer.close();
  await subscriber.close();
  subscriberConnection.disconnect();
  await deleteKeys(deps.redis, deps.config.queuePrefix);
  await deps.close();

  const bare = await bareChain(redisUrl, N, {});
  const bareSteady = new Map<number, ReturnType<typeof summarize>>();
  for (const rate of RATES) bareSteady.set(rate, summarize((await bareChain(redisUrl, rate * SECONDS, { rate })).latencies));
  await database.drop();
  await cluster?.stop();

  const barePerSec = N / bare.seconds;
  const loglorePerSec = N / inProcess.seconds;
  const result = {
    redis: CLUSTER ? 'cluster of three masters' : 'one Redis',
    analyses: N,
    concurrency: CONCURRENCY,
    log_events: EVENTS,
    step_ms: stepTimes,
    sql_per_analysis: perAnalysis,
    cpu_per_analysis: cpuPerAnalysis,
    burst: { loglore_per_s: round(loglorePerSec), bare_bullmq_per_s: round(barePerSec), bare_cpu_per_chain: bare.cpu, ratio: round(loglorePerSec / barePerSec, 3), loglore_latency_ms: inProcess.latency, bare_latency_ms: summarize(bare.latencies) },
    worker_processes: processes.map((p) => ({ processes: p.count, per_s: round(N / p.seconds), ratio: round(N / p.seconds / barePerSec, 3), latency_ms: p.latency })),
    steady: steady.map((s) => ({ rate_per_s: s.rate, seconds: SECONDS, achieved_per_s: s.achieved, loglore_latency_ms: s.latency, bare_latency_ms: bareSteady.get(s.rate)! })),
  };
  process.stdout.write(
    `\n${table([
      { run: 'bare BullMQ chain (5 no-op steps)', 'per s': round(barePerSec), 'p50 ms': result.burst.bare_latency_ms.p50, 'p99 ms': result.burst.bare_latency_ms.p99 },
      { run: 'loglore analyses (burst, in process)', 'per s': round(loglorePerSec), 'p50 ms': inProcess.latency.p50, 'p99 ms': inProcess.latency.p99 },
      ...processes.map((p) => ({ run: `loglore burst, ${p.count} worker process(es)`, 'per s': round(N / p.seconds), 'p50 ms': p.latency.p50, 'p99 ms': p.latency.p99 })),
      ...steady.flatMap((s) => [
        { run: `bare BullMQ at ${s.rate}/s`, 'per s': s.rate, 'p50 ms': bareSteady.get(s.rate)!.p50, 'p99 ms': bareSteady.get(s.rate)!.p99 },
        { run: `loglore at ${s.rate}/s`, 'per s': s.achieved, 'p50 ms': s.latency.p50, 'p99 ms': s.latency.p99 },
      ]),
    ])}\n\nratio loglore / bare BullMQ (throughput): ${result.burst.ratio}\n`,
  );
  const on = CLUSTER ? ' on a Redis Cluster' : '';
  const chart = barChartSvg(`Pipeline${on}: completed chains per second (burst)`, [
    { label: 'bare BullMQ (no-op)', value: round(barePerSec) },
    { label: 'loglore, in process', value: round(loglorePerSec), note: `(ratio ${result.burst.ratio})` },
    ...result.worker_processes.map((p) => ({ label: `loglore, ${p.processes} worker proc.`, value: p.per_s, note: `(ratio ${p.ratio})` })),
  ], '/s');
  const bareLabel = `bare BullMQ chain of 5 no-op jobs, same run${on}`;
  const aimed = steady.find((s) => s.rate === AIM_RATE);
  const figures = [
    // The aims are about the pipeline on one Redis; on a cluster the figures show what it changes.
    CLUSTER
      ? higherIsBetter(`analyses/s, burst${on} (ratio: loglore / bare chain)`, round(loglorePerSec), '/s', round(barePerSec), bareLabel, null)
      : ratioAtLeast(higherIsBetter('analyses/s, burst (ratio: loglore / bare chain)', round(loglorePerSec), '/s', round(barePerSec), bareLabel, null), 0.3),
    ...result.worker_processes.map((p) => higherIsBetter(`analyses/s, burst, ${p.processes} \`loglore worker\` process${p.processes === 1 ? '' : 'es'}${on}`, p.per_s, '/s', round(barePerSec), bareLabel, null)),
    ...steady.flatMap((s) => [
      lowerIsBetter(
        `accept → completed p99 at ${s.rate}/s${on} (ratio: times the bare chain's)`,
        s.latency.p99,
        'ms',
        bareSteady.get(s.rate)!.p99,
        bareLabel,
        !CLUSTER && s === aimed ? { text: '≤ 50 ms', max: 50 } : null,
      ),
      lowerIsBetter(`accept → completed p50 at ${s.rate}/s${on}`, s.latency.p50, 'ms', bareSteady.get(s.rate)!.p50, bareLabel, null),
    ]),
    lowerIsBetter(`SQL statements per analysis${on} (accept to pattern-stats, BEGIN/COMMIT included)`, perAnalysis.statements, 'statements', null, null, null),
    lowerIsBetter(`bytes sent to Postgres per analysis${on}`, perAnalysis.bytes_sent, 'B', null, null, null),
    lowerIsBetter(`bytes received from Postgres per analysis${on}`, perAnalysis.bytes_received, 'B', null, null, null),
    lowerIsBetter(`Node CPU per analysis${on} (ingress + workers in one process, burst)`, cpuPerAnalysis.node_ms, 'ms', bare.cpu.node_ms, 'Node CPU per bare chain, same run', null),
    lowerIsBetter(`Postgres CPU per analysis${on} (every postgres process, burst)`, cpuPerAnalysis.postgres_ms, 'ms', null, null, null),
    lowerIsBetter(`Redis CPU per analysis${on} (every redis-server, burst)`, cpuPerAnalysis.redis_ms, 'ms', bare.cpu.redis_ms || null, 'Redis CPU per bare chain, same run', null),
  ];
  const name = CLUSTER ? 'pipeline-cluster' : 'pipeline';
  const file = writeResult(
    {
      name,
      title: `Pipeline${on}: analyses end to end against a bare BullMQ chain`,
      command: `npx tsx bench/pipeline/run.ts${FULL ? ' --full' : ''}${CLUSTER ? ' --cluster' : ''}`,
      mode: FULL ? 'full' : 'quick',
      figures,
      chart: `docs/charts/${name}.svg`,
      notes:
        `${N} analyses at once, then ${RATES.join(', ')} per s for ${SECONDS} s each, with the workers in the bench's process (${CONCURRENCY} jobs per step at once); ` +
        `then the burst again with ${WORKER_PROCESSES.join(' and ')} \`loglore worker\` processes of the built CLI doing the work (the bench only accepts); ${EVENTS} log events, cache off ` +
        `(every question has its own window), deterministic analyser; the bare chain runs on the same ${CLUSTER ? 'Redis Cluster (three masters, one hash tag per queue as loglore lays them out)' : 'Redis'} right after. ` +
        'Statements are every query a pg client of the process sent during the in-process burst (pattern-stats included); bytes are ' +
        'what the Postgres sockets wrote and read. A steady rate above what the machine completes (the burst figure) measures queueing.',
      data: result,
    },
    chart,
  );
  process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
  process.exit(0);
}

await main();
