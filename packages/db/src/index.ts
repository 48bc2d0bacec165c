export * from './client.ts';
export * as schema from './schema/index.ts';
export * from './repositories/conversations.ts';
export * from './repositories/analyses.ts';
export * from './repositories/patterns.ts';
export * from './repositories/logs.ts';
export * from './repositories/requests.ts';
export * from './repositories/messages.ts';
