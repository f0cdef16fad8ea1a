-- Evaluation runs as records: what was measured (dataset + hash, commit, model, prompt
-- versions, settings), the aggregates, and every item's own metrics so two runs can be
-- compared item for item.

CREATE TABLE eval_runs (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('retrieval', 'tutor')),
    suite         text NOT NULL,
    dataset       text NOT NULL,
    dataset_hash  text NOT NULL,
    git_commit    text,
    model_id      text,
    prompts       jsonb NOT NULL DEFAULT '{}',
    settings      jsonb NOT NULL DEFAULT '{}',
    metrics       jsonb NOT NULL,
    item_count    int NOT NULL,
    seconds       float8,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX eval_runs_created_idx ON eval_runs (created_at DESC, id);
CREATE INDEX eval_runs_suite_idx ON eval_runs (suite, created_at DESC);

CREATE TABLE eval_items (
    run_id   uuid NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
    item_id  text NOT NULL,
    metrics  jsonb NOT NULL,
    output   jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, item_id)
);
