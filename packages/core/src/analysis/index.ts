export { ANALYSIS_LIMITS, CAUSE_LEAD_MIN_PRECEDING, CAUSE_LEAD_MIN_SHARE, ERROR_WORDS_LIST, FOCUS_MIN_EVENTS, NEW_MIN_COUNT, SPIKE_MIN_COUNT, SPIKE_RATIO, SPIKE_Z, analyze, analyzeTemplates, errorWeight, prepareAnalysis, evidenceSignature, rankSimilar, type EvidenceSignature, type MemoryInput, type TemplateAnalysisInput, type WindowEvidenceInput } from './analyze.ts';
export { errorLikeWeight } from './limits.ts';
export { spikeLayout, type SpikeLayout, type TemplateEvidenceRead, type TemplateWindowCount } from './summary.ts';
export { narrate } from './narrate.ts';
export { templatesOfForms, type FormOccurrence, type FormTemplate } from './forms.ts';
export { checkClaims, verify, type ClaimCheckOptions, type Claims } from './verify.ts';
export { hintsOf, isHinted, type Hints, type SubjectTerm } from './focus.ts';
export {
  AnalysisOutcome,
  AnalysisScope,
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
