export { REFERENCE_PATTERNS, STATUS_PATTERN_KEYS, type ReferencePattern } from './catalog.ts';
export {
  DERIVED_KEY_PREFIX,
  NAMED_KEY_PREFIX,
  classifyName,
  MAX_CLASSIFY_CHARS,
  UNCLASSIFIED,
  classifyTemplate,
  derivePattern,
  normalizeTemplate,
  templateSignature,
  referencePattern,
  type ClassifyContext,
  type Classification,
} from './classify.ts';
export { referenceToKnownPattern } from './known.ts';
