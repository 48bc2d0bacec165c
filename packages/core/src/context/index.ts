export {
  buildModelContext,
  CONTEXT_PREAMBLE,
  DEFAULT_CONTEXT_TOKEN_BUDGET,
  encodeForTag,
  estimateTokens,
  type ContextTurn,
  type ModelContextInput,
} from './build.ts';
