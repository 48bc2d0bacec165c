import { sql, type SQL } from 'drizzle-orm';
import { ANALYSIS_LIMITS, spikeLayout, type TemplateEvidenceRead } from '@loglore/core';
import { queryRows, type Db } from '../client.ts';
import { logEventsInScopeSql } from './logs.ts';
import { templateAggregatesCte, windowScopeSql, type TemplateWindows } from './templates.ts';

/** What the analyze step's hints say to focus on: lower-cased service names and trace ids (core's Hints). */
export interface EvidenceFocus {
  services: readonly string[];
  traceIds: readonly string[];
}

/** An analysis' evidence read from aggregates, or, when the window holds rows from before fingerprints at ingest, a note to read rows. */
export type TemplateEvidence = { untemplated: false; read: TemplateEvidenceRead } | { untemplated: true };

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);
/** A text[] parameter (sent as JSON text, the same on pg and PGlite). */
const textArray = (values: readonly string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

/**
 * The evidence of one analysis from what ingest keeps, in one statement whose cost follows the
 * templates and minutes of the windows, not their events (core's {@link TemplateEvidenceRead}):
 * - per fingerprint, service, domain and level, the error-like events of the window and of the
 *   baseline (log_template_minutes, and the rows of the minutes the windows' edges cut);
 * - per fingerprint and bucket of core's spikeLayout, the window's events (from the same parts);
 * - per fingerprint of the window, its first events and latest event with their messages, and
 *   its newest events with a trace id (index range scans of log_events_template_ts_idx);
 * - with services or trace ids to focus on, the traces of the hinted scope's newest 1,000
 *   errors (log_events_hinted_idx) and what else they hold (the trace index);
 * - both windows' event totals, and whether the windows hold error-like rows without a
 *   fingerprint (stored before migration 0012), which only their rows can analyse.
 *
 * @example
 * const evidence = await readTemplateEvidence(db, { project: 'bank', env: 'prod', baselineFrom, from, to }, { services: [], traceIds: [] });
 */
export async function readTemplateEvidence(db: Db, w: TemplateWindows, focus: EvidenceFocus): Promise<TemplateEvidence> {
  const e = windowScopeSql('e', w);
  const inWindow = sql`e.ts >= ${ts(w.from)} and e.ts < ${ts(w.to)}`;
  const layout = spikeLayout(w.from.getTime(), w.to.getTime());
  const focused = focus.services.length > 0 || focus.traceIds.length > 0;
  const services = textArray(focus.services);
  const traces = textArray(focus.traceIds);
  const hinted = (alias: string) => sql`(${sql.raw(alias)}.trace_id = any(${traces}) or coalesce(lower(${sql.raw(alias)}.service) = any(${services}), false))`;
  const sample = (kind: string, order: SQL, limit: number, withMessage: boolean, traced: boolean) => sql`(
      select ${kind}::text as kind, ${ms('e.ts')} as ms, e.id, e.severity::int as severity, e.service, e.trace_id,
        ${withMessage ? sql`left(e.message, ${ANALYSIS_LIMITS.message})` : sql`null::text`} as message
      from log_events e
      where ${e} and e.template_id = f.template_id and ${inWindow}${traced ? sql` and e.trace_id is not null` : sql``}
      order by ${order} limit ${limit})`;
  const earliest = sql`e.ts, e.severity desc, e.id`;
  const newest = sql`e.ts desc, e.severity, e.id desc`;

  const focusCtes = focused
    ? sql`, hinted_recent as (
          (select e.trace_id, e.ts, e.severity, e.id from log_events e
            where ${e} and e.error_like and ${inWindow} and e.trace_id is not null and lower(e.service) = any(${services})
            order by ${newest} limit ${ANALYSIS_LIMITS.hintedTraces})
          union all
          (select e.trace_id, e.ts, e.severity, e.id from log_events e
            where ${e} and e.error_like and ${inWindow} and e.trace_id = any(${traces}) and not coalesce(lower(e.service) = any(${services}), false)
            order by ${newest} limit ${ANALYSIS_LIMITS.hintedTraces})
        ), hinted_traces as (
          select distinct trace_id from (select trace_id from hinted_recent e order by ${newest} limit ${ANALYSIS_LIMITS.hintedTraces}) r
        ), hinted as (
          select h.trace_id, min(e.ts) as start from hinted_traces h join log_events e on e.trace_id = h.trace_id
          where ${e} and e.error_like and ${inWindow} and ${hinted('e')}
          group by h.trace_id
        ), linked as (
          select e.template_id as "templateId", e.trace_id as "traceId", count(*)::int as count, bool_or(e.ts <= h.start) as preceding
          from hinted h join log_events e on e.trace_id = h.trace_id
          where ${e} and e.error_like and e.template_id is not null and ${inWindow} and not ${hinted('e')}
          group by 1, 2
        ), asked as (
          select e.template_id as "templateId", e.trace_id as "traceId", e.service, count(*)::int as count
          from log_events e
          where ${e} and e.error_like and e.template_id is not null and ${inWindow} and e.trace_id = any(${traces})
          group by 1, 2, 3
        )`
    : sql``;
  const focusColumns = focused
    ? sql`, (select count(*) from hinted)::int as hinted_traces,
          (select coalesce(json_agg(l), '[]'::json) from linked l) as linked,
          (select coalesce(json_agg(k), '[]'::json) from asked k) as asked`
    : sql``;

  const [row] = await queryRows<{
    untemplated: boolean;
    aggregates: { template_id: string; masked: string | null; service: string | null; domain: string | null; severity: number; count: number; baseline_count: number; first_ms: number | null; last_ms: number | null; baseline_first_ms: number | null }[];
    buckets: TemplateEvidenceRead['buckets'];
    samples: { template_id: string; kind: 'first' | 'last' | 'traced'; ms: number; id: number; severity: number; service: string | null; trace_id: string | null; message: string | null }[];
    hinted_traces?: number;
    linked?: NonNullable<TemplateEvidenceRead['focus']>['linked'];
    asked?: NonNullable<TemplateEvidenceRead['focus']>['asked'];
    events: string | number;
    baseline: string | number;
  }>(
    db,
    sql`with ${templateAggregatesCte(w)}, buckets as (
          select template_id as "templateId",
            floor(extract(epoch from (at - ${ts(new Date(layout.origin))})) / ${layout.width / 1000})::int as bucket,
            sum(count)::int as count, ${ms('min(first_ts)')} as "firstMs"
          from parts where in_window group by 1, 2
        ), samples as (
          select f.template_id, s.* from (select distinct template_id from aggregates where count > 0) f
          cross join lateral (
            ${sample('first', earliest, ANALYSIS_LIMITS.subjectExamples, true, false)}
            union all
            ${sample('last', newest, 1, true, false)}
            union all
            ${sample('traced', newest, ANALYSIS_LIMITS.recentTraced, false, true)}
          ) s
        )${focusCtes}
        select
          exists (
            select 1 from log_events e
            where ${e} and e.error_like and e.template_id is null and e.ts >= ${ts(w.baselineFrom)} and e.ts < ${ts(w.to)}
          ) as untemplated,
          (select coalesce(json_agg(a), '[]'::json) from aggregates a) as aggregates,
          (select coalesce(json_agg(b), '[]'::json) from buckets b) as buckets,
          (select coalesce(json_agg(s), '[]'::json) from samples s) as samples${focusColumns},
          ${logEventsInScopeSql({ project: w.project, env: w.env, from: w.from, to: w.to })} as events,
          ${logEventsInScopeSql({ project: w.project, env: w.env, from: w.baselineFrom, to: w.from })} as baseline`,
  );
  if (!row || row.untemplated) return { untemplated: true };
  return {
    untemplated: false,
    read: {
      aggregates: row.aggregates.map((a) => ({
        templateId: a.template_id,
        masked: a.masked ?? '',
        service: a.service,
        domain: a.domain,
        severity: Number(a.severity),
        count: Number(a.count),
        baselineCount: Number(a.baseline_count),
        firstMs: a.first_ms,
        lastMs: a.last_ms,
        baselineFirstMs: a.baseline_first_ms,
      })),
      buckets: row.buckets,
      samples: row.samples.map((s) => ({ templateId: s.template_id, kind: s.kind, ms: s.ms, id: Number(s.id), severity: s.severity, service: s.service, traceId: s.trace_id, message: s.message })),
      focus: focused ? { hintedTraces: Number(row.hinted_traces ?? 0), linked: row.linked ?? [], asked: row.asked ?? [] } : null,
      totals: { events: Number(row.events), baseline: Number(row.baseline) },
    },
  };
}
