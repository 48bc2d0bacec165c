/**
 * The deterministic summary and hypothesis of an outcome. They restate the outcome and its
 * evidence only, so rebuilding them after verification keeps them true.
 */
import type { AnalysisOutcome, Evidence, EvidenceTemplate } from './types.ts';

function quote(text: string, n = 160): string {
  return `"${text.length <= n ? text : `${text.slice(0, n - 1)}…`}"`;
}

function scopeText(evidence: Evidence): string {
  const parts: string[] = [];
  if (evidence.scope.project) parts.push(`project ${evidence.scope.project}`);
  if (evidence.scope.env) parts.push(`env ${evidence.scope.env}`);
  if (evidence.scope.domain) parts.push(`domain ${evidence.scope.domain}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function focusText(scope: NonNullable<AnalysisOutcome['scope']>): string {
  const parts: string[] = [];
  if (scope.asked.services.length > 0) parts.push(`service ${list(scope.asked.services)}`);
  if (scope.asked.trace_ids.length > 0) parts.push(`trace ${list(scope.asked.trace_ids)}`);
  if (scope.asked.services.length === 0 && scope.asked.domain) parts.push(`domain ${scope.asked.domain}`);
  const linked = scope.linked_error_event_count > 0 ? ` and ${plural(scope.linked_error_event_count, 'error-like event')} of other services on the same traces` : '';
  return `${parts.join(' and ')} (${plural(scope.hinted_error_event_count, 'error-like event')}${linked})`;
}

/** Services of templates, most frequent template first, unique. */
function servicesOf(templates: readonly EvidenceTemplate[]): string[] {
  const out: string[] = [];
  for (const t of templates) for (const name of t.services) if (!out.includes(name)) out.push(name);
  return out;
}

/** Ends a sentence with a period unless it already ends with punctuation. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Writes `summary` (one readable paragraph) and `hypothesis` (the most likely cause, or
 * null when the evidence names no failure or its cause is unknown) from an outcome.
 * Deterministic: the same outcome always reads the same.
 */
export function narrate(
  outcome: Pick<AnalysisOutcome, 'scope' | 'error_pattern' | 'pattern_key' | 'classification' | 'dominant' | 'trace_ids' | 'services' | 'known_pattern' | 'resolution' | 'resolution_source' | 'confidence_score' | 'similar'>,
  evidence: Evidence,
): { summary: string; hypothesis: string | null } {
  const window = `Between ${evidence.time_range.from} and ${evidence.time_range.to}${scopeText(evidence)}`;
  const widened = outcome.scope?.reason ? ` ${outcome.scope.reason}` : '';
  const dominant = outcome.dominant ? evidence.templates.find((t) => t.template_id === outcome.dominant?.template_id) : undefined;

  if (!outcome.error_pattern || !dominant) {
    if (evidence.event_count === 0) {
      return {
        summary: `No error evidence found: no log events were found ${window.charAt(0).toLowerCase()}${window.slice(1)}, so no error pattern is named. Check that logs for these filters are being ingested.`,
        hypothesis: null,
      };
    }
    const significant = evidence.templates.filter((t) => t.significant);
    if (significant.length > 0) {
      const top = significant.slice(0, 3).map((t) => `${quote(t.template, 80)} ×${t.count}`);
      return {
        summary: `No error pattern is named: the conclusion was not supported by the evidence.${widened} ${window}: ${plural(evidence.event_count, 'event')}, ${evidence.error_event_count} of them errors, warnings or error-like; the most significant templates are ${list(top)}.`,
        hypothesis: null,
      };
    }
    const errors =
      evidence.error_event_count === 0
        ? 'none at warning level or above and none that read like failures'
        : `${evidence.error_event_count} warnings or error-like lines, all at their usual rate (seen as often in the previous window)`;
    return {
      summary: `No error evidence found in the window.${widened} ${window}: ${plural(evidence.event_count, 'event')}, ${errors}. No error pattern is named.`,
      hypothesis: null,
    };
  }

  const group: EvidenceTemplate[] = evidence.templates.filter((t) => t.pattern_key === outcome.pattern_key);
  const groupCount = group.reduce((n, t) => n + t.count, 0);
  const share = evidence.error_event_count > 0 ? Math.round((groupCount / evidence.error_event_count) * 100) : 0;
  const first = group.reduce((a, b) => (Date.parse(b.first_seen) < Date.parse(a.first_seen) ? b : a)).first_seen;
  const last = group.reduce((a, b) => (Date.parse(b.last_seen) > Date.parse(a.last_seen) ? b : a)).last_seen;
  const label = outcome.classification?.known === false ? `${outcome.error_pattern} (${outcome.pattern_key}, not in the catalog)` : `${outcome.error_pattern} (${outcome.pattern_key})`;

  const s: string[] = [];
  s.push(`${window}: ${plural(evidence.event_count, 'event')}, ${evidence.error_event_count} of them errors, warnings or error-like.`);
  if (widened) s.push(widened.trim());
  else if (outcome.scope?.focus === 'hinted') s.push(`Focused on ${focusText(outcome.scope)}.`);
  const across = group.length > 1 ? ` (${groupCount} events across ${group.length} templates)` : '';
  // Each template's own services: another failure's services are not this one's.
  const own = servicesOf(group);
  const where = own.length > 0 ? ` in ${list(own.slice(0, 4))}` : '';
  s.push(
    `The dominant failure is ${label}: ${quote(dominant.template)} occurred ${plural(dominant.count, 'time')}${across}, ${share}% of the error-like events,${where} from ${first} to ${last}.`,
  );
  const baseline = group.reduce((n, t) => n + t.baseline_count, 0);
  if (evidence.baseline_event_count === 0) s.push('There is no earlier window to compare with.');
  else if (group.every((t) => t.new)) s.push('It is new: none in the previous window.');
  else if (group.some((t) => t.spiking || t.new)) {
    s.push(`It spiked from ${baseline} in the previous window${dominant.spike_start ? `, the burst beginning at ${dominant.spike_start}` : ''}.`);
  } else s.push(`It occurred at a similar rate before (${baseline} in the previous window).`);

  // Other failures worth a mention: new, spiking, or at least a tenth of the dominant one.
  const others = evidence.templates
    .filter((t) => t.significant && t.pattern_key !== outcome.pattern_key && (t.new || t.spiking || t.count * 10 >= groupCount))
    .slice(0, 2);
  if (others.length > 0) {
    s.push(`Also significant: ${others.map((t) => `${t.error_pattern} ${quote(t.template, 80)} ×${t.count}${t.services.length > 0 ? ` in ${list(t.services.slice(0, 3))}` : ''}`).join('; ')}.`);
  }

  const known = outcome.known_pattern;
  if (known && known.typical_causes.length > 0) s.push(`Typical causes: ${known.typical_causes.slice(0, 3).join('; ')}.`);
  if (known) {
    const votes = known.success_count + known.failure_count;
    if (votes > 0) s.push(`Seen in ${plural(known.usage_count, 'earlier analysis', 'earlier analyses')}; resolutions worked in ${Math.round(known.success_rate * 100)}% of ${plural(votes, 'report')}.`);
  }
  if (outcome.resolution && outcome.resolution_source?.kind === 'similar') {
    s.push(sentence(`Resolution confirmed by feedback on ${outcome.resolution_source.ref}: ${outcome.resolution}`));
  } else if (outcome.resolution) s.push(sentence(`Suggested steps: ${outcome.resolution}`));
  if (outcome.trace_ids.length > 0) s.push(`Traces that show it: ${outcome.trace_ids.join(', ')}.`);
  s.push(`Confidence ${outcome.confidence_score.toFixed(2)}.`);

  let hypothesis: string | null = null;
  const confirmed = outcome.resolution_source?.kind === 'similar' ? outcome.resolution_source.ref : null;
  if (known && known.typical_causes.length > 0) {
    const [cause, ...rest] = known.typical_causes;
    hypothesis = `${outcome.error_pattern}, most likely: ${cause}${rest.length > 0 ? ` (other known causes: ${rest.slice(0, 2).join('; ')})` : ''}.`;
  } else if (confirmed) {
    hypothesis = sentence(`The same failure as ${confirmed}, which was resolved by: ${outcome.resolution}`);
  }
  return { summary: s.join(' '), hypothesis };
}
