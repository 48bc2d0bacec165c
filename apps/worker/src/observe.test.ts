/** The worker observer's one log line per finished analysis, and the counters it keeps. */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '@loglore/core';
import { captureLogLines } from '@loglore/core/testing';
import { createWorkerObserver } from './observe.ts';

const REQUEST = { id: '6f1c1d4e-8a51-4f0e-9d7e-0b6c1c2a3b4d', source: 'alertmanager', createdAt: new Date('2026-11-25T10:30:00.000Z') };

function event(step: StepEvent['step'], seq: number, at: string, payload: Record<string, unknown> = {}): StepEvent {
  return { request_id: REQUEST.id, conversation_id: null, seq, step, at, payload };
}

describe('createWorkerObserver', () => {
  it('logs one line per finished analysis with its source, status and duration from acceptance', async () => {
    const { destination, lines } = captureLogLines();
    const logger = pino({ level: 'info' }, destination);
    const registry = new Registry();
    const observer = createWorkerObserver({ registry, logger });
    observer.published(event('params', 1, '2026-11-25T10:30:00.100Z'), REQUEST);
    observer.published(event('completed', 6, '2026-11-25T10:30:01.250Z', { result: {} }), REQUEST);
    const finished = lines.filter((line) => line.msg === 'analysis finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ level: 30, request_id: REQUEST.id, source: 'alertmanager', status: 'completed', duration_ms: 1250 });
    const text = await registry.metrics();
    expect(text).toContain('loglore_analyses_finished_total{source="alertmanager",status="completed"} 1');
  });

  it('counts cache results and widened evidence from the analysis event', async () => {
    const logger = pino({ level: 'info' }, captureLogLines().destination);
    const registry = new Registry();
    const observer = createWorkerObserver({ registry, logger });
    observer.published(event('analysis', 4, '2026-11-25T10:30:00.500Z', { cache: 'miss', scope: { widened: true } }), REQUEST);
    observer.published(event('analysis', 4, '2026-11-25T10:30:00.500Z', { cache: 'nonsense' }), { id: 'other' });
    const text = await registry.metrics();
    expect(text).toContain('loglore_analysis_cache_total{result="miss"} 1');
    expect(text).not.toContain('result="nonsense"');
    expect(text).toContain('loglore_evidence_widened_total 1');
  });
});
