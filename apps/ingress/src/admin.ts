import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { Pipeline } from '@loglore/queue';

/** Where the queue dashboard is mounted. */
export const ADMIN_QUEUES_PATH = '/admin/queues';

/**
 * bull-board over the pipeline's queues. It has no authentication of its own: the server
 * mounts it behind the API key check.
 */
export function createQueueDashboard(pipeline: Pipeline): Hono {
  const serverAdapter = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: Object.values(pipeline.queues).map((queue) => new BullMQAdapter(queue)),
    // @bull-board/hono pins its own copy of @bull-board/api, whose types are nominally distinct
    // (private fields) but structurally the same interface.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'loglore queues' } },
  });
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  return serverAdapter.registerPlugin();
}
