// Fan-out benchmark: a step event published once, received by 50 subscribers, timed publish →
// receipt for every (event, subscriber), over the two ways loglore delivers events:
// - SSE: 50 HTTP clients on GET /api/analyses/{id}/events of a real ingress server (one shared
//   pub/sub connection in the ingress, as `loglore start` runs it), events published with
//   publishStepEvent as the worker does;
// - pub/sub: 50 subscriber connections through createEventSubscriber on the analysis channel,
//   events published with publishStepEvent;
// against a baseline in the same run: bare ioredis, one publisher and 50 subscriber
// connections on one channel, the same message (the same JSON, parsed by each subscriber).
//
//   npx tsx bench/fanout/run.ts [--full]      (BENCH_SUBSCRIBERS=50 BENCH_EVENTS BENCH_INTERVAL_MS=20 BENCH_PORT=7401)
//
// Quick: 200 events, one round; --full: 1,000 events, three rounds with the order of the
// three paths rotated. Everything runs in this one process (publisher, server, clients), so
// every path pays the same event loop. Writes bench/results/fanout.json and docs/charts/fanout.svg.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { serve } from '@hono/node-server';
import { Redis } from 'ioredis';
import type { StepEvent } from '@loglore/core';
import { createAnalysisRequest } from '@loglore/db';
import { createTestDatabase } from '@loglore/db/testing';
import { channels, createEventSubscriber, createRedis, publishStepEvent } from '@loglore/queue';
import { createTestIngress, TEST_REDIS_URL } from '../../apps/ingress/src/testing.ts';
import { groupedBarChartSvg, SERIES_COLORS } from '../lib/charts.ts';
import { benchMode, lowerIsBetter, writeResult } from '../lib/results.ts';
import { round, summarize, table } from '../lib/stats.ts';

const MODE = benchMode();
const FULL = MODE === 'full';
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 50);
const EVENTS = Number(process.env.BENCH_EVENTS ?? (FULL ? 1_000 : 200));
const ROUNDS = FULL ? 3 : 1;
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 7401);
const WARMUP = 20;

type Path = 'bare' | 'pubsub' | 'sse';

/** A step event about the size of an `analysis` event (~2 KB of JSON). */
function stepEvent(requestId: string, seq: number): StepEvent {
  return {
    request_id: requestId,
    conversation_id: null,
    seq,
    step: 'analysis',
    at: new Date(Date.UTC(2026, 11, 3, 10, 0, 0) + seq).toISOString(),
    payload: {
      pattern_key: 'db.pool_exhausted',
      summary: 'Connection pool exhausted in transfer-api: requests waited 30 s for a connection while the pool held 50 active, 0 idle.',
      evidence: Array.from({ length: 8 }, (_, i) => ({ ts: '2026-12-03T09:59:00.000Z', service: `svc-${i}`, trace_id: randomBytes(16).toString('hex'), message: `HikariPool-1 - Connection is not available, request timed out after 30000ms (active=50, idle=0, waiting=${i})` })),
    },
  };
}

/** Receipt times per seq, one entry per subscriber; resolves `waitFor(seq)` once all have it. */
class Receipts {
  readonly #sent = new Map<number, { at: number; measured: boolean }>();
  readonly #got = new Map<number, number>();
  readonly latencies: number[] = [];

  sent(seq: number, at: number, measured: boolean): void {
    this.#sent.set(seq, { at, measured });
  }

  received(seq: number): void {
    const now = performance.now();
    const sent = this.#sent.get(seq);
    if (sent === undefined) return;
    if (sent.measured) this.latencies.push(now - sent.at);
    this.#got.set(seq, (this.#got.get(seq) ?? 0) + 1);
  }

  count(seq: number): number {
    return this.#got.get(seq) ?? 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes WARMUP + EVENTS events at INTERVAL_MS, then waits until every subscriber had the last one (or 10 s). */
async function drive(receipts: Receipts, publish: (seq: number) => Promise<void>, firstSeq: number): Promise<number> {
  const total = WARMUP + EVENTS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const seq = firstSeq + i;
    receipts.sent(seq, performance.now(), i >= WARMUP);
    await publish(seq);
  }
  const last = firstSeq + total - 1;
  const deadline = performance.now() + 10_000;
  while (receipts.count(last) < SUBSCRIBERS && performance.now() < deadline) await sleep(5);
  // Receipts missing at the end count as lost.
  let lost = 0;
  for (let seq = firstSeq + WARMUP; seq <= last; seq++) lost += SUBSCRIBERS - receipts.count(seq);
  return lost;
}

async function bare(requestId: string): Promise<{ latencies: number[]; lost: number }> {
  const channel = `benchfanout:${randomBytes(4).toString('hex')}`;
  const receipts = new Receipts();
  const subscribers = Array.from({ length: SUBSCRIBERS }, () => new Redis(TEST_REDIS_URL));
  for (const s of subscribers) {
    s.on('message', (_c: string, message: string) => receipts.received((JSON.parse(message) as StepEvent).seq));
    await s.subscribe(channel);
  }
  const publisher = new Redis(TEST_REDIS_URL);
  try {
    const lost = await drive(receipts, async (seq) => void (await publisher.publish(channel, JSON.stringify(stepEvent(requestId, seq)))), 1);
    return { latencies: receipts.latencies, lost };
  } finally {
    publisher.disconnect();
    for (const s of subscribers) s.disconnect();
  }
}

async function pubsub(requestId: string, prefix: string): Promise<{ latencies: number[]; lost: number }> {
  const receipts = new Receipts();
  const subscribers = Array.from({ length: SUBSCRIBERS }, () => createEventSubscriber(createRedis(TEST_REDIS_URL, 'subscriber')));
  for (const s of subscribers) await s.subscribe(channels.analysis(prefix, requestId), (event) => receipts.received(event.seq));
  const publisher = createRedis(TEST_REDIS_URL, 'command');
  try {
    const lost = await drive(receipts, (seq) => publishStepEvent(publisher, prefix, stepEvent(requestId, seq)), 1);
    return { latencies: receipts.latencies, lost };
  } finally {
    publisher.disconnect();
    for (const s of subscribers) await s.close();
  }
}

/** Reads one SSE response body, calling `onEvent` with each event's seq; resolves once the stream is open. */
async function sseClient(url: string, onEvent: (seq: number) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
  if (res.status !== 200 || !res.body) throw new Error(`SSE: HTTP ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith(': connected')) opened();
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) onEvent((JSON.parse(data.slice(6)) as StepEvent).seq);
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  await open;
}

async function sse(requestId: string, ingress: ReturnType<typeof createTestIngress>): Promise<{ latencies: number[]; lost: number }> {
  const receipts = new Receipts();
  const abort = new AbortController();
  const server = serve({ fetch: ingress.app.fetch, port: PORT, hostname: '127.0.0.1' }) as http.Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const publisher = createRedis(TEST_REDIS_URL, 'command');
  try {
    // Each run is its own stream: seq restarts above what earlier rounds sent.
    const firstSeq = sseSeq;
    const url = `http://127.0.0.1:${PORT}/api/analyses/${requestId}/events?last_event_id=${firstSeq - 1}`;
    await Promise.all(Array.from({ length: SUBSCRIBERS }, () => sseClient(url, (seq) => receipts.received(seq), abort.signal)));
    const lost = await drive(receipts, (seq) => publishStepEvent(publisher, ingress.prefix, stepEvent(requestId, seq)), firstSeq);
    sseSeq += WARMUP + EVENTS;
    return { latencies: receipts.latencies, lost };
  } finally {
    abort.abort();
    publisher.disconnect();
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  }
}
let sseSeq = 1;

async function main() {
  process.stdout.write(`fan-out benchmark: ${SUBSCRIBERS} subscribers, ${EVENTS} events every ${INTERVAL_MS} ms (after ${WARMUP} warm-up), ${ROUNDS} round(s), port ${PORT}\n`);
  const database = await createTestDatabase({ max: 10 });
  // A long heartbeat: the stream re-reads stored events on each one, which is not what is measured.
  const ingress = createTestIngress(database.db, { server: { heartbeatMs: 60_000 } });
  const { request } = await createAnalysisRequest(database.db, { source: 'api', text: 'fan-out bench', project: 'bench' });
  const latencies: Record<Path, number[]> = { bare: [], pubsub: [], sse: [] };
  const lost: Record<Path, number> = { bare: 0, pubsub: 0, sse: 0 };
  try {
    const order: Path[] = ['bare', 'pubsub', 'sse'];
    for (let r = 0; r < ROUNDS; r++) {
      for (const which of order) {
        const t = performance.now();
        const run = which === 'bare' ? await bare(request.id) : which === 'pubsub' ? await pubsub(request.id, ingress.prefix) : await sse(request.id, ingress);
        latencies[which].push(...run.latencies);
        lost[which] += run.lost;
        const s = summarize(run.latencies);
        process.stdout.write(`round ${r + 1} ${which}: p50 ${s.p50} ms, p99 ${s.p99} ms, ${run.latencies.length} receipts, ${run.lost} lost (${round((performance.now() - t) / 1000)} s)\n`);
      }
      order.push(order.shift()!);
    }
  } finally {
    await ingress.close();
    await database.drop();
  }

  const stats = { bare: summarize(latencies.bare), pubsub: summarize(latencies.pubsub), sse: summarize(latencies.sse) };
  process.stdout.write(
    `\n${table((['bare', 'pubsub', 'sse'] as const).map((p) => ({ path: p, receipts: stats[p].n, 'p50 ms': stats[p].p50, 'p90 ms': stats[p].p90, 'p99 ms': stats[p].p99, 'max ms': stats[p].max, lost: lost[p] })))}\n`,
  );
  const label = 'bare ioredis publish → subscribe';
  const notes = [
    `One step event (~${JSON.stringify(stepEvent('00000000-0000-0000-0000-000000000000', 1)).length.toLocaleString('en-US')} bytes of JSON) published every ${INTERVAL_MS} ms, ${EVENTS.toLocaleString('en-US')} events after ${WARMUP} warm-up ones, each timed from the publish call to its receipt by each of ${SUBSCRIBERS} subscribers (${(EVENTS * SUBSCRIBERS * ROUNDS).toLocaleString('en-US')} receipts per path${ROUNDS > 1 ? `, ${ROUNDS} rounds with the order rotated` : ''}).`,
    '',
    `- **SSE**: ${SUBSCRIBERS} HTTP clients (Node's fetch) on \`GET /api/analyses/{id}/events\` of an ingress served on 127.0.0.1:${PORT}, which holds one pub/sub connection for all of them, as \`loglore start\` does; events published with \`publishStepEvent\`, as the worker does.`,
    `- **pub/sub**: ${SUBSCRIBERS} subscriber connections through \`createEventSubscriber\` on the analysis channel, events published with \`publishStepEvent\`.`,
    `- **baseline**: bare ioredis, one publisher and ${SUBSCRIBERS} subscriber connections on one channel, the same message parsed by each subscriber.`,
    '',
    '| path | p50 ms | p90 ms | p99 ms | max ms | lost |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...(['sse', 'pubsub', 'bare'] as const).map((p) => `| ${p === 'bare' ? 'bare ioredis (baseline)' : p === 'sse' ? 'SSE' : 'pub/sub'} | ${stats[p].p50} | ${stats[p].p90} | ${stats[p].p99} | ${stats[p].max} | ${lost[p]} |`),
    '',
    'Publisher, Redis client, server and clients share this one process and the machine its cores, so every path pays the same event loop: the figure is what delivery adds over Redis itself, not a network latency.',
  ].join('\n');
  const file = writeResult(
    {
      name: 'fanout',
      title: `Fan-out: publish → ${SUBSCRIBERS} subscribers`,
      command: `npx tsx bench/fanout/run.ts${FULL ? ' --full' : ''}`,
      mode: MODE,
      figures: [
        lowerIsBetter(`publish → SSE client p99, ${SUBSCRIBERS} clients on one analysis`, stats.sse.p99, 'ms', stats.bare.p99, label, null),
        lowerIsBetter(`publish → subscriber p99, ${SUBSCRIBERS} pub/sub connections`, stats.pubsub.p99, 'ms', stats.bare.p99, label, null),
      ],
      chart: 'docs/charts/fanout.svg',
      notes,
      data: { subscribers: SUBSCRIBERS, events: EVENTS, rounds: ROUNDS, interval_ms: INTERVAL_MS, latency_ms: stats, lost },
    },
    groupedBarChartSvg(
      `Fan-out: publish → each of ${SUBSCRIBERS} subscribers`,
      `${EVENTS.toLocaleString('en-US')} events × ${SUBSCRIBERS} subscribers × ${ROUNDS} round(s), one process`,
      [
        { name: 'SSE (ingress)', color: SERIES_COLORS.loglore },
        { name: 'pub/sub (createEventSubscriber)', color: SERIES_COLORS.loglore2 },
        { name: 'bare ioredis', color: SERIES_COLORS.baseline },
      ],
      (['p50', 'p90', 'p99'] as const).map((p) => ({ label: p, values: [stats.sse[p], stats.pubsub[p], stats.bare[p]] })),
      'ms',
    ),
  );
  process.stdout.write(`wrote ${file} and docs/charts/fanout.svg\n`);
  process.exit(0);
}

await main();
