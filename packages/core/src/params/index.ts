export { DEFAULT_EXTRACTOR_CONFIG, parseConfig, type DayPartHours, type ExtractorConfig } from './config.ts';
export {
  extractParameters,
  extractParametersDetailed,
  type ExplicitFields,
  type ExtractInput,
  type ExtractionDetail,
  type FieldSource,
} from './extract.ts';
