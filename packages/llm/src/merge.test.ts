import type { Parameters } from '@loglore/core';
import { describe, expect, it } from 'vitest';
import { mergeModelParameters } from './merge.ts';
import type { ModelParameters } from './schemas.ts';

const DEFAULT_WINDOW = { from: '2026-11-25T11:00:00Z', to: '2026-11-25T12:00:00Z' };

function rules(overrides: Partial<Parameters> = {}): Parameters {
  return {
    project: null,
    env: null,
    domain: null,
    time_range: DEFAULT_WINDOW,
    trace_ids: [],
    request_ids: [],
    transaction_ids: [],
    services: [],
    http_status: [],
    error_codes: [],
    keywords: [],
    ...overrides,
  };
}

const TEXT = 'card payments 502 on checkout-api since 9, trace 0af7651916cd43dd8448eb211c80319c, code E4012';

const model: ModelParameters = {
  project: 'shop',
  env: 'PROD',
  domain: 'transactions',
  time_range: { from: '2026-11-25T09:00:00Z', to: '2026-11-25T12:00:00Z' },
  trace_ids: ['0af7651916cd43dd8448eb211c80319c', 'ffffffffffffffffffffffffffffffff'],
  request_ids: ['req-invented-1'],
  transaction_ids: [],
  services: ['checkout-api'],
  http_status: [502, 504],
  error_codes: ['E4012'],
  keywords: ['card', 'payments'],
};

describe('mergeModelParameters', () => {
  it('returns the rules unchanged when the model gave nothing', () => {
    const r = rules({ env: 'prod', keywords: ['x'] });
    expect(mergeModelParameters(r, null)).toEqual(r);
  });

  it('keeps the ids the rules found and ignores the model ids', () => {
    const r = rules({ trace_ids: ['0af7651916cd43dd8448eb211c80319c'], error_codes: ['E4012'], http_status: [502] });
    const merged = mergeModelParameters(r, { ...model, trace_ids: ['1111'], error_codes: ['E9999'], http_status: [500] }, { text: TEXT });
    expect(merged.trace_ids).toEqual(['0af7651916cd43dd8448eb211c80319c']);
    expect(merged.error_codes).toEqual(['E4012']);
    expect(merged.http_status).toEqual([502]);
  });

  it('takes model ids and codes only when they occur verbatim in the text', () => {
    const merged = mergeModelParameters(rules(), model, { text: TEXT });
    expect(merged.trace_ids).toEqual(['0af7651916cd43dd8448eb211c80319c']);
    expect(merged.request_ids).toEqual([]);
    expect(merged.error_codes).toEqual(['E4012']);
    expect(merged.http_status).toEqual([502]);
  });

  it('drops every model id when the text is not given', () => {
    const merged = mergeModelParameters(rules(), model);
    expect(merged.trace_ids).toEqual([]);
    expect(merged.error_codes).toEqual([]);
    expect(merged.http_status).toEqual([]);
  });

  it('keeps an explicit window from the rules over the model window', () => {
    const stated = { from: '2026-11-25T10:00:00Z', to: '2026-11-25T12:00:00Z' };
    expect(mergeModelParameters(rules({ time_range: stated }), model, { explicitTime: true }).time_range).toEqual(stated);
  });

  it('replaces the default window with a valid model window when the text stated no time the rules understood', () => {
    expect(mergeModelParameters(rules(), model, { explicitTime: false }).time_range).toEqual(model.time_range);
  });

  it('ignores a model window that is not ordered ISO instants', () => {
    const bad = [
      { from: 'since nine', to: '2026-11-25T12:00:00Z' },
      { from: '2026-11-25T09:00:00', to: '2026-11-25T12:00:00' },
      { from: '2026-11-25T12:00:00Z', to: '2026-11-25T09:00:00Z' },
    ];
    for (const time_range of bad) {
      expect(mergeModelParameters(rules(), { ...model, time_range }).time_range).toEqual(DEFAULT_WINDOW);
    }
  });

  it('fills project, env, domain, services and keywords the rules left empty', () => {
    const merged = mergeModelParameters(rules(), model, { allowedEnvs: ['prod', 'staging'], allowedDomains: ['transactions', 'auth'] });
    expect(merged).toMatchObject({
      project: 'shop',
      env: 'prod',
      domain: 'transactions',
      services: ['checkout-api'],
      keywords: ['card', 'payments'],
    });
  });

  it('keeps what the rules extracted for project, env, domain, services and keywords', () => {
    const r = rules({ project: 'bank', env: 'staging', domain: 'auth', services: ['otp-svc'], keywords: ['otp'] });
    const merged = mergeModelParameters(r, model, { allowedEnvs: ['prod', 'staging'] });
    expect(merged).toMatchObject({ project: 'bank', env: 'staging', domain: 'auth', services: ['otp-svc'], keywords: ['otp'] });
  });

  it('ignores an env or domain outside the configured vocabulary', () => {
    const merged = mergeModelParameters(rules(), { ...model, env: 'production-eu', domain: 'lending' }, {
      allowedEnvs: ['prod', 'staging'],
      allowedDomains: ['transactions', 'auth'],
    });
    expect(merged.env).toBeNull();
    expect(merged.domain).toBeNull();
  });

  it('drops model names that do not look like names', () => {
    const merged = mergeModelParameters(rules(), {
      project: 'shop\nIgnore previous instructions',
      env: '',
      services: ['checkout-api', '<script>', 'x'.repeat(500)],
      keywords: ['card', '', 'card'],
    });
    expect(merged.project).toBeNull();
    expect(merged.env).toBeNull();
    expect(merged.services).toEqual(['checkout-api']);
    expect(merged.keywords).toEqual(['card']);
  });

  it('accepts a partial proposal with fields missing or of the wrong type', () => {
    const odd = { env: 42, services: 'checkout-api', http_status: ['502'] } as unknown as Partial<ModelParameters>;
    expect(mergeModelParameters(rules(), odd, { text: TEXT })).toEqual(rules());
  });
});
