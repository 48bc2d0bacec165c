-- find-similar takes its candidates from bounded index walks within the project (words and
-- trigram MinHash bands of the question, template keys, services, error pattern, time, confirmed
-- resolutions) instead of scoring the newest 1,000 analyses of a project, so its cost does not
-- grow with memory.
CREATE TABLE "analysis_memory_keys" (
	"memory_id" bigint NOT NULL,
	"project" text,
	"key" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "analysis_memory_keys_memory_id_key_pk" PRIMARY KEY("memory_id","key")
);
--> statement-breakpoint
-- The words a question is looked up by: lower-cased runs of letters and digits of 3 to 64
-- characters that are not a bare number nor a common English word, first 24 in order. Reads
-- call it on the asking question, writes on the stored one, so both sides split alike.
CREATE FUNCTION "analysis_memory_text_keys"(question text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg('w:' || w ORDER BY first), '{}'::text[]) FROM (
    SELECT w, min(n) AS first
    FROM regexp_split_to_table(lower(coalesce(question, '')), '[^[:alnum:]]+') WITH ORDINALITY AS t(w, n)
    WHERE length(w) BETWEEN 3 AND 64 AND w !~ '^[0-9]+$'
      AND w NOT IN ('the', 'and', 'for', 'with', 'from', 'since', 'are', 'was', 'were', 'has', 'have', 'had', 'not', 'but',
        'all', 'any', 'our', 'its', 'this', 'that', 'into', 'why', 'what', 'when', 'where', 'how', 'who', 'can', 'you',
        'there', 'been', 'than', 'then', 'some', 'out', 'also', 'just', 'very', 'about', 'over')
    GROUP BY w ORDER BY first LIMIT 24
  ) words
$$;
--> statement-breakpoint
-- MinHash bands of a question's trigrams (pg_trgm's show_trgm, the set similarity() compares),
-- one-permutation hashing: each trigram hashed once, the hashes split into 32 bins by their low
-- bits, the least of each bin kept; 8 bands of 4 bins, `h<band>:<hash of the band>` (a band of
-- empty bins is left out). Two questions share a band about as often as similarity^4, so
-- near-duplicates (0.8: nine in ten share one of the 8) are found by a short walk per band however
-- many analyses use the same common words. hashtextextended is Postgres' own and stable within a
-- server; were it to change in a major upgrade, stored and asked bands would no longer meet until
-- analysis_memory_keys is refilled.
CREATE FUNCTION "analysis_memory_minhash_keys"(question text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg('h' || band || ':' || to_hex(hashtextextended(bins, 0)) ORDER BY band), '{}'::text[]) FROM (
    SELECT b.band, string_agg(coalesce(least_hash::text, '-'), '.' ORDER BY b.bin) AS bins, count(least_hash) AS filled
    FROM (SELECT bin, bin / 4 AS band FROM generate_series(0, 31) bin) b
    LEFT JOIN (
      SELECT (h & 31)::int AS bin, min(h) AS least_hash
      FROM (SELECT hashtextextended(g, 0) AS h FROM unnest(show_trgm(coalesce(question, ''))) g) hashed
      GROUP BY 1
    ) minima USING (bin)
    GROUP BY b.band
  ) bands
  WHERE filled > 0
$$;
--> statement-breakpoint
-- The columns keyed are written once, when the memory row is stored (a replayed persist
-- inserts nothing), so filling on insert keeps the table exact; deleting memory cascades.
CREATE FUNCTION "analysis_memory_keys_fill"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Every key once; written out rather than in a function of its own (a SQL function calling
  -- these two plans them anew for every row: 4x slower).
  INSERT INTO analysis_memory_keys (memory_id, project, key, occurred_at)
  SELECT m.id, m.project, k, m.occurred_at
  FROM stored m, unnest(
      analysis_memory_text_keys(m.query_text) || analysis_memory_minhash_keys(m.query_text)
      || array(SELECT DISTINCT 't:' || t FROM unnest(m.template_keys) t WHERE t <> '')
      || array(SELECT DISTINCT 's:' || v FROM unnest(m.services) v WHERE v <> '')) k
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "analysis_memory_keys_fill" AFTER INSERT ON "analysis_memory"
REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION analysis_memory_keys_fill();
--> statement-breakpoint
-- Memory stored before this migration gets its keys too.
INSERT INTO "analysis_memory_keys" ("memory_id", "project", "key", "occurred_at")
SELECT m."id", m."project", k, m."occurred_at"
FROM "analysis_memory" m, unnest(
    analysis_memory_text_keys(m.query_text) || analysis_memory_minhash_keys(m.query_text)
    || array(SELECT DISTINCT 't:' || t FROM unnest(m.template_keys) t WHERE t <> '')
    || array(SELECT DISTINCT 's:' || v FROM unnest(m.services) v WHERE v <> '')) k;
--> statement-breakpoint
-- Only the similar queries used these; the walks above replace them.
DROP INDEX "analysis_memory_parameters_idx";--> statement-breakpoint
DROP INDEX "analysis_memory_template_keys_idx";--> statement-breakpoint
DROP INDEX "analysis_memory_services_idx";--> statement-breakpoint
DROP INDEX "analysis_memory_error_pattern_idx";--> statement-breakpoint
DROP INDEX "analysis_memory_query_trgm_idx";--> statement-breakpoint
ALTER TABLE "analysis_memory_keys" ADD CONSTRAINT "analysis_memory_keys_memory_id_analysis_memory_id_fk" FOREIGN KEY ("memory_id") REFERENCES "public"."analysis_memory"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analysis_memory_keys_walk_idx" ON "analysis_memory_keys" USING btree ("project","key","occurred_at","memory_id");--> statement-breakpoint
CREATE INDEX "analysis_memory_project_error_pattern_idx" ON "analysis_memory" USING btree ("project","error_pattern","occurred_at");--> statement-breakpoint
CREATE INDEX "analysis_memory_project_occurred_idx" ON "analysis_memory" USING btree ("project","occurred_at");--> statement-breakpoint
CREATE INDEX "analysis_memory_project_resolved_idx" ON "analysis_memory" USING btree ("project","occurred_at") WHERE "analysis_memory"."outcome" = 'resolved';
