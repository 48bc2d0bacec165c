import { describe, expect, it } from 'vitest';
import { loadConfig, parseApiKeys } from './config.ts';

describe('configuration', () => {
  it('an empty environment gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      host: '127.0.0.1',
      dataDir: './.loglore',
      queuePrefix: 'loglore',
      cacheTtlSeconds: 3600,
      llmModel: undefined,
    });
  });

  it("an alert's window looks 30 minutes back and at most 60 forward by default, and both are configurable", () => {
    expect(loadConfig({})).toMatchObject({ alertLeadMinutes: 30, alertSpanMinutes: 60 });
    expect(loadConfig({ LOGLORE_ALERT_LEAD_MINUTES: '15', LOGLORE_ALERT_SPAN_MINUTES: '120' })).toMatchObject({ alertLeadMinutes: 15, alertSpanMinutes: 120 });
    expect(() => loadConfig({ LOGLORE_ALERT_LEAD_MINUTES: '0' })).toThrow(/LOGLORE_ALERT_LEAD_MINUTES: must be a whole number from 1/);
  });

  it('keeps everything for ever by default, runs maintenance hourly, and reads the retention days of each kind', () => {
    expect(loadConfig({})).toMatchObject({ retention: { logs: 0, analyses: 0, events: 0, messages: 0 }, maintenanceIntervalMinutes: 60 });
    const config = loadConfig({
      LOGLORE_RETENTION_LOG_DAYS: '30',
      LOGLORE_RETENTION_ANALYSIS_DAYS: '365',
      LOGLORE_RETENTION_EVENT_DAYS: '90',
      LOGLORE_RETENTION_MESSAGE_DAYS: '180',
      LOGLORE_MAINTENANCE_INTERVAL_MINUTES: '0',
    });
    expect(config).toMatchObject({ retention: { logs: 30, analyses: 365, events: 90, messages: 180 }, maintenanceIntervalMinutes: 0 });
    expect(() => loadConfig({ LOGLORE_RETENTION_LOG_DAYS: '-1' })).toThrow(/LOGLORE_RETENTION_LOG_DAYS: must be a whole number from 0/);
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'eighty', WORKER_CONCURRENCY: '0', QUEUE_PREFIX: 'a:b' })).toThrow(
      /PORT: must be a whole number[\s\S]*QUEUE_PREFIX[\s\S]*WORKER_CONCURRENCY/,
    );
  });

  it('reads API keys with their projects', () => {
    const keys = parseApiKeys('k1=projA,projB; k2=*');
    expect(keys.get('k2')).toBe('*');
    expect([...(keys.get('k1') as Set<string>)]).toEqual(['projA', 'projB']);
    expect(() => parseApiKeys('nokey')).toThrow(/key=projA/);
  });
});
