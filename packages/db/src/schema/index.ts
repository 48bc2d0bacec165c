export * from './conversations.ts';
export * from './analyses.ts';
export * from './patterns.ts';
export * from './logs.ts';
export * from './integrations.ts';
export * from './retention.ts';
