export { createServer, type IngressApp, type ServerOptions } from './server.ts';
export type { IngressDeps } from './deps.ts';
export { acceptAnalysis, type AcceptInput, type Accepted } from './accept.ts';
export { createMetricsApp } from './metrics.ts';
