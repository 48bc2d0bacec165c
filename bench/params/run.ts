/**
 * Parameter-extraction evaluation: exact-match accuracy per field and overall (every field
 * right) on bench/params/cases.jsonl, for the deterministic extractor and for a naive
 * keyword-only baseline measured in the same run.
 *
 *   npx tsx bench/params/run.ts [--failures]
 *
 * Case format (one JSON object per line):
 *   {id, text, at, explicit?, previous?, conversation?, turn?, config?, expected}
 * `expected` fields left out mean "empty" (null or []); `time_range` is always given, as ISO
 * instants with any offset (compared as instants). Turn n of a conversation gets as `previous`
 * the expected parameters of turn n − 1, so each turn is judged on its own.
 * The same in quick and full mode (it takes a second). Writes bench/results/params.json
 * through writeResult and docs/charts/params-accuracy.svg.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { extractParameters, parseConfig, type ExtractorConfig, type Parameters } from '../../packages/core/src/index.ts';
import { benchMode, higherIsBetter, writeResult } from '../lib/results.ts';
import { baselineExtract } from './baseline.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The issue's aim: every field right in at least 95 % of the cases. */
const FIELD_AIM = 0.95;

const Expected = z.object({
  project: z.string().nullable().default(null),
  env: z.string().nullable().default(null),
  domain: z.string().nullable().default(null),
  time_range: z.object({ from: z.string(), to: z.string() }),
  trace_ids: z.array(z.string()).default([]),
  request_ids: z.array(z.string()).default([]),
  transaction_ids: z.array(z.string()).default([]),
  services: z.array(z.string()).default([]),
  http_status: z.array(z.number()).default([]),
  http_status_classes: z.array(z.string()).default([]),
  error_codes: z.array(z.string()).default([]),
});
type Expected = z.infer<typeof Expected>;

const Case = z.object({
  id: z.string(),
  text: z.string(),
  at: z.string(),
  explicit: z.object({ project: z.string().nullable(), env: z.string().nullable(), domain: z.string().nullable() }).partial().optional(),
  previous: z.unknown().optional(),
  conversation: z.string().optional(),
  turn: z.number().int().positive().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  expected: Expected,
});
type Case = z.infer<typeof Case>;

export const FIELDS = [
  'project',
  'env',
  'domain',
  'time_range',
  'trace_ids',
  'request_ids',
  'transaction_ids',
  'services',
  'http_status',
  'error_codes',
] as const;
type Field = (typeof FIELDS)[number];

const sameSet = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && [...a].map(String).sort().join('\u0000') === [...b].map(String).sort().join('\u0000');

function fieldRight(field: Field, got: Parameters, want: Expected): boolean {
  switch (field) {
    case 'project':
    case 'env':
    case 'domain':
      return got[field] === want[field];
    case 'time_range':
      return Date.parse(got.time_range.from) === Date.parse(want.time_range.from) && Date.parse(got.time_range.to) === Date.parse(want.time_range.to);
    case 'http_status':
      return sameSet(got.http_status, want.http_status) && sameSet(got.http_status_classes ?? [], want.http_status_classes);
    default:
      return sameSet(got[field], want[field]);
  }
}

function asParameters(e: Expected): Parameters {
  return {
    ...e,
    time_range: { from: new Date(e.time_range.from).toISOString(), to: new Date(e.time_range.to).toISOString() },
    keywords: [],
  };
}

function loadCases(): Case[] {
  const lines = readFileSync(join(here, 'cases.jsonl'), 'utf8').split('\n');
  const cases: Case[] = [];
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    const parsed = Case.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`cases.jsonl line ${n + 1}: ${parsed.error.message}`);
    cases.push(parsed.data);
  });
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  return cases;
}

function previousOf(c: Case, byConversation: Map<string, Map<number, Case>>): Parameters | undefined {
  if (c.previous !== undefined) return asParameters(Expected.parse(c.previous));
  if (c.conversation === undefined || c.turn === undefined || c.turn === 1) return undefined;
  const prev = byConversation.get(c.conversation)?.get(c.turn - 1);
  if (!prev) throw new Error(`case ${c.id}: turn ${c.turn - 1} of conversation ${c.conversation} is missing`);
  return asParameters(prev.expected);
}

/** The field has a value in the labels (not null, not empty, not the default window). */
function fieldSet(field: Field, c: Case, windowMinutes: number): boolean {
  const e = c.expected;
  switch (field) {
    case 'project':
    case 'env':
    case 'domain':
      return e[field] !== null;
    case 'time_range': {
      const at = Date.parse(c.at);
      return !(Date.parse(e.time_range.to) === at && Date.parse(e.time_range.from) === at - windowMinutes * 60_000);
    }
    case 'http_status':
      return e.http_status.length + e.http_status_classes.length > 0;
    default:
      return e[field].length > 0;
  }
}

interface Score {
  perField: Record<Field, number>;
  /** Accuracy on the cases whose label sets the field, and how many those are. */
  whenSet: Record<Field, { accuracy: number; cases: number }>;
  overall: number;
  failures: Array<{ id: string; fields: Field[]; got: Parameters }>;
}

function score(cases: Case[], run: (c: Case) => Parameters, windowOf: (c: Case) => number): Score {
  const right = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  const setRight = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  const setCount = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  let all = 0;
  const failures: Score['failures'] = [];
  for (const c of cases) {
    const got = run(c);
    const wrong = FIELDS.filter((f) => !fieldRight(f, got, c.expected));
    for (const f of FIELDS) {
      const ok = !wrong.includes(f);
      if (ok) right[f]++;
      if (fieldSet(f, c, windowOf(c))) {
        setCount[f]++;
        if (ok) setRight[f]++;
      }
    }
    if (wrong.length === 0) all++;
    else failures.push({ id: c.id, fields: wrong, got });
  }
  const n = cases.length;
  return {
    perField: Object.fromEntries(FIELDS.map((f) => [f, right[f] / n])) as Record<Field, number>,
    whenSet: Object.fromEntries(FIELDS.map((f) => [f, { accuracy: setCount[f] === 0 ? 1 : setRight[f] / setCount[f], cases: setCount[f] }])) as Score['whenSet'],
    overall: all / n,
    failures,
  };
}

function chart(ours: Score, base: Score, n: number): string {
  const labels = [...FIELDS, 'overall'] as const;
  const value = (s: Score, l: (typeof labels)[number]) => (l === 'overall' ? s.overall : s.perField[l]);
  const W = 760;
  const rowH = 30;
  const left = 130;
  const top = 56;
  const barW = 520;
  const H = top + labels.length * rowH + 40;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = labels
    .map((l, i) => {
      const y = top + i * rowH;
      const o = value(ours, l);
      const b = value(base, l);
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${esc(l)}</text>`,
        `<rect x="${left}" y="${y + 2}" width="${(o * barW).toFixed(1)}" height="11" fill="#2b6cb0"/>`,
        `<rect x="${left}" y="${y + 14}" width="${(b * barW).toFixed(1)}" height="11" fill="#a0aec0"/>`,
        `<text x="${left + o * barW + 4}" y="${y + 12}" font-size="10">${(o * 100).toFixed(1)}%</text>`,
        `<text x="${left + b * barW + 4}" y="${y + 24}" font-size="10" fill="#4a5568">${(b * 100).toFixed(1)}%</text>`,
      ].join('');
    })
    .join('\n  ');
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((g) => `<line x1="${left + g * barW}" y1="${top - 4}" x2="${left + g * barW}" y2="${top + labels.length * rowH}" stroke="#e2e8f0"/><text x="${left + g * barW}" y="${top + labels.length * rowH + 14}" font-size="10" text-anchor="middle">${g * 100}%</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="${left}" y="22" font-size="15" font-weight="bold">Parameter extraction: exact-match accuracy (${n} cases)</text>
  <rect x="${left}" y="32" width="10" height="10" fill="#2b6cb0"/><text x="${left + 14}" y="41" font-size="11">deterministic extractor</text>
  <rect x="${left + 170}" y="32" width="10" height="10" fill="#a0aec0"/><text x="${left + 184}" y="41" font-size="11">keyword-only baseline</text>
  ${grid}
  ${rows}
</svg>
`;
}

function main(): void {
  const showFailures = process.argv.includes('--failures');
  const baseConfig = parseConfig(JSON.parse(readFileSync(join(here, 'config.json'), 'utf8')));
  const cases = loadCases();
  const byConversation = new Map<string, Map<number, Case>>();
  for (const c of cases) {
    if (c.conversation === undefined || c.turn === undefined) continue;
    const turns = byConversation.get(c.conversation) ?? new Map<number, Case>();
    turns.set(c.turn, c);
    byConversation.set(c.conversation, turns);
  }
  const configFor = (c: Case): ExtractorConfig => (c.config ? parseConfig({ ...JSON.parse(readFileSync(join(here, 'config.json'), 'utf8')), ...c.config }) : baseConfig);
  const inputOf = (c: Case) => ({ text: c.text, at: new Date(c.at), explicit: c.explicit, previous: previousOf(c, byConversation) });

  const windowOf = (c: Case) => configFor(c).defaults.windowMinutes;
  const ours = score(cases, (c) => extractParameters(inputOf(c), configFor(c)), windowOf);
  const base = score(cases, (c) => baselineExtract(inputOf(c), configFor(c)), windowOf);

  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1.00' : '∞') : (a / b).toFixed(2));
  console.log(`bench/params: ${cases.length} cases (${byConversation.size} conversations, ${cases.filter((c) => c.conversation).length} conversation turns)\n`);
  console.log('| field | extractor | baseline | ratio | cases where set | extractor when set | baseline when set |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of FIELDS) {
    const o = ours.whenSet[f];
    const b = base.whenSet[f];
    console.log(`| ${f} | ${pct(ours.perField[f])} | ${pct(base.perField[f])} | ${ratio(ours.perField[f], base.perField[f])} | ${o.cases} | ${pct(o.accuracy)} | ${pct(b.accuracy)} |`);
  }
  console.log(`| **overall (all fields right)** | ${pct(ours.overall)} | ${pct(base.overall)} | ${ratio(ours.overall, base.overall)} |`);

  const categories = new Map<string, { n: number; ok: number }>();
  const failed = new Set(ours.failures.map((f) => f.id));
  for (const c of cases) {
    const cat = /^[a-z]+/.exec(c.id)?.[0] ?? '?';
    const s = categories.get(cat) ?? { n: 0, ok: 0 };
    s.n++;
    if (!failed.has(c.id)) s.ok++;
    categories.set(cat, s);
  }
  console.log(`\nall-fields-right by group: ${[...categories].map(([k, s]) => `${k} ${s.ok}/${s.n}`).join(', ')}`);
  console.log(`cases with a wrong field: ${ours.failures.length}${showFailures ? '' : ' (list them with --failures)'}`);
  if (showFailures) {
    for (const f of ours.failures) {
      const c = cases.find((x) => x.id === f.id);
      const show = (field: Field, p: Parameters | Expected) =>
        field === 'time_range' ? `${new Date(p.time_range.from).toISOString()}..${new Date(p.time_range.to).toISOString()}` : field === 'http_status' ? JSON.stringify([p.http_status, p.http_status_classes ?? []]) : JSON.stringify(p[field]);
      console.log(`  ${f.id} ${JSON.stringify(c?.text ?? '')}`);
      for (const field of f.fields) console.log(`      ${field}: got ${show(field, f.got)} want ${c ? show(field, c.expected) : '?'}`);
    }
  }

  const pct1 = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lowest = FIELDS.reduce((a, f) => (ours.perField[f] < ours.perField[a] ? f : a), FIELDS[0]);
  const fieldRows = FIELDS.map((f) => `| ${f} | ${pct1(ours.perField[f])} | ${pct1(base.perField[f])} | ${ours.whenSet[f].cases} | ${pct1(ours.whenSet[f].accuracy)} | ${pct1(base.whenSet[f].accuracy)} |`);
  const notes = [
    `${cases.length} cases of \`bench/params/cases.jsonl\` (${byConversation.size} conversations), each field compared exactly with its label; the baseline is a keyword-only extractor (\`bench/params/baseline.ts\`) on the same cases, same configuration (\`bench/params/config.json\`).`,
    '',
    '| field | extractor | keyword baseline | cases where the field is set | extractor when set | baseline when set |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...fieldRows,
    `| **all fields right** | **${pct1(ours.overall)}** | **${pct1(base.overall)}** | ${cases.length} | | |`,
    '',
    'The "when set" columns matter: most cases have empty id lists, which a baseline gets right by returning nothing. The set covers every domain of the default vocabulary, every supported time expression, id formats, and conversations of follow-ups.',
    '',
    `The set was written by us, and the extractor was fixed against it; the fairer figures are the batches written before they were run (94.6 % and 97.8 % all fields right before fixes, see \`bench/params/README.md\`). Cases with a wrong field now: ${ours.failures.map((f) => `\`${f.id}\` (${f.fields.join(', ')})`).join(', ') || 'none'}.`,
  ].join('\n');
  const file = writeResult(
    {
      name: 'params',
      title: 'Parameter extraction',
      command: 'npx tsx bench/params/run.ts',
      mode: benchMode(),
      figures: [
        higherIsBetter('parameter extraction, all fields right', ours.overall * 100, '%', base.overall * 100, 'keyword-only', null),
        higherIsBetter(`parameter extraction, the weakest field (${lowest})`, ours.perField[lowest] * 100, '%', base.perField[lowest] * 100, 'keyword-only', { text: `≥ ${FIELD_AIM * 100} % per field`, min: FIELD_AIM * 100 }),
      ],
      chart: 'docs/charts/params-accuracy.svg',
      notes,
      data: {
        cases: cases.length,
        fields: FIELDS,
        extractor: { per_field: ours.perField, when_set: ours.whenSet, overall: ours.overall, failures: ours.failures.map(({ id, fields }) => ({ id, fields })) },
        baseline: { per_field: base.perField, when_set: base.whenSet, overall: base.overall },
      },
    },
    chart(ours, base, cases.length),
  );
  console.log(`\nwrote ${file} and docs/charts/params-accuracy.svg`);
}

main();
