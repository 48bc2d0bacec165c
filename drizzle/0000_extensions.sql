-- Trigram similarity for ranking past analyses by query text (analysis_memory_query_trgm_idx).
-- Written by hand (drizzle-kit does not manage extensions); it must run before 0001.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
