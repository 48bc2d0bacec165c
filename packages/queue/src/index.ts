export * from './names.ts';
export * from './connection.ts';
export * from './events.ts';
export * from './cache.ts';
export * from './pipeline.ts';
export * from './keys.ts';
export * from './carry.ts';
export * from './maintenance.ts';
