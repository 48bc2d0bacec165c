import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { sql } from 'drizzle-orm';
import type { LogEvent } from '@loglore/core';
import { insertLogEvents, queryRows, setProjectRetention } from '@loglore/db';
import { createTestDatabase, type TestDatabase } from '@loglore/db/testing';
import { maintenanceSchedulers } from '@loglore/queue';
import { createWorkerObserver } from './observe.ts';
import { retainOnce, startMaintenanceJobs } from './retention.ts';
import { createTestWorkerDeps, TEST_REDIS_URL, testPrefix } from './testing.ts';

// Ages are measured from this instant, never from the clock.
const NOW = new Date('2026-08-20T06:00:00Z');
const DAY = 86_400_000;

function event(project: string, daysAgo: number): LogEvent {
  return { ts: new Date(NOW.getTime() - daysAgo * DAY).toISOString(), project, env: 'prod', domain: null, service: 'api', level: 'error', trace_id: null, message: 'card declined', attrs: {} };
}

function metricValue(text: string, line: RegExp): number | undefined {
  const match = text.split('\n').find((l) => line.test(l));
  return match === undefined ? undefined : Number(match.split(' ').at(-1));
}

describe('the retention maintenance job', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const logsOf = async (project: string) =>
    (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from log_events where project = ${project}`))[0]!.n;

  it('runs from its BullMQ scheduler (one for every process), purges by project, and /metrics shows the rows purged per table and the last run', async () => {
    const prefix = testPrefix();
    const keeps = `keeps${randomBytes(3).toString('hex')}`;
    const short = `short${randomBytes(3).toString('hex')}`;
    await setProjectRetention(database.db, keeps, { logs: 90 });
    await setProjectRetention(database.db, short, { logs: 5 });
    await insertLogEvents(database.db, [event(keeps, 40), event(keeps, 1), event(short, 40), event(short, 10), event(short, 1)]);

    const registry = new Registry();
    const deps = { ...createTestWorkerDeps(database.db, prefix, { LOGLORE_RETENTION_LOG_DAYS: '30' }) };
    deps.observer = createWorkerObserver({ registry, logger: pino({ level: 'silent' }) });
    const other = createTestWorkerDeps(database.db, prefix, { LOGLORE_RETENTION_LOG_DAYS: '30' });
    // Two worker processes: both schedule, Redis keeps one scheduler.
    const first = startMaintenanceJobs(deps, { everyMs: 3_600_000, now: () => NOW });
    const second = startMaintenanceJobs(other, { everyMs: 3_600_000, now: () => NOW });
    try {
      const deadline = Date.now() + 20_000;
      while ((await logsOf(short)) !== 1) {
        if (Date.now() > deadline) throw new Error('retention did not run');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await logsOf(keeps)).toBe(2);

      expect(await maintenanceSchedulers(TEST_REDIS_URL, prefix)).toEqual(['retention']);
    } finally {
      await first.stop();
      await second.stop();
      await other.close();
      await deps.close();
    }

    // The run went to one of the two processes; run once more here so this registry has one to show.
    await insertLogEvents(database.db, [event(short, 20)]);
    const run = await retainOnce(deps, NOW);
    expect(run.purged.log_events).toBe(1);
    const text = await registry.metrics();
    expect(metricValue(text, /^loglore_retention_purged_rows_total\{table="log_events"\}/)).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, /^loglore_retention_purged_rows_total\{table="analysis_memory"\}/)).toBe(0);
    expect(metricValue(text, /^loglore_retention_last_run_timestamp_seconds /)).toBe(NOW.getTime() / 1000);
    expect(text).toMatch(/^loglore_retention_dropped_partitions_total \d+/m);
  });

  it('a run is idempotent: run again, it finds nothing more to purge', async () => {
    const project = `again${randomBytes(3).toString('hex')}`;
    await setProjectRetention(database.db, project, { logs: 3, analyses: 3, events: 3, messages: 3 });
    await insertLogEvents(database.db, [event(project, 4), event(project, 2)]);
    const deps = createTestWorkerDeps(database.db, testPrefix());
    try {
      expect((await retainOnce(deps, NOW)).purged.log_events).toBeGreaterThanOrEqual(1);
      const again = await retainOnce(deps, NOW);
      expect(Object.values(again.purged).every((n) => n === 0)).toBe(true);
      expect(await logsOf(project)).toBe(1);
    } finally {
      await deps.close();
    }
  });
});
