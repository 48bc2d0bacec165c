import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { extractParameters } from './extract.ts';

const AT = new Date('2026-11-25T11:30:00Z');
const config = parseConfig({ projects: ['payhub', 'corebank', 'merchant-portal'], services: ['payment-gateway', 'ledger', 'npsb-connector'] });
const extract = (text: string, explicit?: { project?: string | null; env?: string | null; domain?: string | null }) => extractParameters({ text, at: AT, explicit }, config);

describe('env', () => {
  it.each([
    ['production', 'payments failing in production', 'prod'],
    ['live', 'errors on live', 'prod'],
    ['stg', 'login issues in stg', 'staging'],
    ['UAT in capitals', 'UAT transfers failing', 'staging'],
    ['pre-prod as a phrase (not "prod")', 'is pre-prod healthy?', 'staging'],
    ['sandbox', 'sandbox refunds', 'dev'],
    ['"QA:"', 'QA: OTP not received', 'qa'],
    ['env=prd', 'env=prd domain=transactions', 'prod'],
    ['"test env" phrased as an environment', 'failing in test env', 'dev'],
    ['a numbered environment', 'staging2 login failing', 'staging'],
    ['a one-letter typo', 'stagging login failures', 'staging'],
    ['the first of two mentions', 'compare prod and staging', 'prod'],
    ['the one not reported healthy', 'staging is fine but prod is throwing 502s', 'prod'],
    ['the one not negated', 'not staging, prod', 'prod'],
    ['the correction', 'staging, sorry, I meant prod', 'prod'],
    ['a question about health, which still names the env', 'is staging healthy?', 'staging'],
  ])('reads %s', (_what, text, env) => {
    expect(extract(text).env).toBe(env);
  });

  it('does not read "test" as an env when it is an ordinary word', () => {
    expect(extract('test transaction failed').env).toBeNull();
  });

  it('lets an explicit env win, written as any synonym', () => {
    expect(extract('transfers failing in staging', { env: 'prod' }).env).toBe('prod');
    expect(extract('errors', { env: 'Production' }).env).toBe('prod');
    expect(extract('prod errors', { env: '  ' }).env).toBe('prod');
  });
});

describe('domain', () => {
  it.each([
    ['NPSB transfers', 'NPSB transfers failing', 'transactions'],
    ['card payments', 'card payments declined', 'transactions'],
    ['a phrase synonym', 'fund transfers timing out', 'transactions'],
    ['login', 'users cannot login', 'auth'],
    ['OTP', 'OTP verification failing', 'auth'],
    ['KYC', 'KYC onboarding stuck', 'accounts'],
    ['SMS', 'SMS not delivered', 'notifications'],
    ['database', 'database connection pool exhausted', 'infrastructure'],
    ['the domain mentioned most', 'account balance not updating after deposit', 'accounts'],
    ['the head of a compound ("password reset emails")', 'password reset emails never arrive', 'notifications'],
    ['a camelCase alert name', '[FIRING:1] OTPDeliveryFailures', 'auth'],
    ['"card auth" as card authorisation', 'E2001 on card auth', 'transactions'],
  ])('reads %s', (_what, text, domain) => {
    expect(extract(text).domain).toBe(domain);
  });

  it.each([
    'log in fails on prod',
    'users can\'t log in',
    'unable to log in to the app since 10:00',
    'customers cannot log on',
    'logging in is broken for everyone',
    'log-in errors after the deploy',
    'sign in broken in staging',
    'signing in takes forever',
    'can\'t sign on to the portal',
    'sign-on errors in prod',
    'single sign-on down',
    'logon failures spiking',
    'users cannot login',
    'signin page throws 500',
    'when users log in they get a 502',
  ])('reads "%s" as the auth domain', (text) => {
    expect(extract(text).domain).toBe('auth');
  });

  it.each(['the log in prod shows errors', 'check the error log in staging', 'which log in prod has the stack trace?', 'logging in prod is broken', 'logs in staging are missing', 'is there a sign in the logs of what broke?'])(
    'does not read the noun in "%s" as signing in',
    (text) => {
      expect(extract(text).domain).toBeNull();
    },
  );

  it('ignores a domain reported healthy', () => {
    expect(extract('OTP is fine but the transfer never completes').domain).toBe('transactions');
  });

  it('returns the configured default when nothing matches', () => {
    expect(extract('something is broken').domain).toBeNull();
    const withDefault = parseConfig({ defaults: { domain: 'auth' } });
    expect(extractParameters({ text: 'something is broken', at: AT }, withDefault).domain).toBe('auth');
  });

  it('uses a configured vocabulary', () => {
    const loans = parseConfig({ domains: { loans: ['loan', 'emi'] } });
    expect(extractParameters({ text: 'EMI deduction failed', at: AT }, loans).domain).toBe('loans');
  });
});

describe('project', () => {
  it.each([
    ['a known project, in its configured spelling', 'PayHub prod payments failing', 'payhub'],
    ['a hyphenated known project', 'merchant-portal 500s', 'merchant-portal'],
    ['"project X"', 'project Orion in qa', 'orion'],
    ['"project: X"', 'project: corebank: login errors', 'corebank'],
    ['"project=X"', 'project=Payhub env=stg', 'payhub'],
    ['"the X project"', 'in the atlas project, card errors', 'atlas'],
  ])('reads %s', (_what, text, project) => {
    expect(extract(text).project).toBe(project);
  });

  it('does not read "which project" as a project', () => {
    expect(extract('which project is failing?').project).toBeNull();
  });
});

describe('services', () => {
  it.each([
    ['a known service', 'redis timeouts on the ledger service', ['ledger']],
    ['a known service written with spaces', 'the npsb connector keeps restarting', ['npsb-connector']],
    ['suffixes -svc, -api, -service', 'ledger-svc, user-api and auth-service failing', ['ledger-svc', 'user-api', 'auth-service']],
    ['service=X', 'service=notification-worker crashlooping', ['notification-worker']],
    ['"service: X" without a suffix', 'service: fraud-engine latency', ['fraud-engine']],
    ['both ends of a list', 'services: payment-gateway, npsb-connector', ['payment-gateway', 'npsb-connector']],
  ])('reads %s', (_what, text, services) => {
    expect(extract(text).services).toEqual(services);
  });

  it('does not read a known name inside a longer one', () => {
    expect(extract('pod ledger-7d9f8b-xk2l restarted').services).toEqual([]);
  });

  it('does not read "service is down" as a service called "is"', () => {
    expect(extract('the service is down').services).toEqual([]);
  });
});

describe('keywords', () => {
  it('keeps the remaining words, lower-cased, deduplicated, in order, without stop words', () => {
    expect(extract('Why are NPSB transfers failing? NPSB transfers TIMEOUT').keywords).toEqual(['npsb', 'transfers', 'failing', 'timeout']);
  });

  it('leaves out words used by times, envs, ids and services', () => {
    expect(extract('trace 4bf92f3577b34da6a3ce929d0e0e4736 on payment-gateway in prod since 10:00 crashing').keywords).toEqual(['crashing']);
  });

  it('caps the list', () => {
    const capped = parseConfig({ limits: { keywords: 3 } });
    expect(extractParameters({ text: 'alpha beta gamma delta epsilon', at: AT }, capped).keywords).toEqual(['alpha', 'beta', 'gamma']);
  });
});
