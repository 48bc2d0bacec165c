export {
  DEFAULT_MAX_TOKENS,
  MAX_TOKEN_CHARS,
  WILDCARD,
  isEnumerationWord,
  maskToken,
  maskTokens,
  maskVariables,
  tokenCore,
  tokenize,
} from './mask.ts';
export { DEFAULT_MINER_OPTIONS, TemplateMiner, templateIdOf, type MinedTemplate, type MinerOptions } from './miner.ts';
export {
  FINGERPRINT_MESSAGE_CHARS,
  fingerprintLine,
  mergeFingerprints,
  type FingerprintForm,
  type FingerprintMerge,
  type LineFingerprint,
} from './fingerprint.ts';
