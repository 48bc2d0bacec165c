import { createRoute, type z } from '@hono/zod-openapi';
import { countPatternDays, listAnalysisEntries, listPatternResolutions, listPatterns, toKnownPattern, type ErrorPattern, type ProjectScope } from '@loglore/db';
import type { Grant } from '../auth.ts';
import { notFound } from '../errors.ts';
import { errorResponses, PatternDetailView, PatternParams, PatternsListView, PatternsQuery, type PatternView } from '../schemas.ts';
import type { ApiApp, RouteContext } from './context.ts';

/** A pattern with its track record, as the API shows it. */
export function toPatternView(row: ErrorPattern): z.infer<typeof PatternView> {
  return {
    ...toKnownPattern(row),
    title: row.title,
    first_seen: row.firstSeen?.toISOString() ?? null,
    last_seen: row.lastSeen?.toISOString() ?? null,
  };
}

const scopeOf = (grant: Grant): ProjectScope => (grant === '*' ? '*' : [...grant]);

/** The 30-day windows of `daily`: each pattern's ends on its last_seen day (clock-independent). */
function dailyWindows(rows: readonly ErrorPattern[]): Map<string, string> {
  return new Map(rows.filter((r) => r.lastSeen).map((r) => [r.patternKey, r.lastSeen!.toISOString().slice(0, 10)]));
}

const VISIBILITY =
  'The reference catalog is shared by every project; a pattern derived from logs (its template quotes them) is ' +
  'visible only to keys of a project that counted it. Statistics (usage, success and failure counts, success ' +
  "rate, first and last seen) are those of the key's projects together; a key of every project sees the totals. " +
  "`daily` counts the key's projects' analyses that concluded the pattern per UTC day, over the 30 days ending on " +
  "`last_seen`'s day (empty when it was never seen).";

export function registerPatternRoutes(app: ApiApp, { deps }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/patterns',
      tags: ['patterns'],
      summary: 'Known error patterns with their statistics, most used first',
      description: `${VISIBILITY} \`q\` keeps patterns whose key or title contains it (case-insensitive).`,
      request: { query: PatternsQuery },
      responses: {
        200: { description: 'The patterns', content: { 'application/json': { schema: PatternsListView } } },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const { domain, error_type, q, limit } = c.req.valid('query');
      const scope = scopeOf(c.get('grant'));
      const rows = await listPatterns(deps.db, scope, { domain, errorType: error_type, q, limit });
      const daily = await countPatternDays(deps.db, scope, dailyWindows(rows));
      return c.json({ patterns: rows.map((r) => ({ ...toPatternView(r), daily: daily.get(r.patternKey) ?? [] })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/patterns/{pattern_key}',
      tags: ['patterns'],
      summary: 'One pattern: statistics, occurrences per day, its newest analyses and the resolutions tried',
      description:
        `${VISIBILITY} \`analyses\` are the 20 newest analyses of the key's projects that concluded it (entries as in ` +
        '`GET /api/analyses`); `resolutions` the resolutions those analyses gave, with how often each was reported to ' +
        'have worked or not, best record first. 404 for an unknown key or a pattern the key may not see.',
      request: { params: PatternParams },
      responses: {
        200: { description: 'The pattern', content: { 'application/json': { schema: PatternDetailView } } },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { pattern_key } = c.req.valid('param');
      const scope = scopeOf(c.get('grant'));
      const [row] = await listPatterns(deps.db, scope, { patternKey: pattern_key, limit: 1 });
      if (!row) throw notFound('pattern');
      const [daily, page, resolutions] = await Promise.all([
        countPatternDays(deps.db, scope, dailyWindows([row])),
        listAnalysisEntries(deps.db, scope, { patternKey: row.patternKey, limit: 20 }),
        listPatternResolutions(deps.db, scope, row.patternKey),
      ]);
      return c.json({ pattern: toPatternView(row), daily: daily.get(row.patternKey) ?? [], analyses: page.analyses, resolutions }, 200);
    },
  );
}
