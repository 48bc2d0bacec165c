import type { KnownPattern } from '../schemas.ts';
import type { ReferencePattern } from './catalog.ts';

/**
 * A catalog entry as a {@link KnownPattern} with no track record yet (all counts 0,
 * `success_rate` 0 as in `error_patterns` before any feedback). Used when the store has
 * not been seeded or cannot be reached, so an analysis still gets causes and steps.
 */
export function referenceToKnownPattern(p: ReferencePattern): KnownPattern {
  return {
    pattern_key: p.pattern_key,
    error_type: p.error_type,
    domain: p.domain,
    template: p.template,
    typical_causes: [...p.typical_causes],
    resolution_steps: [...p.resolution_steps],
    usage_count: 0,
    success_count: 0,
    failure_count: 0,
    success_rate: 0,
  };
}
