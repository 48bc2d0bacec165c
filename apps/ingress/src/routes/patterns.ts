import { createRoute, type z } from '@hono/zod-openapi';
import { listPatterns, toKnownPattern, type ErrorPattern } from '@loglore/db';
import { errorResponses, PatternsQuery, PatternsView, type PatternView } from '../schemas.ts';
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

export function registerPatternRoutes(app: ApiApp, { deps }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/patterns',
      tags: ['patterns'],
      summary: 'Known error patterns with their statistics, most used first',
      description:
        'The reference catalog is shared by every project; a pattern derived from logs (its template quotes them) is ' +
        'listed only to keys of a project that counted it. Statistics (usage, success and failure counts, success ' +
        "rate, first and last seen) are those of the key's projects together; a key of every project sees the totals.",
      request: { query: PatternsQuery },
      responses: {
        200: { description: 'The patterns', content: { 'application/json': { schema: PatternsView } } },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const { domain, error_type, limit } = c.req.valid('query');
      const grant = c.get('grant');
      const rows = await listPatterns(deps.db, grant === '*' ? '*' : [...grant], { domain, errorType: error_type, limit });
      return c.json({ patterns: rows.map(toPatternView) }, 200);
    },
  );
}
