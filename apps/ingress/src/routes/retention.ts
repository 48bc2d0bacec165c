import { createRoute, type z } from '@hono/zod-openapi';
import type { RetentionDefaults } from '@loglore/core';
import { getProjectRetention, setProjectRetention, type ProjectRetention, type RetentionKind } from '@loglore/db';
import { canSee, type Grant } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { errorResponses, ProjectParams, RetentionUpdate, RetentionView } from '../schemas.ts';
import type { ApiApp, RouteContext } from './context.ts';

const FIELDS = { logs: 'logs_days', analyses: 'analyses_days', events: 'events_days', messages: 'messages_days' } as const satisfies Record<RetentionKind, string>;
const KINDS = Object.keys(FIELDS) as RetentionKind[];

function view(project: string, overrides: ProjectRetention, defaults: RetentionDefaults): z.infer<typeof RetentionView> {
  const of = (pick: (kind: RetentionKind) => number | undefined) => Object.fromEntries(KINDS.flatMap((k) => (pick(k) === undefined ? [] : [[FIELDS[k], pick(k)]])));
  return {
    project,
    retention: of((k) => overrides[k] ?? defaults[k]) as z.infer<typeof RetentionView>['retention'],
    overrides: of((k) => overrides[k]),
    defaults: of((k) => defaults[k]) as z.infer<typeof RetentionView>['defaults'],
  };
}

function requireProject(grant: Grant, project: string): void {
  if (!canSee(grant, project)) throw new ApiError('forbidden', `this API key may not manage project "${project}"`);
}

const DESCRIPTION =
  'Days each kind of row of the project is kept: log events (by their own instant), analyses (requests and memory), ' +
  'step events (never longer than their analysis) and conversation messages; 0 keeps them for ever. A kind the ' +
  'project does not set takes the default (LOGLORE_RETENTION_*_DAYS). The maintenance job purges what is older. ' +
  "Pattern statistics are kept whatever is purged. A key manages only its projects' retention.";

export function registerRetentionRoutes(app: ApiApp, { deps }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project}/retention',
      tags: ['retention'],
      summary: "A project's retention",
      description: DESCRIPTION,
      request: { params: ProjectParams },
      responses: {
        200: { description: 'What applies, what the project set, and the defaults', content: { 'application/json': { schema: RetentionView } } },
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const { project } = c.req.valid('param');
      requireProject(c.get('grant'), project);
      return c.json(view(project, (await getProjectRetention(deps.db, project)) ?? {}, deps.config.retention), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/projects/{project}/retention',
      tags: ['retention'],
      summary: "Sets a project's retention",
      description: `${DESCRIPTION} Kinds left out keep their setting; null returns a kind to the default.`,
      request: { params: ProjectParams, body: { required: true, content: { 'application/json': { schema: RetentionUpdate } } } },
      responses: {
        200: { description: 'The retention now in force', content: { 'application/json': { schema: RetentionView } } },
        ...errorResponses(400, 401, 403, 422, 503),
      },
    }),
    async (c) => {
      const { project } = c.req.valid('param');
      requireProject(c.get('grant'), project);
      const body = c.req.valid('json');
      const days: Partial<Record<RetentionKind, number | null>> = {};
      for (const kind of KINDS) if (body[FIELDS[kind]] !== undefined) days[kind] = body[FIELDS[kind]]!;
      const overrides = await setProjectRetention(deps.db, project, days);
      return c.json(view(project, overrides, deps.config.retention), 200);
    },
  );
}
