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
export { DEFAULT_MINER_OPTIONS, TemplateMiner, type MinedTemplate, type MinerOptions } from './miner.ts';
