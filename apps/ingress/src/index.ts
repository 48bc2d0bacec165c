export { createServer, type IngressApp } from './server.ts';
export type { IngressDeps } from './deps.ts';
