export { ANALYSIS_LIMITS, ERROR_WORDS_LIST, NEW_MIN_COUNT, SPIKE_MIN_COUNT, SPIKE_RATIO, SPIKE_Z, analyze, errorWeight, rankSimilar } from './analyze.ts';
export { narrate } from './narrate.ts';
export { checkClaims, verify, type ClaimCheckOptions, type Claims } from './verify.ts';
export {
  AnalysisOutcome,
  CHECK_KINDS,
  CheckKind,
  ConfidenceFactors,
  Evidence,
  EvidenceTemplate,
  FINDING_KINDS,
  Finding,
  FindingKind,
  ResolutionSource,
  TimelineEntry,
  Verification,
  VerificationCheck,
  type AnalysisInput,
  type KnownPatternLookup,
} from './types.ts';
