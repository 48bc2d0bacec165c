import { describe, expect, it } from 'vitest';
import { CAUSE_SPECS, CAUSES } from './causes.ts';
import { askedAt, askText, FAMILIES, generateSuite, type Incident } from './generate.ts';

const suite = generateSuite({ seed: 7, perFamily: 10 });
const small = generateSuite({ seed: 7, perFamily: 4 });

/** Every text loglore reads for an incident: log messages, the question or alert, a backfill line. */
function texts(incident: Incident): { logs: string[]; question: string } {
  const logs = [...incident.logs, ...incident.lateLogs].map((e) => `${e.service} ${e.message} ${JSON.stringify(e.attrs)}`);
  if (incident.ask.kind === 'backfill') logs.push(...(incident.ask.line.logs as { message: string; service: string }[]).map((e) => `${e.service} ${e.message}`));
  const question = incident.ask.kind === 'alertmanager' || incident.ask.kind === 'grafana' ? JSON.stringify(incident.ask.body) : incident.ask.kind === 'backfill' ? String(incident.ask.line.text) : incident.ask.text;
  return { logs, question };
}

describe('the quality suite generator', () => {
  it('renders the same suite for the same seed and another one for another seed', () => {
    expect(JSON.stringify(generateSuite({ seed: 7, perFamily: 4 }))).toBe(JSON.stringify(small));
    const other = generateSuite({ seed: 8, perFamily: 4 });
    expect(other.map((i) => askText(i.ask))).not.toEqual(small.map((i) => askText(i.ask)));
  }, 120_000);

  it('produces every family, each with recurring causes, and a family alone exactly as inside the suite', () => {
    for (const family of FAMILIES) {
      const of = suite.filter((i) => i.family === family);
      expect(of, family).toHaveLength(10);
      const causes = of.map((i) => `${i.project}/${i.env}/${i.cause}`);
      expect(new Set(causes).size, `${family} has a cause that occurs twice in one project and env`).toBeLessThan(causes.length);
    }
    for (const family of FAMILIES) {
      expect(JSON.stringify(generateSuite({ seed: 7, perFamily: 4, families: [family] }))).toBe(JSON.stringify(small.filter((i) => i.family === family)));
    }
  }, 120_000);

  it('keeps families apart: their projects differ, and incidents of a project never share a day', () => {
    const projects = new Map<string, string>();
    for (const i of suite) {
      expect(projects.get(i.project) ?? i.family).toBe(i.family);
      projects.set(i.project, i.family);
    }
    const days = suite.map((i) => `${i.project}/${i.onset.slice(0, 10)}`);
    expect(new Set(days).size).toBe(days.length);
  });

  it('renders one cause differently each time: other questions, services, lines and templates', () => {
    for (const cause of CAUSES) {
      const of = suite.filter((i) => i.cause === cause);
      if (of.length < 2) continue;
      expect(new Set(of.map((i) => askText(i.ask))).size, cause).toBe(of.length);
      const lines = of.map((i) => [...i.logs, ...i.lateLogs].filter((e) => e.trace_id && i.truth.causeTraces.includes(e.trace_id)).map((e) => e.message));
      const first = new Set(lines[0]);
      expect(lines[1]!.some((m) => !first.has(m)), `${cause}: lines of two incidents differ`).toBe(true);
    }
    const templates = new Set(suite.filter((i) => i.cause === 'db_pool' || i.cause === 'tls_expiry').flatMap((i) => i.render.templates.map((t) => `${i.cause}:${t}`)));
    expect(templates.size).toBeGreaterThanOrEqual(5);
    for (const i of suite.filter((x) => x.family === 'templates')) expect(i.render.templates.length, i.id).toBeGreaterThanOrEqual(2);
  });

  it('never writes the cause into the text it must be inferred from', () => {
    // The generator's labels: cause ids, their readable names, family ids.
    const forbidden = CAUSES.flatMap((c) => [c, CAUSE_SPECS[c].name.toLowerCase()]);
    for (const family of FAMILIES) if (family.includes('_')) forbidden.push(family);
    const leaks: string[] = [];
    for (const i of suite) {
      const { logs, question } = texts(i);
      const all = [...logs, question].join('\n').toLowerCase();
      for (const word of forbidden) if (all.includes(word)) leaks.push(`${i.id}: "${word}"`);
      // The ground truth's trace ids are in trace_id fields, not in messages; only a question
      // about one trace names it.
      const messages = logs.join('\n');
      for (const t of i.truth.causeTraces) {
        if (messages.includes(t)) leaks.push(`${i.id}: trace ${t} in a message`);
        if (i.render.subject?.kind !== 'trace' && question.includes(t)) leaks.push(`${i.id}: trace ${t} in the question`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('keeps the ground truth consistent with the logs', () => {
    for (const i of suite) {
      const logs = i.ask.kind === 'backfill' ? (i.ask.line.logs as { trace_id?: string }[]) : [...i.logs, ...i.lateLogs];
      const traced = new Set(logs.map((e) => e.trace_id).filter(Boolean));
      expect(i.truth.causeTraces.length, i.id).toBeGreaterThan(0);
      for (const t of i.truth.causeTraces) expect(traced.has(t), i.id).toBe(true);
      for (const t of i.truth.otherTraces) expect(i.truth.causeTraces.includes(t), i.id).toBe(false);
      expect(Date.parse(i.onset)).toBeLessThan(Date.parse(i.end));
      // Every incident is long past, so no alert's startsAt is after the machine's clock.
      expect(Date.parse(askedAt(i.ask))).toBeLessThan(Date.UTC(2025, 0, 1));
    }
  });

  it('renders each family’s situation', () => {
    const of = (f: string) => suite.filter((i) => i.family === f);
    for (const i of of('late_logs')) {
      expect(i.lateLogs.length, i.id).toBeGreaterThan(0);
      expect(i.lateLogs.some((e) => e.trace_id && i.truth.causeTraces.includes(e.trace_id)), i.id).toBe(true);
      const cut = Date.parse(i.render.lateFrom!);
      expect(i.logs.every((e) => Date.parse(e.ts) < cut) && i.lateLogs.every((e) => Date.parse(e.ts) >= cut), i.id).toBe(true);
    }
    for (const i of of('symptom_alert')) {
      expect(['alertmanager', 'grafana']).toContain(i.ask.kind);
      const body = JSON.stringify(i.ask.kind === 'alertmanager' || i.ask.kind === 'grafana' ? i.ask.body : {});
      expect(body).toContain(`"service":"${i.render.symptomService}"`);
      const symptoms = i.logs.filter((e) => e.service === i.render.symptomService && e.level === 'error' && e.trace_id && i.truth.causeTraces.includes(e.trace_id));
      expect(symptoms.length, `${i.id}: symptom errors share the cause's trace ids`).toBeGreaterThan(0);
      expect(i.render.services).not.toContain(i.render.symptomService);
    }
    for (const i of of('addresses')) expect(texts(i).question, i.id).toMatch(/\b10\.\d+\.\d+\.\d+\b/);
    for (const i of of('cross_domain')) expect(texts(i).question, i.id).toContain(i.render.namedService!);
    for (const i of of('subject')) {
      expect(i.other, i.id).not.toBeNull();
      const loud = i.logs.filter((e) => e.trace_id && i.truth.otherTraces.includes(e.trace_id)).length;
      const quiet = i.logs.filter((e) => e.trace_id && i.truth.causeTraces.includes(e.trace_id)).length;
      expect(loud, `${i.id}: the other failure is the louder one`).toBeGreaterThan(quiet);
      expect(texts(i).question.toLowerCase(), i.id).toContain(i.render.subject!.value.toLowerCase());
    }
    const recurring = of('recurring');
    expect(recurring.some((i) => i.ask.kind === 'backfill')).toBe(true);
    expect(recurring.filter((i) => i.feedback || i.ask.kind === 'backfill').length).toBeGreaterThan(recurring.length / 2);
    expect(new Set(recurring.map((i) => `${i.project}/${i.env}`)).size).toBe(1);
  });
});
