-- Every list is paged by keyset: ORDER BY <timestamp> DESC, id DESC and
-- WHERE (<timestamp>, id) < (cursor). The old indexes sorted id ascending inside a timestamp,
-- which needed an extra (incremental) sort on every page; these match the order exactly, so
-- a page is one index range scan with no sort. Each replaces the index before it.
DROP INDEX documents_owner_created_idx;
CREATE INDEX documents_owner_created_idx ON documents (owner_id, created_at DESC, id DESC);

DROP INDEX conversations_owner_updated_idx;
CREATE INDEX conversations_owner_updated_idx ON conversations (owner_id, updated_at DESC, id DESC);

DROP INDEX practice_sets_owner_created_idx;
CREATE INDEX practice_sets_owner_created_idx ON practice_sets (owner_id, created_at DESC, id DESC);

DROP INDEX eval_runs_created_idx;
CREATE INDEX eval_runs_created_idx ON eval_runs (created_at DESC, id DESC);
DROP INDEX eval_runs_suite_idx;
CREATE INDEX eval_runs_suite_idx ON eval_runs (suite, created_at DESC, id DESC);
