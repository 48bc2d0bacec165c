import type { Step, StepJobData } from '@loglore/queue';
import type { WorkerDeps } from '../deps.ts';
import * as analyze from './analyze.ts';
import * as extractParams from './extract-params.ts';
import * as findSimilar from './find-similar.ts';
import * as patternStats from './pattern-stats.ts';
import * as persist from './persist.ts';

export interface StepModule {
  handle(data: StepJobData, deps: WorkerDeps): Promise<{ next: boolean }>;
}

/** One handler per pipeline step; a step without one is a compile error. */
export const STEP_MODULES = {
  'extract-params': extractParams,
  'find-similar': findSimilar,
  analyze,
  persist,
  'pattern-stats': patternStats,
} satisfies Record<Step, StepModule>;
