-- Per-owner document frequency of each lexeme, for BM25's IDF, and under the empty lexeme
-- (never a real one) the owner's chunk count. Full-text search also drops the commonest query
-- terms first: they carry the least information and cost the most to rank.
CREATE TABLE term_stats (
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lexeme   text NOT NULL,
    df       int  NOT NULL,
    PRIMARY KEY (owner_id, lexeme)
);

INSERT INTO term_stats (owner_id, lexeme, df)
SELECT c.owner_id, t.lexeme, count(*)
FROM chunks c, unnest(c.tsv) t
GROUP BY c.owner_id, t.lexeme
UNION ALL
SELECT owner_id, '', count(*) FROM chunks GROUP BY owner_id;
