-- BM25 postings: one row per lexeme per chunk, so full-text ranking reads a few index pages
-- per query term (an index-only scan) instead of every matching chunk's tsvector.
-- `weight` is BM25's term-frequency saturation tf * (k1 + 1) / (tf + k1) with k1 = 1.2; with
-- b = 0 it depends on nothing else, so it is computed once here and search only multiplies it
-- by the query term's IDF. Rows are written and removed with their chunks by
-- ingestion/chunk_store.py, like term_stats.
CREATE TABLE postings (
    owner_id uuid     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lexeme   text     NOT NULL,
    chunk_id bigint   NOT NULL,
    tf       smallint NOT NULL,
    weight   real     NOT NULL GENERATED ALWAYS AS (tf * 2.2::float8 / (tf + 1.2::float8)) STORED,
    PRIMARY KEY (owner_id, lexeme, chunk_id) INCLUDE (weight)
);

-- In key order, so the primary key is built packed rather than split page by page.
INSERT INTO postings (owner_id, lexeme, chunk_id, tf)
SELECT c.owner_id, t.lexeme, c.id, cardinality(t.positions)
FROM chunks c, unnest(c.tsv) t
ORDER BY 1, 2, 3;

-- Full-text search no longer matches chunks.tsv with @@; its GIN index would only slow inserts.
DROP INDEX chunks_tsv_idx;
