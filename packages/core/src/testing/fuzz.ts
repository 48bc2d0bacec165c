/**
 * Arbitraries and seeds for the property-based fuzz suites (fast-check, a dev dependency; only
 * tests import this module). Hostile input as loglore meets it: NUL and control characters,
 * unpaired surrogates, bidi and zero-width characters, huge strings, 100k-deep JSON, wrong
 * types, instants Postgres refuses, near-valid bodies with one field broken.
 *
 * Every suite runs twice per CI run: once with {@link FIXED_SEED} (failures replay) and once
 * with a random seed, both printed. `FUZZ_SEED=<n>` runs only that seed; `FUZZ_RUNS=<factor>`
 * scales the number of cases.
 */
import fc, { type Arbitrary } from 'fast-check';

export const FIXED_SEED = 20_261_125;

/** The seeds of one run: the fixed one and a random one, or `FUZZ_SEED` alone. */
export function fuzzSeeds(): number[] {
  const forced = process.env.FUZZ_SEED;
  if (forced !== undefined && forced !== '') return [Number(forced)];
  return [FIXED_SEED, Math.floor(Math.random() * 0x7fffffff)];
}

/** `n` scaled by `FUZZ_RUNS` (default 1). */
export function fuzzRuns(n: number): number {
  const factor = Number(process.env.FUZZ_RUNS ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/** Cases run by every fuzz suite of this process, for the count each suite prints. */
export const fuzzCounter = { cases: 0 };

/**
 * Runs a property once per seed (printing each seed, so a failure replays with
 * `FUZZ_SEED=<seed>`), `numRuns` cases per seed.
 */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  numRuns: number,
): Promise<number> {
  let total = 0;
  for (const seed of fuzzSeeds()) {
    const runs = fuzzRuns(numRuns);
    console.log(`fuzz ${name}: seed ${seed}, ${runs} cases (replay: FUZZ_SEED=${seed})`);
    await fc.assert(property as fc.IAsyncProperty<Ts>, { seed, numRuns: runs, endOnFailure: true });
    fuzzCounter.cases += runs;
    total += runs;
  }
  return total;
}

/** Characters that break naive handling; each is as likely as a whole random code point. */
const NASTY_CHARS = [
  '\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\u001b', '\u007f', '\u0008', '\r', '\n', '\t', '\u2028', '\u202e',
  '\u200b', '\ufeff', '\ufffd', '\u0301', '😀', '"', "'", '\\', '{', '}', '[', ']', '=', ':', ' ', '%', '@', '-',
];

/** One "character": a random code point (any plane) or a nasty one (NUL, a lone surrogate, an escape...). */
export const hostileChar: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_CHARS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

export const hostileString = (maxLength = 40): Arbitrary<string> => fc.string({ unit: hostileChar, maxLength });

/** Strings long enough to cross the bounds (names 100, text 20,000, log lines 1 MiB). */
export const hugeString: Arbitrary<string> = fc
  .tuple(fc.constantFrom(101, 257, 5_001, 20_001, 70_000), fc.constantFrom('x', 'ab ', 'é', '😀', '\u0000'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

/** Instants as clients send them, many of which Postgres or the ISO format refuse. */
export const badInstant: Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '9999-12-31T23:59:59-05:00',
    '0999-12-31T23:59:59Z',
    '2026-02-30T10:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-25T24:00:00Z',
    '2026-11-25T10:00:00+25:00',
    '2026-11-25',
    '1764064862',
    'yesterday',
    '',
  ),
  fc
    .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }))
    .map(([y, mo, d, h]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`),
);

export const goodInstant: Arbitrary<string> = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

export const anyInstant: Arbitrary<string> = fc.oneof(goodInstant, badInstant);

/** JSON values of any shape with hostile strings (keys too). */
export const hostileJson: Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4, stringUnit: hostileChar });

/** A value of a wrong type for any field. */
export const wrongType: Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(hostileString(8), hostileString(8), { maxKeys: 3 }),
  hostileString(),
);

/** The text of a JSON value nested `depth` levels deep: the 100k case overflowed recursive walks. */
export const deepJsonText: Arbitrary<string> = fc
  .tuple(fc.constantFrom(10, 63, 64, 65, 1_000, 100_000), fc.boolean())
  .map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

/** Placeholder a body generator puts where {@link withDeepText} splices a deep value. */
export const DEEP = '\u0001deep\u0001';

/** `JSON.stringify(value)` with the {@link DEEP} placeholder string replaced by `deep`. */
export function withDeepText(value: unknown, deep: string): string {
  return JSON.stringify(value).replace(JSON.stringify(DEEP), deep);
}

/**
 * Near-valid objects: `base` with each field kept (a base value may itself be an arbitrary of
 * valid values), replaced by a hostile value of `fields`, or dropped, and now and then an
 * unknown field or a deep value (the {@link DEEP} placeholder).
 */
export function mutated(base: Record<string, unknown>, fields: Record<string, Arbitrary<unknown>>): Arbitrary<Record<string, unknown>> {
  const keys = [...new Set([...Object.keys(base), ...Object.keys(fields)])];
  // About one and a half fields of each object are broken, mostly by a hostile value of the
  // right type (a NUL in an otherwise valid text is what used to reach Postgres).
  const broken = Math.round(1000 * Math.min(0.5, 1.5 / keys.length));
  const other = Math.max(1, Math.round(broken * 0.1));
  const parts: Record<string, Arbitrary<unknown>> = {};
  for (const key of keys) {
    const hostile = fields[key];
    const keep = base[key] instanceof fc.Arbitrary ? (base[key] as Arbitrary<unknown>) : fc.constant(base[key]);
    parts[key] = fc.oneof(
      { weight: 1000 - broken, arbitrary: keep },
      ...(hostile ? [{ weight: broken - 3 * other, arbitrary: hostile }] : []),
      { weight: other, arbitrary: fc.constant(undefined) },
      { weight: other, arbitrary: wrongType },
      { weight: other, arbitrary: fc.constant(DEEP) },
    );
  }
  return fc.tuple(fc.record(parts), fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(hostileString(12), hostileJson) })).map(([record, extra]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
    if (extra) out[extra[0]] = extra[1];
    return out;
  });
}

/** How a body goes wrong as text: sent as is, cut short, with a raw NUL byte, or replaced by noise. */
export function bodyText(value: Arbitrary<unknown>): Arbitrary<string> {
  return fc
    .tuple(value, deepJsonText, fc.constantFrom(...Array<string>(17).fill('as is'), 'cut', 'raw NUL', 'noise'), hostileString(60), fc.nat())
    .map(([v, deep, how, noise, n]) => {
      const text = withDeepText(v, deep);
      switch (how) {
        case 'cut':
          return text.slice(0, n % Math.max(1, text.length));
        case 'raw NUL':
          return `${text.slice(0, n % Math.max(1, text.length))}\u0000${text.slice(n % Math.max(1, text.length))}`;
        case 'noise':
          return noise;
        default:
          return text;
      }
    });
}

// ---------------------------------------------------------------------------------------
// Bodies of each door: near-valid values of its format, broken one field at a time.

const level = fc.constantFrom('error', 'ERROR', 'warn', 'info', 'debug', 'fatal', '50', 'notice', '');
export const logObject = mutated(
  { ts: '2026-11-25T10:01:02Z', level: 'error', msg: 'Connection pool exhausted', service: 'ledger', trace_id: '4bf92f3577b34da6', project: 'pay' },
  {
    ts: fc.oneof(anyInstant, fc.integer(), fc.double()),
    level: fc.oneof(level, hostileString(8)),
    msg: fc.oneof(hostileString(80), hugeString),
    service: fc.oneof(hostileString(20), hugeString),
    trace_id: hostileString(40),
    project: hostileString(20),
    env: hostileString(10),
    attrs: hostileJson,
    '@timestamp': anyInstant,
  },
);

const timestampPrefix = fc.oneof(
  fc.constant(''),
  anyInstant.map((t) => `${t} `),
  fc.constantFrom('Nov 25 10:01:02 host sshd[42]: ', '[Sat Nov 25 10:01:02.123456 2026] ', '<34>1 2026-11-25T10:01:02Z host app 1 - - ', '<999>', 'Feb 30 10:00:00 '),
  fc.constantFrom('10.0.0.1 - - [25/Nov/2026:10:01:02 +0000] "GET / HTTP/1.1" 500 ', '[00/Xyz/0000:99:99:99 +9999] '),
);
export const plainLine = fc
  .tuple(timestampPrefix, fc.oneof(level, fc.constant('')), fc.oneof(hostileString(80), hugeString), fc.constantFrom('', '\n\tat com.example.Foo(Foo.java:1)', '\nCaused by: x'))
  .map(([ts, lvl, message, trace]) => `${ts}${lvl ? `${lvl} ` : ''}${message}${trace}`);
export const logfmtLine = fc
  .dictionary(fc.oneof(fc.constantFrom('ts', 'level', 'msg', 'trace_id', 'service', 'time'), hostileString(8)), fc.oneof(anyInstant, hostileString(30)), { maxKeys: 6 })
  .map((pairs) => Object.entries(pairs).map(([k, v]) => (/[\s"=]/.test(v) || v === '' ? `${k}="${v.replace(/"/g, '\\"')}"` : `${k}=${v}`)).join(' '));
export const logLine = fc.oneof(bodyText(logObject), plainLine, logfmtLine);
export const logBody = fc.oneof(
  fc.tuple(fc.array(logLine, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\n\n')).map(([lines, sep]) => lines.join(sep)),
  bodyText(fc.array(fc.oneof(logObject, hostileString(40), hostileJson), { maxLength: 6 })),
  hostileString(200),
);

export const incidentLine = bodyText(
  mutated(
    {
      occurred_at: '2026-11-25T10:00:00Z',
      text: 'NPSB transfers failing',
      project: 'payments',
      env: 'prod',
      domain: 'transactions',
      trace_ids: ['4bf92f3577b34da6'],
      error_pattern: 'DB_POOL_EXHAUSTED',
      resolution: 'raised the pool size',
      resolved: true,
      logs: [{ ts: '2026-11-25T10:00:01Z', msg: 'pool exhausted', level: 'error' }],
    },
    {
      occurred_at: anyInstant,
      text: fc.oneof(hostileString(80), hugeString),
      project: fc.oneof(hostileString(20), fc.constant(null)),
      env: fc.oneof(hostileString(10), fc.constant(null)),
      trace_ids: fc.array(hostileString(20), { maxLength: 3 }),
      error_pattern: hostileString(20),
      resolution: hostileString(60),
      resolved: fc.oneof(fc.boolean(), fc.constant(null)),
      logs: fc.array(fc.oneof(logObject, plainLine, hostileJson), { maxLength: 4 }),
    },
  ),
);

export const labels = fc.dictionary(fc.oneof(fc.constantFrom('alertname', 'project', 'env', 'environment', 'domain', 'service', 'job', 'severity'), hostileString(10)), fc.oneof(hostileString(30), fc.integer(), fc.boolean(), hostileJson), { maxKeys: 6 });
export const annotations = fc.dictionary(fc.oneof(fc.constantFrom('summary', 'description', 'message', 'runbook_url'), hostileString(10)), fc.oneof(hostileString(80), hugeString, wrongType), { maxKeys: 4 });
export const alert = mutated(
  {
    status: 'firing',
    labels: { alertname: 'PoolExhausted', project: 'payments', env: 'prod', service: 'ledger' },
    annotations: { summary: 'pool exhausted' },
    startsAt: '2026-11-25T10:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: 'a1b2c3',
  },
  {
    status: fc.constantFrom('firing', 'resolved', 'pending', ''),
    labels,
    annotations,
    startsAt: anyInstant,
    endsAt: anyInstant,
    generatorURL: hostileString(40),
    fingerprint: fc.oneof(hostileString(20), hugeString),
    values: hostileJson,
    valueString: hostileString(30),
  },
);
export const webhook = bodyText(
  mutated(
    {
      version: '4',
      status: 'firing',
      receiver: 'loglore',
      groupLabels: {},
      commonLabels: { env: 'prod' },
      commonAnnotations: {},
      externalURL: 'http://am',
      alerts: fc.array(alert, { minLength: 1, maxLength: 4 }),
    },
    {
      alerts: fc.array(hostileJson, { maxLength: 3 }),
      commonLabels: labels,
      commonAnnotations: annotations,
      groupLabels: labels,
      title: hostileString(30),
      message: hostileString(60),
      orgId: fc.oneof(fc.integer(), hostileString(4)),
    },
  ),
);

