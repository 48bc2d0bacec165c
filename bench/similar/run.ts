/**
 * find-similar at scale: p50/p99 of the two similar look-ups of packages/db
 * (`findSimilarAnalyses`, the find-similar step's, and `findSimilarByEvidence`, the analyze
 * step's) at 10k and 100k stored analyses (quick) and 1M (`--full`), against a primary-key
 * look-up of analysis_memory in the same database and, as the before, the query find-similar ran
 * until issue 11 (the newest 1,000 of the project scored). Ranking is checked too: on a sample of
 * the questions, the top 5 of each look-up is compared with the top 5 of scoring every eligible
 * row of the project by the same weights (the exact answer no index walk can beat).
 *
 *   npx tsx bench/similar/run.ts [--quick|--full] [--queries N]
 *
 * A dedicated database is created and dropped (TEST_DATABASE_URL's server). Memory is generated
 * in SQL (generate_series): half of it in one project, the one every question asks in, the rest
 * spread over 97 small projects; questions are drawn from the same generator as the stored ones
 * (partners, symptoms, services, wording, times), 20 causes, 4 templates each. Writes
 * bench/results/similar.json and docs/charts/similar.svg.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { EVIDENCE_WEIGHTS, findSimilarAnalyses, findSimilarByEvidence, queryRows, SIMILAR_WEIGHTS, type Db } from '@loglore/db';
import { createTestDatabase } from '@loglore/db/testing';
import { lowerIsBetter, writeResult, type BenchFigure } from '../lib/results.ts';
import { round, summarize, table } from '../lib/stats.ts';

const PROJECT = 'big';
const CHART = 'docs/charts/similar.svg';
// Row i of the generator happened at T0 + i * STEP_SECONDS: a million analyses span two years.
const T0 = '2025-01-01T00:00:00Z';
const STEP_SECONDS = 63;
const OLD_CANDIDATES = 1_000;

interface Options {
  mode: 'quick' | 'full';
  queries: number;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { mode: 'quick', queries: 200 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.mode = 'quick';
    else if (arg === '--full') options.mode = 'full';
    else if (arg === '--queries') {
      options.queries = Number(argv[++i]);
      if (!Number.isInteger(options.queries) || options.queries < 10) throw new Error('--queries must be a whole number ≥ 10');
    } else throw new Error(`unknown argument ${arg}; usage: run.ts [--quick|--full] [--queries N]`);
  }
  return options;
}

/**
 * The generator, as a set-returning SQL function of the bench database: rows `first`..`last`,
 * each a function of its number only (hashint8), so a size grows by appending and a question
 * (a number past the stored ones) comes from the same distribution.
 */
const GENERATOR = `
create function bench_similar_rows(first bigint, last bigint)
returns table (i bigint, project text, query_text text, parameters jsonb, error_pattern text, pattern_key text,
  resolution text, outcome text, occurred_at timestamptz, template_keys text[], services text[])
language sql stable as $$
  with v as (select
    array['transfers failing','payments timing out','connection pool exhausted','certificate expired','rate limited by partner',
      'dns lookup failing','disk full','pods OOM killed','token expired errors','deadlock detected','5xx errors from partner',
      'consumer lag growing','connection refused','OTP not delivered','settlement batch stuck','slow queries','high latency',
      'webhook retries piling up','queue backlog','card authorisations declined'] as symptoms,
    array['ledger-svc','payments-api','auth-svc','notification-svc','settlement-worker','card-gateway','wallet-svc','kyc-svc',
      'fraud-engine','reporting-job','api-gateway','user-profile','loan-svc','billing-svc','fx-rates','merchant-portal',
      'reconciliation','search-svc','audit-log','session-svc','otp-svc','partner-bridge','statement-svc','limits-svc'] as services,
    array['npsb','bkash','nagad','visa','mastercard','rocket','upay','swift','city bank','brac'] as partners,
    array['','why are','urgent:','customers report','alert:','investigate','again','please check'] as openers,
    array['','in the last hour','after the deploy','on prod','p99 up','since the morning','for some customers','intermittently'] as tails)
  select s.i, s.project,
    trim(v.openers[1 + s.h1 % 8] || ' ' || v.partners[1 + s.h2 % 10] || ' ' || v.symptoms[1 + s.c] || ' in ' || v.services[1 + s.sv]
      || ' ' || v.tails[1 + s.h3 % 8]
      || case when s.h4 % 3 = 0 then ' since ' || lpad((s.h4 % 24)::text, 2, '0') || ':' || lpad((s.h5 % 60)::text, 2, '0') else '' end),
    jsonb_build_object('project', s.project, 'env', case when s.h5 % 5 = 0 then 'staging' else 'prod' end, 'domain', 'd' || (s.c % 6)),
    'PATTERN_' || s.c, 'cause.' || s.c,
    case when s.h6 % 100 < 13 then 'fix for cause ' || s.c end,
    case when s.h6 % 100 < 10 then 'resolved' when s.h6 % 100 < 13 then 'not_resolved' end,
    timestamptz '${T0}' + s.i * interval '${STEP_SECONDS} seconds',
    case when s.h3 % 3 = 0 then array['t' || s.c || '.' || (s.h1 % 4), 't' || s.c || '.' || ((s.h1 + 1) % 4)] else array['t' || s.c || '.' || (s.h1 % 4)] end,
    case when s.h4 % 4 = 0 then array[v.services[1 + s.sv], v.services[1 + (s.sv + 1) % 24]] else array[v.services[1 + s.sv]] end
  from v, lateral (
    select g.i,
      case when g.i % 2 = 0 then '${PROJECT}' when g.i % 1000 = 1 then null else 'team-' || (g.i % 97) end as project,
      abs(hashint8(g.i * 11 + 1)) as h1, abs(hashint8(g.i * 11 + 2)) as h2, abs(hashint8(g.i * 11 + 3)) as h3,
      abs(hashint8(g.i * 11 + 4)) as h4, abs(hashint8(g.i * 11 + 5)) as h5, abs(hashint8(g.i * 11 + 6)) as h6,
      (abs(hashint8(g.i * 11 + 7)) % 20)::int as c, (abs(hashint8(g.i * 11 + 8)) % 24)::int as sv
    from generate_series(first, last) as g(i)
  ) s
$$`;

/** Stores generator rows `from`..`to` (the analysis_memory_keys trigger keys them as any insert). */
async function seed(db: Db, from: number, to: number): Promise<void> {
  const chunk = 100_000;
  for (let a = from; a <= to; a += chunk) {
    const b = Math.min(to, a + chunk - 1);
    await queryRows(
      db,
      sql`insert into analysis_memory (request_id, project, source, query_text, parameters, trace_ids, error_pattern, pattern_key,
            resolution, outcome, occurred_at, created_at, template_keys, services)
          select gen_random_uuid(), project, 'api', query_text, parameters, array[md5(i::text)], error_pattern, pattern_key,
            resolution, outcome, occurred_at, occurred_at + interval '2 minutes', template_keys, services
          from bench_similar_rows(${a}::bigint, ${b}::bigint)`,
    );
  }
  await queryRows(db, sql`vacuum analyze analysis_memory`);
  await queryRows(db, sql`vacuum analyze analysis_memory_keys`);
}

interface Question {
  text: string;
  env: string;
  errorPattern: string;
  patternKey: string;
  templateKeys: string[];
  services: string[];
  anchor: Date;
}

/** Questions past the stored rows, asked in PROJECT, each anchored when it happened. */
async function questions(db: Db, after: number, n: number): Promise<Question[]> {
  const rows = await queryRows<{ query_text: string; env: string; error_pattern: string; pattern_key: string; template_keys: string[]; services: string[]; occurred_at: string }>(
    db,
    sql`select query_text, parameters->>'env' as env, error_pattern, pattern_key, template_keys, services, occurred_at
        from bench_similar_rows(${after + 1}::bigint, ${after + n}::bigint)`,
  );
  return rows.map((r) => ({
    text: r.query_text,
    env: r.env,
    errorPattern: r.error_pattern,
    patternKey: r.pattern_key,
    templateKeys: r.template_keys,
    services: r.services,
    anchor: new Date(r.occurred_at),
  }));
}

const similarQuery = (q: Question) => ({ project: PROJECT, filter: { project: PROJECT, env: q.env }, text: q.text, anchor: q.anchor, limit: 5 });
const evidenceQuery = (q: Question) => ({
  project: PROJECT,
  env: q.env,
  patternKey: q.patternKey,
  templateKeys: q.templateKeys,
  services: q.services,
  text: q.text,
  anchor: q.anchor,
  limit: 5,
});

/** findSimilarAnalyses' score over `from` (a relation aliased m), best first. */
function similarReference(q: Question, from: ReturnType<typeof sql>) {
  const w = SIMILAR_WEIGHTS;
  return sql`select m.request_id::text as id, (${w.text}::float8 * similarity(m.query_text, ${q.text}::text)
      + ${w.resolved}::float8 * (case m.outcome when 'resolved' then 1 when 'not_resolved' then -0.5 else 0 end)
      + ${w.recent}::float8 * exp(-abs(date_part('epoch', ${q.anchor.toISOString()}::timestamptz - m.occurred_at)) / ${w.recencyScaleSeconds}::float8))::float8 as score
    from ${from} order by score desc, m.created_at desc, m.id desc limit 5`;
}

/** The query find-similar ran before issue 11: the newest 1,000 eligible analyses, scored. */
function oldSimilar(q: Question) {
  return similarReference(
    q,
    sql`(select * from analysis_memory where project = ${PROJECT} and parameters @> ${JSON.stringify({ project: PROJECT, env: q.env })}::jsonb
          order by created_at desc, id desc limit ${OLD_CANDIDATES}::int) m`,
  );
}

/** Every eligible analysis of the project, scored: the exact answer. */
function exactSimilar(q: Question) {
  return similarReference(q, sql`analysis_memory m where m.project = ${PROJECT} and m.parameters @> ${JSON.stringify({ project: PROJECT, env: q.env })}::jsonb`);
}

function exactEvidence(q: Question) {
  const w = EVIDENCE_WEIGHTS;
  const keys = `{${q.templateKeys.map((k) => `"${k}"`).join(',')}}`;
  const services = `{${q.services.map((k) => `"${k}"`).join(',')}}`;
  const jaccard = (column: ReturnType<typeof sql>, wanted: string) => sql`coalesce(
    cardinality(array(select unnest(${column}) intersect select unnest(${wanted}::text[])))::float8
    / nullif(cardinality(array(select unnest(${column}) union select unnest(${wanted}::text[]))), 0), 0)`;
  return sql`select m.request_id::text as id, (${w.pattern}::float8 * (case when m.pattern_key = ${q.patternKey}::text then 1 else 0 end)
      + ${w.templates}::float8 * ${jaccard(sql`m.template_keys`, keys)}
      + ${w.services}::float8 * ${jaccard(sql`m.services`, services)}
      + ${w.text}::float8 * similarity(m.query_text, ${q.text}::text)
      + ${w.env}::float8 * (case when m.parameters->>'env' = ${q.env}::text then 1 else 0 end)
      + ${w.resolved}::float8 * (case m.outcome when 'resolved' then 1 when 'not_resolved' then -0.5 else 0 end)
      + ${w.recent}::float8 * exp(-abs(date_part('epoch', ${q.anchor.toISOString()}::timestamptz - m.occurred_at)) / ${w.recencyScaleSeconds}::float8))::float8 as score
    from analysis_memory m where m.project = ${PROJECT} order by score desc, m.occurred_at desc, m.id desc limit 5`;
}

/**
 * findSimilarByEvidence before issue 11 (the newest 200 per pattern, template, service and
 * `%` text match, all scored): compared for ranking only, its GIN indexes being gone.
 */
function oldEvidence(q: Question) {
  const w = EVIDENCE_WEIGHTS;
  const keys = `{${q.templateKeys.map((k) => `"${k}"`).join(',')}}`;
  const services = `{${q.services.map((k) => `"${k}"`).join(',')}}`;
  const walk = (where: ReturnType<typeof sql>) => sql`(select id from analysis_memory where ${where} and project = ${PROJECT} order by occurred_at desc limit 200)`;
  const jaccard = (column: ReturnType<typeof sql>, wanted: string) => sql`coalesce(
    cardinality(array(select unnest(${column}) intersect select unnest(${wanted}::text[])))::float8
    / nullif(cardinality(array(select unnest(${column}) union select unnest(${wanted}::text[]))), 0), 0)`;
  return sql`with candidates as (
      ${walk(sql`pattern_key = ${q.patternKey}::text`)} union ${walk(sql`template_keys && ${keys}::text[]`)}
      union ${walk(sql`services && ${services}::text[]`)} union ${walk(sql`query_text % ${q.text}::text`)})
    select m.request_id::text as id, (${w.pattern}::float8 * (case when m.pattern_key = ${q.patternKey}::text then 1 else 0 end)
      + ${w.templates}::float8 * ${jaccard(sql`m.template_keys`, keys)}
      + ${w.services}::float8 * ${jaccard(sql`m.services`, services)}
      + ${w.text}::float8 * similarity(m.query_text, ${q.text}::text)
      + ${w.env}::float8 * (case when m.parameters->>'env' = ${q.env}::text then 1 else 0 end)
      + ${w.resolved}::float8 * (case m.outcome when 'resolved' then 1 when 'not_resolved' then -0.5 else 0 end)
      + ${w.recent}::float8 * exp(-abs(date_part('epoch', ${q.anchor.toISOString()}::timestamptz - m.occurred_at)) / ${w.recencyScaleSeconds}::float8))::float8 as score
    from candidates c join analysis_memory m on m.id = c.id order by score desc, m.occurred_at desc, m.id desc limit 5`;
}

interface Ranked {
  id: string;
  score: number;
}

/**
 * How a ranking compares with the exact top 5: whether its first scores as high as the exact
 * first (at the repository's 3 decimals), and the share of the exact five it returned.
 */
function agreement(got: Ranked[], exact: Ranked[]): { top1: boolean; at5: number } {
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  const top1 = exact.length === 0 || (got.length > 0 && r3(got[0]!.score) >= r3(exact[0]!.score));
  const ids = new Set(got.map((g) => g.id));
  return { top1, at5: exact.length === 0 ? 1 : exact.filter((e) => ids.has(e.id)).length / exact.length };
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await f();
  return [performance.now() - t, value];
}

interface SizeResult {
  size: number;
  seed_seconds: number;
  pk: ReturnType<typeof summarize>;
  similar: ReturnType<typeof summarize>;
  evidence: ReturnType<typeof summarize>;
  old_similar: ReturnType<typeof summarize>;
  /** Agreement with scoring every eligible row, over `checked` questions. */
  ranking: {
    checked: number;
    similar_top1: number;
    similar_at5: number;
    old_top1: number;
    old_at5: number;
    evidence_top1: number;
    evidence_at5: number;
    old_evidence_top1: number;
    old_evidence_at5: number;
  };
}

async function measureSize(db: Db, size: number, options: Options, ids: { min: number; max: number }): Promise<Omit<SizeResult, 'seed_seconds'>> {
  const asked = await questions(db, size, options.queries);
  const warm = asked.slice(0, 20);
  for (const q of warm) {
    await findSimilarAnalyses(db, similarQuery(q));
    await findSimilarByEvidence(db, evidenceQuery(q));
    await queryRows(db, oldSimilar(q));
  }
  const pk: number[] = [];
  const similar: number[] = [];
  const evidence: number[] = [];
  const old: number[] = [];
  for (const [n, q] of asked.entries()) {
    const id = ids.min + ((n * 7_919) % (ids.max - ids.min + 1));
    pk.push((await timed(() => queryRows(db, sql`select * from analysis_memory where id = ${id}::bigint`)))[0]);
    similar.push((await timed(() => findSimilarAnalyses(db, similarQuery(q))))[0]);
    evidence.push((await timed(() => findSimilarByEvidence(db, evidenceQuery(q))))[0]);
    old.push((await timed(() => queryRows(db, oldSimilar(q))))[0]);
  }
  // Scoring every row costs ~20–40 µs a row: fewer questions at the larger sizes.
  const checked = asked.slice(0, size <= 10_000 ? 40 : size <= 100_000 ? 12 : 4);
  const tally = { similar_top1: 0, similar_at5: 0, old_top1: 0, old_at5: 0, evidence_top1: 0, evidence_at5: 0, old_evidence_top1: 0, old_evidence_at5: 0 };
  for (const q of checked) {
    const exact = (await queryRows<{ id: string; score: number }>(db, exactSimilar(q))).map((r) => ({ id: r.id, score: Number(r.score) }));
    const before = (await queryRows<{ id: string; score: number }>(db, oldSimilar(q))).map((r) => ({ id: r.id, score: Number(r.score) }));
    const got = await findSimilarAnalyses(db, similarQuery(q));
    const gotEvidence = await findSimilarByEvidence(db, evidenceQuery(q));
    const exactE = (await queryRows<{ id: string; score: number }>(db, exactEvidence(q))).map((r) => ({ id: r.id, score: Number(r.score) }));
    const asRanked = (list: typeof got) => list.map((x) => ({ id: x.request_id, score: x.score }));
    const a = agreement(asRanked(got), exact);
    const b = agreement(before, exact);
    const e = agreement(asRanked(gotEvidence), exactE);
    const beforeE = (await queryRows<{ id: string; score: number }>(db, oldEvidence(q))).map((r) => ({ id: r.id, score: Number(r.score) }));
    const oe = agreement(beforeE, exactE);
    tally.old_evidence_top1 += Number(oe.top1);
    tally.old_evidence_at5 += oe.at5;
    tally.similar_top1 += Number(a.top1);
    tally.similar_at5 += a.at5;
    tally.old_top1 += Number(b.top1);
    tally.old_at5 += b.at5;
    tally.evidence_top1 += Number(e.top1);
    tally.evidence_at5 += e.at5;
  }
  const share = (v: number) => round(v / checked.length, 3);
  return {
    size,
    pk: summarize(pk),
    similar: summarize(similar),
    evidence: summarize(evidence),
    old_similar: summarize(old),
    ranking: {
      checked: checked.length,
      similar_top1: share(tally.similar_top1),
      similar_at5: share(tally.similar_at5),
      old_top1: share(tally.old_top1),
      old_at5: share(tally.old_at5),
      evidence_top1: share(tally.evidence_top1),
      evidence_at5: share(tally.evidence_at5),
      old_evidence_top1: share(tally.old_evidence_top1),
      old_evidence_at5: share(tally.old_evidence_at5),
    },
  };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** p99 per size of each look-up, grouped bars on a log scale (the before grows by orders of magnitude). */
export function renderSimilarChart(rows: readonly SizeResult[], subtitle: string): string {
  const series = [
    { label: 'findSimilarAnalyses', color: '#2563eb', value: (r: SizeResult) => r.similar.p99 },
    { label: 'findSimilarByEvidence', color: '#16a34a', value: (r: SizeResult) => r.evidence.p99 },
    { label: 'primary-key look-up', color: '#9ca3af', value: (r: SizeResult) => r.pk.p99 },
    { label: 'before: newest 1,000 scored', color: '#dc2626', value: (r: SizeResult) => r.old_similar.p99 },
  ];
  const left = 56;
  const top = 70;
  const plotH = 220;
  const bar = 22;
  const group = series.length * bar + 40;
  const width = Math.max(640, left + rows.length * group + 20);
  const height = top + plotH + 46;
  const lo = 0.1;
  const hi = Math.max(10, ...rows.flatMap((r) => series.map((s) => s.value(r)))) * 1.5;
  const y = (v: number) => top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="600">find-similar p99 against stored analyses (ms, log scale)</text>`,
    `<text x="10" y="34" fill="#4b5563">${esc(subtitle)}</text>`,
  ];
  series.forEach((s, i) => {
    const x = left + i * 130;
    parts.push(`<rect x="${x}" y="44" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="53">${esc(s.label)}</text>`);
  });
  for (const v of [0.1, 1, 5, 10, 100, 1000, 10000].filter((v) => v <= hi)) {
    const dash = v === 5 ? ' stroke-dasharray="4 3" stroke="#dc2626"' : ' stroke="#e5e7eb"';
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"${dash}/>`, `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#374151">${v}</text>`);
  }
  rows.forEach((r, g) => {
    const x0 = left + 20 + g * group;
    series.forEach((s, i) => {
      const v = s.value(r);
      const x = x0 + i * bar;
      parts.push(`<rect x="${x}" y="${y(v).toFixed(1)}" width="${bar - 4}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${s.color}"/>`);
      parts.push(`<text x="${x + (bar - 4) / 2}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${v < 10 ? v.toFixed(1) : Math.round(v)}</text>`);
    });
    parts.push(`<text x="${x0 + (series.length * bar) / 2}" y="${top + plotH + 16}" text-anchor="middle">${r.size.toLocaleString('en-US')} analyses</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const sizes = options.mode === 'full' ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
  const database = await createTestDatabase({ max: 2 });
  const results: SizeResult[] = [];
  try {
    await queryRows(database.db, sql.raw(GENERATOR));
    let stored = 0;
    for (const size of sizes) {
      const [seconds] = await timed(() => seed(database.db, stored + 1, size));
      stored = size;
      process.stderr.write(`seeded ${size} analyses (+${(seconds / 1000).toFixed(1)} s)\n`);
      const [range] = await queryRows<{ min: string; max: string }>(database.db, sql`select min(id)::text as min, max(id)::text as max from analysis_memory`);
      const measured = await measureSize(database.db, size, options, { min: Number(range!.min), max: Number(range!.max) });
      results.push({ ...measured, seed_seconds: round(seconds / 1000) });
      process.stderr.write(`measured ${size}: similar p99 ${measured.similar.p99} ms, evidence p99 ${measured.evidence.p99} ms, pk p99 ${measured.pk.p99} ms\n`);
    }
  } finally {
    await database.drop();
  }

  process.stdout.write(
    `${table(
      results.map((r) => ({
        analyses: r.size.toLocaleString('en-US'),
        'similar p50/p99': `${r.similar.p50} / ${r.similar.p99}`,
        'evidence p50/p99': `${r.evidence.p50} / ${r.evidence.p99}`,
        'pk p50/p99': `${r.pk.p50} / ${r.pk.p99}`,
        'before p50/p99': `${r.old_similar.p50} / ${r.old_similar.p99}`,
        'top1 vs exact (before)': `${r.ranking.similar_top1} (${r.ranking.old_top1})`,
        'top5 held (before)': `${r.ranking.similar_at5} (${r.ranking.old_at5})`,
        'evidence top1/top5 (before)': `${r.ranking.evidence_top1} / ${r.ranking.evidence_at5} (${r.ranking.old_evidence_top1} / ${r.ranking.old_evidence_at5})`,
      })),
    )}\n`,
  );

  const largest = results[results.length - 1]!;
  const figures: BenchFigure[] = results.flatMap((r) => {
    const at = `${r.size.toLocaleString('en-US')} stored analyses`;
    const aim = r.size >= 1_000_000 ? { text: '≤ 5 ms', max: 5 } : null;
    return [
      lowerIsBetter(`findSimilarAnalyses p99, ${at}`, r.similar.p99, 'ms', r.pk.p99, 'primary-key look-up p99, same database', aim),
      lowerIsBetter(`findSimilarByEvidence p99, ${at}`, r.evidence.p99, 'ms', r.pk.p99, 'primary-key look-up p99, same database', aim),
      lowerIsBetter(`findSimilarAnalyses p99 against the query before issue 11, ${at}`, r.similar.p99, 'ms', r.old_similar.p99, 'newest 1,000 scored (before), p99', null),
    ];
  });
  figures.push({
    claim: `findSimilarAnalyses first result as good as scoring every row, ${largest.size.toLocaleString('en-US')} analyses (${largest.ranking.checked} questions)`,
    value: largest.ranking.similar_top1,
    unit: 'share',
    baseline: largest.ranking.old_top1,
    baseline_label: 'newest 1,000 scored (before)',
    ratio: largest.ranking.old_top1 ? largest.ranking.similar_top1 / largest.ranking.old_top1 : null,
    aim: null,
    met: null,
  });
  const file = writeResult(
    {
      name: 'similar',
      title: 'find-similar against stored analyses',
      command: `npx tsx bench/similar/run.ts${options.mode === 'full' ? ' --full' : ''}`,
      mode: options.mode,
      figures,
      chart: CHART,
      notes: [
        `${options.queries} questions per size, each timed once per look-up, one after the other on one connection; half of the stored analyses are in the project asked.`,
        'Candidates come from bounded index walks (words of the question, error pattern, nearest in time, nearest confirmed resolutions; for evidence: pattern, templates, services, words); the before is the query that scored the newest 1,000 analyses of the project.',
        'Ranking: the share of questions whose first result scores as high as the best of every eligible row (top1) and the share of the exact top 5 returned (top5), for each look-up and for its before (findSimilarByEvidence before: the newest 200 per pattern, template, service and `%` text match; compared for ranking only, its GIN indexes are dropped).',
        'Latencies are wall-clock through the repository (pg), named prepared statements: findSimilarAnalyses planned for its values on each call (set local plan_cache_mode = force_custom_plan), findSimilarByEvidence on the plan Postgres keeps after five runs.',
      ].join('\n'),
      data: { sizes: results },
    },
    renderSimilarChart(results, `${options.mode}, ${options.queries} questions per size; dashed: the 5 ms aim`),
  );
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)} and ${CHART}\n`);
  process.exit(0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
