export * from './schemas.ts';
export * from './config.ts';
