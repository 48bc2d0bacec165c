/** Helpers for tests only (`@loglore/core/testing`); no runtime module imports this. */
export * from './fuzz.ts';
export * from './log-lines.ts';
export * from './incident.ts';
