/**
 * Generates the quality suite: incidents with KNOWN root causes, rendered many ways, in
 * scenario families that each exercise one point of issue 9. Deterministic for a seed; each
 * family draws from its own stream and its own projects, so `--family F --seed S` replays F
 * exactly as it ran inside the whole suite.
 *
 * An incident is a day of one project: background traffic from about three hours before the
 * question to half an hour after it, steady unrelated warnings, a few unrelated errors, the
 * cause's lines (from one or more services, with one or more of the cause's templates) and
 * sometimes a second, unrelated failure. The ground truth (cause, trace ids of the cause's
 * events) is kept beside the logs, never in them.
 */
import { Dice } from '../../packages/core/src/analysis/incidents.fixture.ts';
import type { LogEvent, LogLevel } from '../../packages/core/src/schemas.ts';
import {
  AREAS,
  CAUSE_SPECS,
  FRONT_SERVICES,
  INFO_LINES,
  PARTNERS,
  PROJECTS,
  serviceDomain,
  SERVICES,
  SPORADIC_ERRORS,
  STEADY_WARNINGS,
  SYMPTOM_TEMPLATES,
  TABLES,
  TOPICS,
  type CauseId,
  type Domain,
  type IncidentContext,
} from './causes.ts';

export const FAMILIES = ['templates', 'late_logs', 'symptom_alert', 'addresses', 'cross_domain', 'subject', 'recurring'] as const;
export type Family = (typeof FAMILIES)[number];

/** What each family exercises (issue 9). */
export const FAMILY_POINTS: Record<Family, string> = {
  templates: '§5 one cause logged with several templates is one pattern',
  late_logs: '§3 ask before the logs land, ingest, ask again: the second answer finds them',
  symptom_alert: '§1 alert labelled with the symptom service; the cause is downstream (shared trace ids)',
  addresses: '§2 IPs, ports and versions in the question or alert are not times',
  cross_domain: '§1 a named service whose logs are tagged with another domain than a word suggests',
  subject: '§4 two failures in the window, the question names the quieter one',
  recurring: '§5 recurring causes with feedback: later incidents recall earlier ones of the same cause',
};

/** Causes each family draws from (those for which its situation is realistic). */
const FAMILY_CAUSES: Record<Family, readonly CauseId[]> = {
  templates: ['tls_expiry', 'db_pool', 'switch_timeout', 'rate_limit', 'dns_failure', 'disk_full', 'oom_kill', 'token_expiry', 'db_deadlock', 'partner_5xx', 'kafka_lag', 'conn_refused'],
  late_logs: ['tls_expiry', 'db_pool', 'switch_timeout', 'rate_limit', 'dns_failure', 'disk_full', 'oom_kill', 'token_expiry', 'db_deadlock', 'partner_5xx', 'conn_refused'],
  // A symptom whose own pattern is an upstream 5xx would be indistinguishable from partner_5xx.
  symptom_alert: ['db_pool', 'db_deadlock', 'switch_timeout', 'dns_failure', 'conn_refused', 'disk_full', 'tls_expiry', 'token_expiry'],
  addresses: ['conn_refused', 'switch_timeout', 'dns_failure', 'db_pool', 'tls_expiry', 'partner_5xx', 'oom_kill'],
  cross_domain: ['db_pool', 'db_deadlock', 'disk_full', 'oom_kill', 'kafka_lag', 'dns_failure', 'token_expiry', 'conn_refused'],
  subject: ['rate_limit', 'partner_5xx', 'tls_expiry', 'dns_failure', 'token_expiry', 'db_deadlock', 'db_pool', 'switch_timeout', 'disk_full'],
  recurring: ['db_pool', 'switch_timeout', 'db_deadlock', 'partner_5xx', 'tls_expiry', 'rate_limit', 'conn_refused'],
};

export type Ask =
  | { kind: 'chat'; text: string; occurredAt: string }
  | { kind: 'api'; text: string; occurredAt: string }
  | { kind: 'alertmanager'; body: Record<string, unknown> }
  | { kind: 'grafana'; body: Record<string, unknown> }
  /** A backfilled incident: one NDJSON line, logs included. */
  | { kind: 'backfill'; line: Record<string, unknown> };

export type SubjectKind = 'partner' | 'service' | 'code' | 'trace';

export interface Incident {
  /** `<family>#<index>`: with the seed, enough to replay it. */
  id: string;
  family: Family;
  index: number;
  seed: number;
  /** The root cause the question is about (the ground truth). */
  cause: CauseId;
  /** A second, unrelated failure in the same window, if any. */
  other: CauseId | null;
  project: string;
  env: string;
  /** First and last event of the cause. */
  onset: string;
  end: string;
  /** What to ingest before the question (empty for a backfill: its logs travel with it). */
  logs: LogEvent[];
  /** late_logs: what lands only after the first answer; the question is then asked again. */
  lateLogs: LogEvent[];
  ask: Ask;
  /** Feedback to give once the analysis completed (a backfill carries its own). */
  feedback: { outcome: 'resolved' | 'not_resolved'; resolution: string } | null;
  truth: {
    /** Trace ids carried by the cause's events (symptom events of the same requests share them). */
    causeTraces: string[];
    otherTraces: string[];
  };
  /** How it was rendered, for reading a failing case. */
  render: {
    source: Ask['kind'];
    templates: number[];
    services: string[];
    domains: Domain[];
    symptomService?: string;
    subject?: { kind: SubjectKind; value: string };
    namedService?: string;
    lateFrom?: string;
  };
}

export interface SuiteOptions {
  seed: number;
  /** Incidents per family. */
  perFamily: number;
  families?: readonly Family[];
}

export const QUICK: Omit<SuiteOptions, 'seed'> = { perFamily: 10 };
/** At most 24 per family: a family's days (1–4 apart) must stay inside its 100 days. */
export const FULL: Omit<SuiteOptions, 'seed'> = { perFamily: 24 };

const MINUTE = 60_000;
/** All incidents are long past, so no alert's startsAt is ever "in the future" of the machine's clock. */
const EPOCH = Date.UTC(2023, 0, 2);

function mix(seed: number, family: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(family + 1, 0xc2b2ae35)) >>> 0;
}

function shuffle<T>(d: Dice, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = d.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (ms: number) => `${pad(new Date(ms).getUTCHours())}:${pad(new Date(ms).getUTCMinutes())}`;

/** The whole suite, family by family, each family's incidents in time order. */
export function generateSuite(options: SuiteOptions): Incident[] {
  const families = options.families ?? FAMILIES;
  // Projects are dealt once per seed so a family keeps its projects when run alone.
  const projects = shuffle(new Dice(mix(options.seed, 99)), PROJECTS);
  const out: Incident[] = [];
  for (const family of families) {
    const f = FAMILIES.indexOf(family);
    out.push(...generateFamily(family, options.seed, options.perFamily, [projects[2 * f] as string, projects[2 * f + 1] as string]));
  }
  return out;
}

interface Draft {
  d: Dice;
  family: Family;
  index: number;
  seed: number;
  project: string;
  env: string;
  day: number;
}

function generateFamily(family: Family, seed: number, n: number, projects: [string, string]): Incident[] {
  const d = new Dice(mix(seed, FAMILIES.indexOf(family)));
  const pool = FAMILY_CAUSES[family];
  // A few causes, each recurring: the first draws are distinct, the rest repeat them, so
  // every family has incidents whose cause was analysed before in the same project.
  const k = Math.max(2, Math.min(pool.length, Math.round(n / 2.5)));
  const chosen = shuffle(d, pool).slice(0, k);
  const ordered = [...chosen, ...Array.from({ length: Math.max(0, n - k) }, () => d.pick(chosen))].slice(0, n);
  // Recurring incidents share one project and env: that is what makes them recurrences.
  const envs = family === 'recurring' ? ['prod'] : ['prod', 'prod', 'prod', 'staging'];
  let day = EPOCH + FAMILIES.indexOf(family) * 100 * 86_400_000;
  const out: Incident[] = [];
  ordered.forEach((cause, index) => {
    day += d.int(1, 4) * 86_400_000;
    const project = family === 'recurring' ? projects[0] : d.pick(projects);
    const draft: Draft = { d, family, index, seed, project, env: d.pick(envs), day };
    out.push(renderIncident(draft, cause, out));
  });
  return out;
}

function incidentContext(d: Dice, partner: string): IncidentContext {
  return {
    partner,
    host: d.pick([`api.${partner}.com.bd`, `${partner}-gw.partners.local`, `${partner}.payments.example.net`, `pay-${d.int(1, 9)}.${partner}.io`]),
    // Cluster subnets mostly have small second octets (10.0.x.x, 10.20.x.x).
    ip: `10.${d.pick([0, 0, 1, 2, 4, 8, 10, 16, 20, 32, 40, 64, 100, 128, 200])}.${d.int(0, 255)}.${d.int(2, 254)}`,
    port: d.pick([443, 5432, 6379, 7001, 8443, 9092, 3306, 8080]),
    db: d.pick(['ledger', 'payments', 'wallet', 'accounts', 'core']),
    table: d.pick(TABLES),
    topic: d.pick(TOPICS),
    group: d.pick(['ledger-postings-cg', 'notify-cg', 'settlement-cg', 'audit-cg']),
  };
}

function loggerName(logger: string, partner: string): string {
  return logger === '<partner>' ? `${partner}-connector` : logger;
}

interface Built {
  events: LogEvent[];
  traces: string[];
}

/** Events of one cause between onset and end, ramping up, from the given services and templates. */
function causeEvents(d: Dice, cause: CauseId, base: Omit<LogEvent, 'ts' | 'service' | 'level' | 'trace_id' | 'message' | 'domain'>, ctx: IncidentContext, services: string[], templates: number[], onset: number, end: number, volume: number): Built {
  const spec = CAUSE_SPECS[cause];
  const events: LogEvent[] = [];
  const traces: string[] = [];
  for (let i = 0; i < volume; i++) {
    // A ramp: more lines later in the span (sqrt of a uniform), and the first one at onset.
    const at = i === 0 ? onset : onset + Math.floor(Math.sqrt(d.float()) * (end - onset));
    const service = d.pick(services);
    const template = spec.templates[d.pick(templates)]!;
    const traced = d.float() < 0.9;
    const trace_id = traced ? traceId(d) : null;
    if (trace_id) traces.push(trace_id);
    const level: LogLevel = spec.level === 'warn' && d.float() < 0.3 ? 'error' : spec.level;
    events.push({ ...base, ts: new Date(at).toISOString(), service, domain: serviceDomain(service), level, trace_id, message: template.render({ ...ctx, d, at: new Date(at), service }), attrs: { host: `ip-${d.ip().replace(/\./g, '-')}` } });
  }
  return { events, traces };
}

function traceId(d: Dice): string {
  return d.float() < 0.7 ? d.hex(32) : d.hex(16);
}

/** Background: info traffic, steady warnings and a few unrelated errors over [from, to). */
function background(d: Dice, base: Pick<LogEvent, 'project' | 'env'>, from: number, to: number): LogEvent[] {
  const out: LogEvent[] = [];
  const services = Object.keys(SERVICES);
  const minutes = (to - from) / MINUTE;
  const perMinute = d.int(2, 5);
  const make = (level: LogLevel, message: string, service: string, traced: boolean, at = from + d.int(0, to - from - 1)): LogEvent => ({
    ...base,
    ts: new Date(at).toISOString(),
    service,
    domain: serviceDomain(service),
    level,
    trace_id: traced ? traceId(d) : null,
    message,
    attrs: {},
  });
  for (let i = 0; i < minutes * perMinute; i++) {
    const service = d.pick(services);
    out.push(make(d.float() < 0.1 ? 'debug' : 'info', d.pick(INFO_LINES)(d, service), service, d.float() < 0.5));
  }
  // Each steady warning has its own rate for the day, the same before and during the incident.
  for (const warning of STEADY_WARNINGS) {
    const every = d.int(6, 20);
    const service = d.pick(services);
    for (let t = from + d.int(0, every * MINUTE); t < to; t += every * MINUTE + d.int(-2, 2) * MINUTE) out.push(make('warn', warning(d), service, d.float() < 0.3, t));
  }
  const errors = d.int(2, 6);
  for (let i = 0; i < errors; i++) out.push(make('error', d.pick(SPORADIC_ERRORS)(d), d.pick(services), true));
  return out;
}

function envPhrase(d: Dice, env: string): string {
  if (env === 'prod') return d.pick(['in prod', 'in production', 'on prod', 'live', 'in prod', '']);
  return d.pick(['in staging', 'on stg', 'in uat', 'in staging']);
}

/** A window phrase that covers the incident when asked at `at` (or none: the default hour). */
function timePhrase(d: Dice, onset: number, at: number): string {
  const since = Math.floor((onset - d.int(0, 15) * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
  const minutes = Math.ceil((at - onset) / (5 * MINUTE)) * 5 + d.pick([5, 10, 15]);
  return d.pick([`since ${hhmm(since)}`, `since ${hhmm(since)} UTC`, `in the last ${minutes} minutes`, 'for the past hour', '', '']);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const CHAT_FORMS: ((area: string, env: string, time: string) => string)[] = [
  (a, e, t) => `${capital(a)} failing ${e} ${t}`,
  (a, e, t) => `why are ${a} erroring ${e} ${t}?`,
  (a, e, t) => `users report errors with ${a} ${e} ${t}`,
  (a, e, t) => `is something wrong with ${a} ${e}? lots of complaints ${t}`,
  (a, e, t) => `${a} broken ${e} ${t}, what happened?`,
  (a, e, t) => `seeing lots of failed ${a} ${e} ${t}`,
  (a, e, t) => `${capital(a)} errors spiking ${e} ${t} - what's going on?`,
];

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\s+([?,.!])/g, '$1').trim();
}

function alertBody(kind: 'alertmanager' | 'grafana', d: Dice, input: { alertname: string; summary: string; description: string; labels: Record<string, string>; startsAt: number }): Record<string, unknown> {
  const fingerprint = d.hex(16);
  const labels: Record<string, string> = { alertname: input.alertname, severity: d.pick(['critical', 'warning', 'page']), ...input.labels };
  const alert = {
    status: 'firing',
    labels,
    annotations: { summary: input.summary, description: input.description, runbook_url: `https://runbooks.example.net/${input.alertname.toLowerCase()}` },
    startsAt: new Date(input.startsAt).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.example.net/graph?g0.expr=${encodeURIComponent(`sum(rate(http_requests_total{code=~"5.."}[5m]))`)}`,
    fingerprint,
  };
  if (kind === 'alertmanager') {
    return {
      version: '4',
      groupKey: `{}:{alertname="${input.alertname}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'loglore',
      groupLabels: { alertname: input.alertname },
      commonLabels: labels,
      commonAnnotations: alert.annotations,
      externalURL: 'http://alertmanager.example.net:9093',
      alerts: [alert],
    };
  }
  const value = Math.round(d.float() * 5000) / 100;
  return {
    receiver: 'loglore',
    status: 'firing',
    orgId: 1,
    alerts: [{ ...alert, labels: { ...labels, grafana_folder: d.pick(['Payments', 'Platform', 'SRE']) }, values: { B: value, C: 1 }, valueString: `[ var='B' labels={} value=${value} ]`, ruleUID: d.hex(9), dashboardURL: '', panelURL: '', silenceURL: '' }],
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'https://grafana.example.net/',
    version: '1',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    title: `[FIRING:1] ${input.alertname} (${labels.project ?? ''})`,
    state: 'alerting',
    message: `**Firing**\n\nValue: B=${value}\nLabels:\n - alertname = ${input.alertname}`,
  };
}

const ALERT_NAMES = ['HighErrorRate', 'Http5xxRatioHigh', 'SuccessRateLow', 'LatencyP99High', 'ErrorBudgetBurn'];

function alertSummary(d: Dice, area: string, service: string | null): { alertname: string; summary: string; description: string } {
  const alertname = service ? `${service.split('-').map(capital).join('')}${d.pick(['Errors', 'HighErrorRate', 'Availability'])}` : d.pick(ALERT_NAMES);
  const summary = d.pick([
    `Error ratio ${d.int(3, 40)}.${d.int(0, 9)}% on ${service ?? area}`,
    `${capital(area)} success rate dropped to ${d.int(40, 95)}%`,
    `p99 latency ${d.int(2, 30)}.${d.int(0, 9)}s on ${service ?? area}`,
    `${d.int(20, 900)} failed ${area} in 5m`,
  ]);
  const description = d.pick([`Threshold ${d.int(1, 5)}% for 5m.`, `Fired by the SLO burn-rate rule (${d.pick(['1h', '6h'])} window).`, `See the ${area} dashboard.`]);
  return { alertname, summary, description };
}

/** Renders one incident of `cause` for its family. */
function renderIncident(draft: Draft, cause: CauseId, earlier: readonly Incident[]): Incident {
  const { d, family } = draft;
  const spec = CAUSE_SPECS[cause];
  const partner = d.pick(PARTNERS);
  const ctx = incidentContext(d, partner);
  const onset = draft.day + d.int(4 * 60, 21 * 60) * MINUTE + d.int(0, 59) * 1000;
  const span = d.int(15, 45) * MINUTE;
  const end = onset + span;
  const lag = d.int(1, 8) * MINUTE;
  const base = { project: draft.project, env: draft.env, attrs: {} };

  // Who logs the cause: one or two of its loggers (three templates at most in the templates family).
  // Recurring incidents are all about the same business area, so their questions read alike.
  const named = spec.loggers.map((l) => loggerName(l, partner));
  const inArea = named.filter((s) => serviceDomain(s) === 'transactions');
  const loggers = shuffle(d, family === 'recurring' && inArea.length > 0 ? inArea : named);
  let services = loggers.slice(0, family === 'templates' ? d.int(1, 3) : d.int(1, 2));
  let templates = [d.int(0, spec.templates.length - 1)];
  if (family === 'templates') templates = shuffle(d, spec.templates.map((_, i) => i)).slice(0, d.int(2, 3));

  const render: Incident['render'] = { source: 'chat', templates, services, domains: [] };
  let subject: { kind: SubjectKind; value: string } | undefined;
  let other: CauseId | null = null;
  let otherVolume = 0;

  if (family === 'subject') {
    const kinds: SubjectKind[] = ['service', 'trace'];
    if (spec.templates.some((t) => t.partner)) kinds.push('partner');
    if (spec.templates.some((t) => t.code)) kinds.push('code');
    const kind = d.pick(kinds);
    if (kind === 'partner') templates = [d.pick(spec.templates.map((t, i) => (t.partner ? i : -1)).filter((i) => i >= 0))];
    if (kind === 'code') templates = [d.pick(spec.templates.map((t, i) => (t.code ? i : -1)).filter((i) => i >= 0))];
    render.templates = templates;
    subject = { kind, value: '' };
    // The louder failure: another cause, from other services, naming no partner.
    const candidates = FAMILY_CAUSES.templates.filter((c) => c !== cause && !CAUSE_SPECS[c].templates.every((t) => t.partner));
    other = d.pick(candidates);
  } else if (family !== 'recurring' && family !== 'symptom_alert' && d.float() < 0.3) {
    // Noise: a smaller unrelated failure somewhere else in the same window.
    other = d.pick(FAMILY_CAUSES.templates.filter((c) => c !== cause));
  }

  const volume = family === 'subject' ? d.int(20, 45) : d.int(25, 120);
  const events: LogEvent[] = [];
  let causeBuilt: Built;
  let symptomService: string | undefined;

  if (family === 'symptom_alert') {
    // The symptom is measured on a front service; the explaining errors come from a
    // downstream one (often tagged with another domain), on the same requests.
    symptomService = d.pick(FRONT_SERVICES);
    const downstream = [...new Set([...spec.loggers.map((l) => loggerName(l, partner)), 'pgbouncer', 'db-proxy'].filter((s) => s !== symptomService))];
    services = [d.pick(cause === 'db_pool' || cause === 'db_deadlock' || cause === 'disk_full' ? downstream : downstream.filter((s) => s !== 'pgbouncer' && s !== 'db-proxy'))];
    render.services = services;
    causeBuilt = causeEvents(d, cause, base, ctx, services, templates, onset, end, volume);
    const symptom = d.int(0, SYMPTOM_TEMPLATES.length - 1);
    const path = d.pick(['/api/v1/transfers', '/api/v2/payments', '/wallet/topup']);
    for (const e of causeBuilt.events) {
      if (!e.trace_id || d.float() > 0.85) continue;
      const at = Date.parse(e.ts) + d.int(5, 900);
      events.push({ ...base, ts: new Date(at).toISOString(), service: symptomService, domain: serviceDomain(symptomService), level: 'error', trace_id: e.trace_id, message: SYMPTOM_TEMPLATES[symptom]!(d, path), attrs: {} });
    }
  } else {
    causeBuilt = causeEvents(d, cause, base, ctx, services, templates, onset, end, volume);
  }
  events.push(...causeBuilt.events);

  let otherTraces: string[] = [];
  if (other) {
    const ospec = CAUSE_SPECS[other];
    const otherPartner = d.pick(PARTNERS.filter((p) => p !== partner));
    const oservices = shuffle(d, ospec.loggers.map((l) => loggerName(l, otherPartner)).filter((s) => !services.includes(s))).slice(0, 1);
    if (oservices.length === 0) oservices.push('settlement-worker');
    otherVolume = family === 'subject' ? volume * d.int(2, 4) : Math.max(8, Math.round(volume * (0.15 + 0.2 * d.float())));
    const oonset = onset + d.int(-10, 10) * MINUTE;
    const plain = ospec.templates.map((t, i) => (t.partner ? -1 : i)).filter((i) => i >= 0);
    const built = causeEvents(d, other, base, incidentContext(d, otherPartner), oservices, [d.pick(plain.length > 0 ? plain : [0])], oonset, oonset + d.int(15, 45) * MINUTE, otherVolume);
    events.push(...built.events);
    otherTraces = built.traces;
  }

  // The question (or alert), its clock, and the background around it.
  const causeDomain = serviceDomain(services[0] as string);
  render.domains = [...new Set(services.map(serviceDomain))];
  let ask: Ask;
  let at = end + lag;
  let namedService: string | undefined;
  const area = d.pick(AREAS[causeDomain]);
  const env = envPhrase(d, draft.env);
  const alertAsk = (kind: 'alertmanager' | 'grafana', input: Parameters<typeof alertBody>[2]): Ask => ({ kind, body: alertBody(kind, d, input) });
  const chatOrApi = (text: string): Ask => (d.float() < 0.6 ? { kind: 'chat', text: tidy(text), occurredAt: new Date(at).toISOString() } : { kind: 'api', text: tidy(text), occurredAt: new Date(at).toISOString() });

  if (family === 'symptom_alert') {
    at = onset + d.int(1, 5) * MINUTE;
    const front = AREAS.transactions[d.int(0, 2)]!;
    const s = alertSummary(d, front, symptomService!);
    const labels: Record<string, string> = { project: draft.project, [d.pick(['env', 'environment'])]: draft.env, service: symptomService!, namespace: draft.project };
    ask = alertAsk(d.pick(['alertmanager', 'grafana'] as const), { ...s, labels, startsAt: at });
  } else if (family === 'addresses') {
    const service = services[0]!;
    const version = `${d.int(1, 9)}.${d.int(0, 30)}.${d.int(0, 20)}`;
    const address = d.pick([`${ctx.ip}:${ctx.port}`, ctx.ip, `${ctx.ip} port ${ctx.port}`]);
    const time = timePhrase(d, onset, at);
    const form = d.int(0, 4);
    if (form <= 2) {
      const text = d.pick([
        `${service} ${d.pick(['v', ''])}${version} on ${address} throwing errors ${env} ${time}`,
        `errors from ${service} (build ${version}, host ${address}) ${env} ${time}`,
        `after deploying ${service} ${version} we see failures ${env} ${time}, node ${address}`,
        cause === 'conn_refused' ? `ECONNREFUSED to ${address} from ${service} ${env} ${time}` : `${area} failing on ${address} ${env} ${time}`,
        `${area} calls to ${address} failing ${env} ${time}`,
        `can't connect to ${address} ${env}`,
      ]);
      ask = chatOrApi(text);
    } else {
      at = onset + d.int(1, 5) * MINUTE;
      const s = alertSummary(d, area, null);
      const labels: Record<string, string> = { project: draft.project, env: draft.env, instance: `${ctx.ip}:${d.pick([9100, 9102, 8080])}`, namespace: draft.project };
      ask = alertAsk(d.pick(['alertmanager', 'grafana'] as const), { ...s, description: `${s.description} Instance ${address}, ${service} ${d.pick(['v', 'version '])}${version}.`, labels, startsAt: at });
    }
  } else if (family === 'cross_domain') {
    // Name a service that logs the cause, with words that suggest another domain.
    namedService = services[0]!;
    const phrase = d.pick(spec.phrases);
    const time = timePhrase(d, onset, at);
    if (d.float() < 0.75) {
      ask = chatOrApi(d.pick([`${namedService} ${phrase} ${env} ${time}`, `why is ${namedService} showing ${phrase} ${env} ${time}?`, `${phrase} on ${namedService} ${env} ${time}`]));
    } else {
      at = onset + d.int(1, 5) * MINUTE;
      const labels: Record<string, string> = { project: draft.project, env: draft.env, service: namedService };
      ask = alertAsk('alertmanager', { alertname: `${namedService.split('-').map(capital).join('')}Errors`, summary: `${capital(phrase)} on ${namedService}`, description: `More than ${d.int(5, 50)} per minute for 5m.`, labels, startsAt: at });
    }
  } else if (family === 'subject') {
    const time = timePhrase(d, onset, at);
    const kind = subject!.kind;
    let text: string;
    if (kind === 'partner') {
      subject!.value = partner;
      text = d.pick([`${partner} ${area} failing ${env} ${time}`, `what's wrong with ${partner} ${env} ${time}?`, `${partner} errors ${env} ${time}`]);
    } else if (kind === 'service') {
      subject!.value = services[0]!;
      text = d.pick([`what's wrong with ${services[0]} ${env} ${time}?`, `${services[0]} errors ${env} ${time}`, `is ${services[0]} ok ${env}? seeing failures ${time}`]);
    } else if (kind === 'code') {
      const code = spec.templates[templates[0]!]!.code!;
      subject!.value = code;
      text = d.pick([`lots of ${code}s on ${area} ${env} ${time}`, `${area} ${code} errors ${env} ${time}`, `what's causing the ${code} errors ${env} ${time}?`]);
    } else {
      const trace = d.pick(causeBuilt.traces);
      subject!.value = trace;
      text = d.pick([`trace ${trace} failed ${env}, why?`, `request with trace_id=${trace} errored ${env} ${time}`, `customer complaint, trace id ${trace} - what happened?`]);
    }
    ask = chatOrApi(text);
  } else {
    // templates, late_logs, recurring: an ordinary question about the failing area, or an alert.
    const time = timePhrase(d, onset, at);
    const text = d.pick(CHAT_FORMS)(area, env, time);
    const alertable = family !== 'late_logs';
    const roll = d.float();
    if (alertable && roll < 0.25) {
      at = onset + d.int(1, 5) * MINUTE;
      const s = alertSummary(d, area, null);
      const labels: Record<string, string> = { project: draft.project, [d.pick(['env', 'environment'])]: draft.env, namespace: draft.project };
      ask = alertAsk(d.pick(['alertmanager', 'grafana'] as const), { ...s, labels, startsAt: at });
    } else {
      ask = chatOrApi(text);
    }
  }

  const from = onset - 150 * MINUTE;
  const to = Math.max(at, end) + 30 * MINUTE;
  const noise = background(d, base, from, to);
  let logs = [...noise, ...events].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  let lateLogs: LogEvent[] = [];

  // Feedback: resolutions an engineer confirms (or not); recurring incidents always get it.
  const resolution = d.pick(spec.resolutions)(ctx, d);
  let feedback: Incident['feedback'] = null;
  const wantsFeedback = family === 'recurring' ? d.float() < 0.85 : d.float() < 0.4;
  if (wantsFeedback) feedback = { outcome: d.float() < 0.8 ? 'resolved' : 'not_resolved', resolution };

  if (family === 'late_logs') {
    // Ingestion lag: everything logged in the last `late` minutes before the question lands after it.
    const late = Math.round((span + lag) * (0.6 + 0.5 * d.float()));
    const cut = at - late;
    render.lateFrom = new Date(cut).toISOString();
    lateLogs = logs.filter((e) => Date.parse(e.ts) >= cut);
    logs = logs.filter((e) => Date.parse(e.ts) < cut);
  }

  // The first incident of a cause in the recurring family is sometimes a backfilled one:
  // its logs, text, resolution and outcome come in one line.
  const firstOfCause = !earlier.some((e) => e.cause === cause && e.project === draft.project);
  const distinctBefore = new Set(earlier.map((e) => e.cause)).size;
  if (family === 'recurring' && firstOfCause && distinctBefore % 2 === 0) {
    const kept = logs.filter((e) => e.level !== 'info' && e.level !== 'debug' ? true : d.float() < 0.25).slice(-1_000);
    const line: Record<string, unknown> = {
      occurred_at: new Date(at).toISOString(),
      text: askText(ask),
      project: draft.project,
      env: draft.env,
      domain: null,
      logs: kept.map((e) => ({ ts: e.ts, level: e.level, message: e.message, service: e.service, domain: e.domain, trace_id: e.trace_id ?? undefined })),
    };
    if (feedback) {
      line.resolution = feedback.resolution;
      line.resolved = feedback.outcome === 'resolved';
    }
    ask = { kind: 'backfill', line };
    logs = [];
    feedback = null;
    causeBuilt = { events: causeBuilt.events, traces: causeBuilt.traces.filter((t) => kept.some((e) => e.trace_id === t)) };
  }

  render.source = ask.kind;
  if (symptomService) render.symptomService = symptomService;
  if (subject) render.subject = subject;
  if (namedService) render.namedService = namedService;

  return {
    id: `${family}#${draft.index}`,
    family,
    index: draft.index,
    seed: draft.seed,
    cause,
    other,
    project: draft.project,
    env: draft.env,
    onset: new Date(onset).toISOString(),
    end: new Date(end).toISOString(),
    logs,
    lateLogs,
    ask,
    feedback,
    truth: { causeTraces: causeBuilt.traces, otherTraces },
    render,
  };
}

/** The text a request will carry (for alerts: what loglore builds from the annotations). */
export function askText(ask: Ask): string {
  if (ask.kind === 'chat' || ask.kind === 'api') return ask.text;
  if (ask.kind === 'backfill') return String(ask.line.text);
  const alert = (ask.body.alerts as { annotations: Record<string, string>; labels: Record<string, string> }[])[0]!;
  return `${alert.labels.alertname}: ${alert.annotations.summary} ${alert.annotations.description}`;
}

/** When the question was asked (an alert: when it started firing). */
export function askedAt(ask: Ask): string {
  if (ask.kind === 'chat' || ask.kind === 'api') return ask.occurredAt;
  if (ask.kind === 'backfill') return String(ask.line.occurred_at);
  return (ask.body.alerts as { startsAt: string }[])[0]!.startsAt;
}
