import { describe, expect, it } from 'vitest';
import type { Parameters } from '../schemas.ts';
import { extractParameters, extractParametersDetailed } from './extract.ts';

const at = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00Z`);
const z = (s: string) => new Date(`${s}Z`).toISOString();

/** Runs a conversation, feeding each turn the previous turn's parameters. */
function conversation(turns: Array<[text: string, hhmm: string]>): Parameters[] {
  const out: Parameters[] = [];
  for (const [text, hhmm] of turns) out.push(extractParameters({ text, at: at(hhmm), previous: out[out.length - 1] }));
  return out;
}

describe('follow-ups', () => {
  it('"what about staging?" changes the env and keeps domain and window', () => {
    const [, p] = conversation([
      ['NPSB transfers failing in prod since 10:00', '11:30'],
      ['what about staging?', '11:32'],
    ]);
    expect(p).toMatchObject({ env: 'staging', domain: 'transactions', time_range: { from: z('2026-11-25T10:00'), to: z('2026-11-25T11:30') } });
  });

  it('"and an hour before?" moves the window back by the amount said', () => {
    const [, p] = conversation([
      ['transfers failing since 10:00', '11:30'],
      ['and an hour before?', '11:31'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-25T09:00'), to: z('2026-11-25T10:30') });
  });

  it('"30 minutes earlier" moves the window back by 30 minutes', () => {
    const [, p] = conversation([
      ['OTP failures last hour', '11:30'],
      ['30 minutes earlier', '11:31'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-25T10:00'), to: z('2026-11-25T11:00') });
  });

  it('"the hour before" is the hour just before the previous window', () => {
    const [, p] = conversation([
      ['card declines this morning', '09:40'],
      ['and the hour before?', '09:41'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-25T05:00'), to: z('2026-11-25T06:00') });
  });

  it('"before that" moves the window back by its own length', () => {
    const [, p] = conversation([
      ['errors between 10:00 and 10:45', '11:30'],
      ['and before that?', '11:31'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-25T09:15'), to: z('2026-11-25T10:00') });
  });

  it('"the day before" keeps the clock times one day earlier', () => {
    const [, p] = conversation([
      ['login errors since 09:00', '11:30'],
      ['the day before?', '11:31'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-24T09:00'), to: z('2026-11-24T11:30') });
  });

  it('"and yesterday?" moves the window to the same clock times yesterday', () => {
    const [, p] = conversation([
      ['OTP failures in prod last 2 hours', '08:15'],
      ['and yesterday?', '08:16'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-24T06:15'), to: z('2026-11-24T08:15') });
  });

  it('"what about Monday?" moves the window to Monday', () => {
    const [, p] = conversation([
      ['errors since 17:00', '18:00'],
      ['what about Monday?', '18:01'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-23T17:00'), to: z('2026-11-23T18:00') });
  });

  it('a day said in a new question, not a follow-up, is the whole day', () => {
    expect(extractParameters({ text: 'kafka consumer lag yesterday', at: at('11:30') }).time_range).toEqual({ from: z('2026-11-24T00:00'), to: z('2026-11-25T00:00') });
  });

  it('"now?" starts a fresh window at the new anchor', () => {
    const [, p] = conversation([
      ['OTP failures last 2 hours', '08:15'],
      ['now?', '09:00'],
    ]);
    expect(p).toMatchObject({ domain: 'auth', time_range: { from: z('2026-11-25T08:00'), to: z('2026-11-25T09:00') } });
  });

  it('a stated window replaces the previous one', () => {
    const [, p] = conversation([
      ['payments failing since 10:00', '11:30'],
      ['ok show me prod for the last 30 minutes', '11:40'],
    ]);
    expect(p?.time_range).toEqual({ from: z('2026-11-25T11:10'), to: z('2026-11-25T11:40') });
  });

  it('a follow-up naming no id keeps the previous ids, services and statuses', () => {
    const [, p] = conversation([
      ['trace 4bf92f3577b34da6a3ce929d0e0e4736 shows 502 from payment-gateway', '11:30'],
      ['any other errors for it in staging?', '11:31'],
    ]);
    expect(p).toMatchObject({ env: 'staging', trace_ids: ['4bf92f3577b34da6a3ce929d0e0e4736'], services: ['payment-gateway'], http_status: [502] });
  });

  it('a turn naming other ids replaces them', () => {
    const [, p] = conversation([
      ['trace 4bf92f3577b34da6a3ce929d0e0e4736 failing', '11:30'],
      ['what about trace 5c1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f?', '11:31'],
    ]);
    expect(p?.trace_ids).toEqual(['5c1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f']);
  });

  it('a new question drops the ids and window but keeps project, env and domain', () => {
    const [, p] = conversation([
      ['project payhub: trace 0af7651916cd43dd8448eb211c80319c failing in staging since 09:00', '11:30'],
      ['kafka consumer lag on npsb-connector-svc', '11:40'],
    ]);
    expect(p).toMatchObject({ project: 'payhub', env: 'staging', domain: 'infrastructure', trace_ids: [], services: ['npsb-connector-svc'] });
    expect(p?.time_range).toEqual({ from: z('2026-11-25T10:40'), to: z('2026-11-25T11:40') });
  });

  it('a turn that names nothing of its own is about the previous one', () => {
    const [, p] = conversation([
      ['trace 0af7651916cd43dd8448eb211c80319c', '11:30'],
      ["what's the root cause?", '11:31'],
    ]);
    expect(p?.trace_ids).toEqual(['0af7651916cd43dd8448eb211c80319c']);
  });

  it('switching domain without a cue is a new question', () => {
    const previous = extractParameters({ text: 'trace 0af7651916cd43dd8448eb211c80319c login errors', at: at('11:30') });
    const d = extractParametersDetailed({ text: 'transfers in staging since 10', at: at('11:35'), previous });
    expect(d.followUp).toBe(false);
    expect(d.parameters.trace_ids).toEqual([]);
  });

  it('a follow-up adds its keywords after the previous ones', () => {
    const [, p] = conversation([
      ['card declines', '11:30'],
      ['and timeouts?', '11:31'],
    ]);
    expect(p?.keywords).toEqual(['card', 'declines', 'timeouts']);
  });

  it('explicit fields still win over inherited ones', () => {
    const previous = extractParameters({ text: 'errors in prod', at: at('11:30') });
    expect(extractParameters({ text: 'and now?', at: at('11:31'), previous, explicit: { env: 'qa' } }).env).toBe('qa');
  });

  it('an invalid previous window is ignored rather than trusted', () => {
    const previous = { ...extractParameters({ text: 'errors', at: at('11:30') }), time_range: { from: 'garbage', to: 'garbage' } };
    expect(extractParameters({ text: 'and staging?', at: at('11:31'), previous }).time_range).toEqual({ from: z('2026-11-25T10:31'), to: z('2026-11-25T11:31') });
  });

  it('reports the sources of what it inherited', () => {
    const previous = extractParameters({ text: 'NPSB transfers failing in prod since 10:00', at: at('11:30') });
    const d = extractParametersDetailed({ text: 'what about staging?', at: at('11:32'), previous });
    expect(d.followUp).toBe(true);
    expect(d.sources).toMatchObject({ env: 'text', domain: 'previous', time_range: 'previous' });
  });
});
