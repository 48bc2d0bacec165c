/**
 * The extractor's vocabulary and defaults. Every default the extractor applies comes from an
 * `ExtractorConfig`; nothing about a deployment (its projects, its time zone, its window) is
 * written into the extraction code. `parseConfig` reads a `LOGLORE_EXTRACTOR_CONFIG` file.
 */
import { z } from 'zod';
import { isValidTimeZone, parseOffset } from './zone.ts';

/** A part of the day as [start hour, end hour); the end may pass 24 (e.g. night 18–30 ends 06:00 the next day). */
export type DayPartHours = [number, number];

export interface ExtractorConfig {
  /** domain → synonyms (single words or phrases such as "fund transfer"); plurals match too. */
  domains: Record<string, string[]>;
  /** env → synonyms, e.g. prod: ['prod', 'production', 'live', 'prd']. */
  envs: Record<string, string[]>;
  /** Known project names; "project X" / "the X project" phrasings are recognised as well. */
  projects: string[];
  /** Known service names; `foo-service`, `foo-svc`, `foo-api`, `foo-gateway`, `foo-worker` and `service=foo` are recognised as well. */
  services: string[];
  defaults: {
    project: string | null;
    env: string | null;
    domain: string | null;
    /** Length of the window when the text states no time, and of the "around T" window. */
    windowMinutes: number;
    /** IANA zone (or 'UTC') in which clock times, days and parts of the day are read. */
    timeZone: string;
  };
  /**
   * Env synonyms that are also ordinary words ("test transaction"): accepted only when phrased
   * as an environment — "in test", "on test", "test env", "env=test".
   */
  envContextOnly: string[];
  /**
   * Time-zone abbreviations understood after a clock time, mapped to an IANA zone or a fixed
   * offset (`+06:00`). Ambiguous ones (BST, IST, CST, AST) are left out on purpose: a deployment
   * that knows what its users mean adds them (e.g. `"BST": "+06:00"` in Bangladesh).
   */
  timeZoneAbbreviations: Record<string, string>;
  /** Hours of "this morning", "yesterday afternoon", "tonight", "last night". */
  dayParts: { morning: DayPartHours; afternoon: DayPartHours; evening: DayPartHours; night: DayPartHours };
  /** How an all-numeric date like 05/11/2026 is read when both readings are valid. */
  dateOrder: 'dmy' | 'mdy';
  /** Caps on the lists in the result, so that any input gives bounded output. */
  limits: { ids: number; services: number; codes: number; keywords: number };
}

export const DEFAULT_EXTRACTOR_CONFIG: ExtractorConfig = {
  domains: {
    transactions: [
      'npsb', 'transfer', 'fund transfer', 'transaction', 'txn', 'payment', 'card', 'debit', 'credit',
      'settlement', 'refund', 'reversal', 'remittance', 'beftn', 'rtgs', 'withdrawal', 'deposit', 'atm',
      'pos', 'chargeback', 'disbursement', 'payout', 'checkout', 'wallet', 'top-up', 'topup', 'card auth',
      'card authorization', 'card authorisation',
    ],
    auth: [
      'auth', 'authentication', 'login', 'logon', 'logout', 'signin', 'signon', 'token', 'otp', 'password',
      'session', 'sso', 'oauth', 'jwt', '2fa', 'mfa', 'credential', 'sign out', 'signed out', 'logged out',
    ],
    accounts: ['account', 'balance', 'statement', 'kyc', 'onboarding', 'profile', 'registration', 'signup', 'sign-up'],
    notifications: ['notification', 'sms', 'email', 'e-mail', 'push'],
    infrastructure: [
      'infrastructure', 'database', 'db', 'postgres', 'postgresql', 'mysql', 'oracle', 'redis', 'kafka',
      'rabbitmq', 'disk', 'cpu', 'memory', 'oom', 'pod', 'kubernetes', 'k8s', 'dns', 'deadlock',
    ],
  },
  envs: {
    prod: ['prod', 'production', 'live', 'prd'],
    staging: ['staging', 'stage', 'stg', 'uat', 'preprod', 'pre-prod', 'pre-production'],
    dev: ['dev', 'development', 'test', 'sandbox'],
    qa: ['qa', 'testing'],
  },
  projects: [],
  services: [],
  defaults: { project: null, env: null, domain: null, windowMinutes: 60, timeZone: 'UTC' },
  envContextOnly: ['test', 'testing', 'stage'],
  timeZoneAbbreviations: {
    UTC: 'UTC', GMT: 'UTC', WET: '+00:00', WEST: '+01:00', CET: '+01:00', CEST: '+02:00',
    EET: '+02:00', EEST: '+03:00', MSK: '+03:00', PKT: '+05:00', NPT: '+05:45', SGT: '+08:00',
    HKT: '+08:00', JST: '+09:00', KST: '+09:00', AEST: '+10:00', AEDT: '+11:00', NZST: '+12:00',
    NZDT: '+13:00', EST: '-05:00', EDT: '-04:00', CDT: '-05:00', MST: '-07:00', MDT: '-06:00',
    PST: '-08:00', PDT: '-07:00',
  },
  dayParts: { morning: [6, 12], afternoon: [12, 18], evening: [18, 24], night: [18, 30] },
  dateOrder: 'dmy',
  limits: { ids: 20, services: 10, codes: 20, keywords: 12 },
};

const name = z.string().trim().min(1).max(100);
const synonyms = z.array(z.string().trim().min(1).max(100)).max(500);
const hours = z
  .tuple([z.number().min(0).max(24), z.number().min(0).max(36)])
  .refine(([a, b]) => a < b, 'start hour must come before end hour');
const zoneName = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Dhaka, or UTC');

const ConfigInput = z
  .object({
    domains: z.record(name, synonyms),
    envs: z.record(name, synonyms),
    projects: z.array(name).max(1000),
    services: z.array(name).max(1000),
    defaults: z
      .object({
        project: name.nullable(),
        env: name.nullable(),
        domain: name.nullable(),
        windowMinutes: z.number().int().min(1).max(60 * 24 * 366),
        timeZone: zoneName,
      })
      .partial(),
    envContextOnly: z.array(name),
    timeZoneAbbreviations: z.record(
      z.string().regex(/^[A-Z]{1,6}$/, 'abbreviations are 1–6 capital letters'),
      z.string().refine((v) => isValidTimeZone(v) || parseOffset(v) !== null, 'must be an IANA zone or an offset like +06:00'),
    ),
    dayParts: z.object({ morning: hours, afternoon: hours, evening: hours, night: hours }).partial(),
    dateOrder: z.enum(['dmy', 'mdy']),
    limits: z
      .object({
        ids: z.number().int().min(1).max(1000),
        services: z.number().int().min(1).max(1000),
        codes: z.number().int().min(1).max(1000),
        keywords: z.number().int().min(0).max(1000),
      })
      .partial(),
  })
  .partial()
  .strict();

/**
 * Validates an extractor configuration (e.g. the parsed `LOGLORE_EXTRACTOR_CONFIG` file) and
 * merges it over `DEFAULT_EXTRACTOR_CONFIG`. Merge rules: `domains`, `envs`,
 * `timeZoneAbbreviations`, `defaults`, `dayParts` and `limits` merge key by key (a domain given
 * here replaces that domain's synonyms; `[]` removes it); `projects`, `services` and
 * `envContextOnly` replace the default lists. Default env and domain must name a configured
 * env and domain. Throws a `ZodError` describing every problem.
 *
 * @example
 * parseConfig({ projects: ['payhub'], defaults: { timeZone: 'Asia/Dhaka' } })
 */
export function parseConfig(json: unknown): ExtractorConfig {
  const input = ConfigInput.parse(json ?? {});
  const base = DEFAULT_EXTRACTOR_CONFIG;
  const dropEmpty = (r: Record<string, string[]>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v.length > 0));
  const config: ExtractorConfig = {
    domains: dropEmpty({ ...base.domains, ...input.domains }),
    envs: dropEmpty({ ...base.envs, ...input.envs }),
    projects: input.projects ?? base.projects,
    services: input.services ?? base.services,
    defaults: { ...base.defaults, ...input.defaults },
    envContextOnly: input.envContextOnly ?? base.envContextOnly,
    timeZoneAbbreviations: { ...base.timeZoneAbbreviations, ...input.timeZoneAbbreviations },
    dayParts: { ...base.dayParts, ...input.dayParts },
    dateOrder: input.dateOrder ?? base.dateOrder,
    limits: { ...base.limits, ...input.limits },
  };
  const problems: z.core.$ZodIssue[] = [];
  const { env, domain } = config.defaults;
  if (env !== null && !(env in config.envs)) {
    problems.push({ code: 'custom', path: ['defaults', 'env'], message: `"${env}" is not a configured env`, input: env });
  }
  if (domain !== null && !(domain in config.domains)) {
    problems.push({ code: 'custom', path: ['defaults', 'domain'], message: `"${domain}" is not a configured domain`, input: domain });
  }
  if (problems.length > 0) throw new z.ZodError(problems);
  return config;
}
