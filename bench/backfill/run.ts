// Backfill benchmark: N generated incidents through the accept path of POST /api/backfill
// (NDJSON parsing and validation, redaction, batched inserts of requests, links and logs,
// BullMQ addBulk at backfill priority), in batches as `loglore backfill` sends them, against a
// baseline in the same run: bare BullMQ addBulk of the same number of jobs with the same
// payload and options, no database. Then, with the workers running, live analyses at a steady
// rate are timed accept → completed, first on an idle system and then while a second backfill
// is being loaded and worked through: the backfill must not starve them.
//
//   npx tsx bench/backfill/run.ts [--full]
//
// Quick: 10k incidents, 5 s of live traffic per phase; --full: 100k, 15 s (BENCH_INCIDENTS,
// BENCH_BATCH=1000, BENCH_LIVE_RATE=5, BENCH_LIVE_SECONDS override either).
//
// Writes bench/results/backfill.json through writeResult and docs/charts/backfill.svg.
import { randomBytes, randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { REFERENCE_PATTERNS } from '@loglore/core';
import { seedReferencePatterns } from '@loglore/db';
import { createTestDatabase } from '@loglore/db/testing';
import { acceptAnalysis } from '@loglore/ingress';
import { bullPrefix, channels, createPipeline, createRedis, jobId, PRIORITY, QUEUE_NAMES } from '@loglore/queue';
import { startWorker } from '@loglore/worker';
import { createTestIngress, TEST_REDIS_URL } from '../../apps/ingress/src/testing.ts';
import { createTestWorkerDeps } from '../../apps/worker/src/testing.ts';
import { benchMode, higherIsBetter, lowerIsBetter, writeResult } from '../lib/results.ts';
import { barChartSvg, round, summarize, table } from '../lib/stats.ts';

const MODE = benchMode();
const FULL = MODE === 'full';
const N = Number(process.env.BENCH_INCIDENTS ?? (FULL ? 100_000 : 10_000));
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000);
const LIVE_RATE = Number(process.env.BENCH_LIVE_RATE ?? 5);
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? (FULL ? 15 : 5));
/** Issue 11: incidents accepted per second. */
const ACCEPT_AIM = 10_000;
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 8);
const PROJECTS = ['payments', 'wallet', 'cards', 'lending'];
const PATTERNS = ['DB_POOL_EXHAUSTED', 'UPSTREAM_TIMEOUT', 'DEADLOCK', 'DISK_FULL'];

/** NDJSON batches of `n` incidents; every tenth carries three log events. */
function incidentBatches(n: number, tag: string): string[] {
  const batches: string[] = [];
  let lines: string[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < n; i++) {
    const project = PROJECTS[i % PROJECTS.length]!;
    const occurred = new Date(t0 + i * 37_000).toISOString();
    const incident: Record<string, unknown> = {
      occurred_at: occurred,
      text: `${tag} ${i}: NPSB transfers failing in prod for ${project}, customers see timeouts`,
      project,
      env: i % 5 === 0 ? 'staging' : 'prod',
      domain: 'transactions',
      trace_ids: [randomBytes(16).toString('hex')],
      error_pattern: PATTERNS[i % PATTERNS.length],
      resolution: 'raised the connection pool size to 50 and restarted transfer-api',
      resolved: i % 4 !== 0,
    };
    if (i % 10 === 0) {
      incident.logs = [
        { ts: occurred, level: 'error', message: 'HikariPool-1 - Connection is not available, request timed out after 30000ms', service: 'transfer-api' },
        { ts: occurred, level: 'error', message: `NPSB switch unavailable: connect ECONNREFUSED 10.0.4.${i % 250}:7001`, service: 'npsb-gateway' },
        `${occurred} WARN transfer-api retrying transfer ${i}`,
      ];
    }
    lines.push(JSON.stringify(incident));
    if (lines.length === BATCH) {
      batches.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) batches.push(`${lines.join('\n')}\n`);
  return batches;
}

/** Sends batches one after the other, as the CLI does; returns seconds and incidents accepted. */
async function loadBackfill(app: ReturnType<typeof createTestIngress>['app'], batches: string[]): Promise<{ seconds: number; accepted: number; batchMs: number[] }> {
  let backfillId: string | undefined;
  let accepted = 0;
  let firstLine = 1;
  const batchMs: number[] = [];
  const t0 = performance.now();
  for (const [i, body] of batches.entries()) {
    const query = new URLSearchParams({ first_line: String(firstLine), final: String(i === batches.length - 1) });
    if (backfillId) query.set('backfill_id', backfillId);
    const t = performance.now();
    const res = await app.request(`/api/backfill?${query}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    batchMs.push(performance.now() - t);
    if (res.status !== 202) throw new Error(`batch ${i}: HTTP ${res.status} ${await res.text()}`);
    const answer = (await res.json()) as { backfill_id: string; accepted: number; rejected: unknown[] };
    if (answer.rejected.length) throw new Error(`batch ${i} rejected lines: ${JSON.stringify(answer.rejected.slice(0, 3))}`);
    backfillId = answer.backfill_id;
    accepted += answer.accepted;
    firstLine += body.split('\n').length - 1;
  }
  return { seconds: (performance.now() - t0) / 1000, accepted, batchMs };
}

/** Bare BullMQ: addBulk of the same number of first-step jobs, same data shape and options, no database. */
async function bareAddBulk(n: number): Promise<number> {
  const prefix = `benchbf${randomBytes(4).toString('hex')}`;
  const queue = new Queue(QUEUE_NAMES['extract-params'], { connection: { url: TEST_REDIS_URL }, prefix: bullPrefix(prefix) });
  const options = { attempts: 5, backoff: { type: 'exponential', delay: 500, jitter: 0.3 }, removeOnComplete: { age: 86_400, count: 10_000 }, removeOnFail: { age: 604_800 }, priority: PRIORITY.backfill };
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const jobs = Array.from({ length: Math.min(BATCH, n - i) }, () => {
      const data = { request_id: randomUUID(), generation: 1 };
      return { name: 'extract-params', data, opts: { ...options, jobId: jobId('extract-params', data.request_id) } };
    });
    await queue.addBulk(jobs);
  }
  const seconds = (performance.now() - t0) / 1000;
  await queue.obliterate({ force: true });
  await queue.close();
  return seconds;
}

async function main() {
  process.stdout.write(`backfill benchmark: ${N} incidents in batches of ${BATCH}; live analyses at ${LIVE_RATE}/s, worker concurrency ${CONCURRENCY}\n`);

  // 1. Baseline: bare addBulk.
  const bareSeconds = await bareAddBulk(N);
  const barePerSec = N / bareSeconds;
  process.stdout.write(`bare BullMQ addBulk: ${round(barePerSec)} jobs/s\n`);

  // 2. The accept path alone (no worker running).
  const database = await createTestDatabase();
  await seedReferencePatterns(database.db, REFERENCE_PATTERNS);
  const ingress = createTestIngress(database.db);
  const load = await loadBackfill(ingress.app, incidentBatches(N, 'accept'));
  const acceptPerSec = load.accepted / load.seconds;
  process.stdout.write(`loglore accept path: ${round(acceptPerSec)} incidents/s (${load.accepted} in ${round(load.seconds)} s)\n`);
  await ingress.close();

  // 3. Live analyses timed accept → completed, idle and then during a second backfill, with
  // the workers running on a fresh prefix (the first backfill's jobs were deleted with its keys).
  const live = createTestIngress(database.db);
  const deps = createTestWorkerDeps(database.db, live.prefix, { CACHE_TTL_SECONDS: '0', WORKER_CONCURRENCY: String(CONCURRENCY) });
  const worker = startWorker(deps, { concurrency: CONCURRENCY, reconciler: false });
  const producer = createPipeline({ redisUrl: TEST_REDIS_URL, prefix: live.prefix, role: 'producer' });
  const subscriber = createRedis(TEST_REDIS_URL, 'subscriber');
  const acceptedAt = new Map<string, number>();
  const finishedAt = new Map<string, number>();
  let backfillFinished = 0;
  subscriber.on('message', (_channel: string, message: string) => {
    const event = JSON.parse(message) as { request_id: string; step: string };
    if (acceptedAt.has(event.request_id)) finishedAt.set(event.request_id, performance.now());
    else backfillFinished++;
  });
  await subscriber.subscribe(channels.results(live.prefix));

  let serial = 0;
  const ask = async () => {
    const k = serial++;
    const project = PROJECTS[k % PROJECTS.length]!;
    const t = performance.now();
    const { request } = await acceptAnalysis(
      { db: database.db, pipeline: producer, logger: pino({ level: 'silent' }) },
      { text: `errors in ${project} prod transactions in the last ${20 + (k % 200)} minutes`, source: 'api', conversationId: null, project, env: 'prod', domain: null },
    );
    acceptedAt.set(request.id, t);
  };
  const steady = async (seconds: number) => {
    const ids: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < LIVE_RATE * seconds; i++) {
      const wait = t0 + (i * 1000) / LIVE_RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      ids.push(ask());
    }
    await Promise.all(ids);
  };
  const settle = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (finishedAt.size < acceptedAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  const latencies = () => [...acceptedAt].map(([id, t]) => (finishedAt.has(id) ? finishedAt.get(id)! - t : Number.POSITIVE_INFINITY));

  await steady(2); // warm-up
  await settle(30_000);
  acceptedAt.clear();
  finishedAt.clear();

  await steady(LIVE_SECONDS);
  await settle(60_000);
  const idle = summarize(latencies());
  process.stdout.write(`live p99 idle: ${idle.p99} ms\n`);
  acceptedAt.clear();
  finishedAt.clear();
  backfillFinished = 0;

  // Live traffic for as long as the second backfill takes to load, and at least LIVE_SECONDS.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t0 = performance.now();
  const loading = loadBackfill(live.app, incidentBatches(N, 'during'));
  let loaded = false;
  void loading.then(() => (loaded = true));
  const during = (async () => {
    await steady(LIVE_SECONDS);
    while (!loaded) await steady(2);
  })();
  const load2 = await loading;
  await during;
  await settle(120_000);
  loop.disable();
  const duringSeconds = (performance.now() - t0) / 1000;
  const busy = summarize(latencies());
  const unfinished = latencies().filter((l) => !Number.isFinite(l)).length;
  const loopDelay = { p50: round(loop.percentile(50) / 1e6), p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) };
  process.stdout.write(
    `live p99 while the backfill loads: ${busy.p99} ms (${unfinished} unfinished); ${backfillFinished} backfill analyses finished meanwhile; event loop delay p99 ${loopDelay.p99} ms\n`,
  );
  const finishedWhileLoading = backfillFinished;
  acceptedAt.clear();
  finishedAt.clear();

  // The backlog of backfill analyses is still being worked through: live traffic again.
  const drainingFrom = backfillFinished;
  await steady(LIVE_SECONDS);
  await settle(120_000);
  const draining = summarize(latencies());
  const drainUnfinished = latencies().filter((l) => !Number.isFinite(l)).length;
  process.stdout.write(`live p99 while the backlog drains: ${draining.p99} ms; ${backfillFinished - drainingFrom} backfill analyses finished meanwhile\n`);

  await worker.close(10_000);
  await producer.close();
  subscriber.disconnect();
  await deps.close();
  await live.close();
  await database.drop();

  const result = {
    incidents: N,
    batch: BATCH,
    accept: {
      loglore_incidents_per_s: round(acceptPerSec),
      bare_bullmq_addbulk_per_s: round(barePerSec),
      ratio: round(acceptPerSec / barePerSec, 3),
      batch_ms: summarize(load.batchMs),
      target_per_s: ACCEPT_AIM,
      meets_target: acceptPerSec >= ACCEPT_AIM,
    },
    with_workers: {
      concurrency: CONCURRENCY,
      backfill_incidents_per_s_while_live: round(load2.accepted / load2.seconds),
      backfill_analyses_finished_while_loading: finishedWhileLoading,
      live_rate_per_s: LIVE_RATE,
      live_latency_idle_ms: idle,
      live_latency_while_loading_ms: busy,
      live_unfinished_while_loading: unfinished,
      event_loop_delay_while_loading_ms: loopDelay,
      loading_seconds: round(duringSeconds),
      live_latency_while_backlog_drains_ms: draining,
      live_unfinished_while_backlog_drains: drainUnfinished,
      backfill_analyses_per_s_draining: round((backfillFinished - drainingFrom) / LIVE_SECONDS),
    },
  };
  process.stdout.write(
    `\n${table([
      { what: 'loglore accept (incidents/s)', value: result.accept.loglore_incidents_per_s },
      { what: 'bare BullMQ addBulk (jobs/s)', value: result.accept.bare_bullmq_addbulk_per_s },
      { what: 'ratio', value: result.accept.ratio },
      { what: 'live p50 / p99 idle (ms)', value: `${idle.p50} / ${idle.p99}` },
      { what: 'live p50 / p99 while loading (ms)', value: `${busy.p50} / ${busy.p99}` },
      { what: 'live p50 / p99 while backlog drains (ms)', value: `${draining.p50} / ${draining.p99}` },
    ])}\n`,
  );
  const w = result.with_workers;
  const starved = 'never starved (none unfinished)';
  const notes = [
    `${N.toLocaleString('en-US')} incidents in batches of ${BATCH.toLocaleString('en-US')} through the accept path of \`POST /api/backfill\` (validation, redaction, \`jsonb_to_recordset\` insert of requests and links, \`addBulk\` at backfill priority), against bare BullMQ \`addBulk\` of the same number of jobs with the same payload size and options, no database.`,
    '',
    `Then, with the workers running (concurrency ${CONCURRENCY}), live analyses at ${LIVE_RATE}/s timed accept → completed: idle, while a second backfill of ${N.toLocaleString('en-US')} loads, and while its backlog drains. Backfills have their own lane (\`backfill-<step>\` queues served by a quarter of the workers; priorities alone only order *waiting* jobs).`,
    '',
    '| live analyses (ms) | p50 | p99 | unfinished |',
    '| --- | ---: | ---: | ---: |',
    `| idle | ${idle.p50} | ${idle.p99} | — |`,
    `| while the backfill loads (${w.loading_seconds} s; ${Math.round(w.backfill_incidents_per_s_while_live).toLocaleString('en-US')} incidents/s accepted) | ${busy.p50} | ${busy.p99} | ${unfinished} |`,
    `| while the backlog drains (${w.backfill_analyses_per_s_draining} backfill analyses/s) | ${draining.p50} | ${draining.p99} | ${drainUnfinished} |`,
    '',
    `Event-loop delay while loading: p50 ${loopDelay.p50} ms, p99 ${loopDelay.p99} ms. The remaining slowdown is shared CPU: the cores run Node, Postgres and Redis for both lanes.`,
  ].join('\n');
  const written = writeResult(
    {
      name: 'backfill',
      title: 'Backfill',
      command: `npx tsx bench/backfill/run.ts${FULL ? ' --full' : ''}`,
      mode: MODE,
      figures: [
        higherIsBetter(`backfill accept path (insert + addBulk), ${N.toLocaleString('en-US')} incidents`, round(acceptPerSec), 'incidents/s', round(barePerSec), 'bare BullMQ addBulk of as many jobs', { text: `≥ ${ACCEPT_AIM.toLocaleString('en-US')}/s`, min: ACCEPT_AIM }),
        { ...lowerIsBetter(`live p99 while a backfill loads (${LIVE_RATE}/s live)`, busy.p99, 'ms', idle.p99, 'idle', null), aim: starved, met: unfinished === 0 },
        { ...lowerIsBetter('live p99 while the backfill backlog drains', draining.p99, 'ms', idle.p99, 'idle', null), aim: starved, met: drainUnfinished === 0 },
      ],
      chart: 'docs/charts/backfill.svg',
      notes,
      data: result,
    },
    barChartSvg(`Live analyses p99 (accept → completed) around a ${N.toLocaleString('en-US')}-incident backfill`, [
      { label: 'idle', value: idle.p99 },
      { label: 'while loading', value: busy.p99 },
      { label: 'while backlog drains', value: draining.p99 },
    ], 'ms'),
  );
  process.stdout.write(`wrote ${written} and docs/charts/backfill.svg\n`);
}

await main();
process.exit(0);
