import { InvalidArgumentError } from 'commander';
import { STEPS, type Step } from '@loglore/queue';

/** `--only extract-params,analyze` → the steps, or a clear error naming the valid ones. */
export function parseSteps(value: string): Step[] {
  const steps = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = steps.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (steps.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`unknown step${unknown.length === 1 ? '' : 's'} ${unknown.join(', ') || '(none given)'}; steps are ${STEPS.join(', ')}`);
  }
  return steps as Step[];
}
