export { startWorker, type RunningWorker, type WorkerOptions } from './worker.ts';
export { reconcileOnce, type ReconcilerOptions } from './reconciler.ts';
export type { WorkerDeps } from './deps.ts';
export { STEP_MODULES } from './steps/index.ts';
export { createWorkerObserver, type WorkerObserver, type ObservedRequest } from './observe.ts';
export { retainOnce, startMaintenanceJobs, type MaintenanceScheduleOptions } from './retention.ts';
