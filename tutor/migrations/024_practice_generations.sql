-- A teacher's practice set generated in the background: from chosen materials of a class (on a
-- topic, or spread over them), or one question rewritten from the passage it came from. The set
-- exists from the start; questions are added to it as they pass the checks, so the editor shows
-- them arriving. Progress counts anchor sentences tried (`done` of `total`).

CREATE TABLE practice_generations (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    class_id        uuid REFERENCES classes (id) ON DELETE CASCADE,
    set_id          uuid NOT NULL REFERENCES practice_sets (id) ON DELETE CASCADE,
    -- The client's Idempotency-Key: a retried start returns the first generation.
    idempotency_key text CHECK (char_length(idempotency_key) <= 200),
    document_ids    uuid[] NOT NULL DEFAULT '{}',
    topic           text CHECK (char_length(topic) <= 500),
    requested       int NOT NULL CHECK (requested BETWEEN 1 AND 30),
    -- A rewrite: the only chunk to write from, and the question the new one replaces.
    chunk_id        bigint,
    replaces_item   uuid,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    done            int NOT NULL DEFAULT 0,
    total           int NOT NULL DEFAULT 0,
    kept            int NOT NULL DEFAULT 0,
    -- Why the other drafts went, e.g. {"unsupported_key": 2, "key_disputed": 1}.
    dropped         jsonb NOT NULL DEFAULT '{}',
    model_id        text,
    error_code      text,
    error_message   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX practice_generations_set_idx ON practice_generations (set_id, created_at DESC);

-- What "rewrite from its source" needs of a published question: the chunk it was written from
-- and the question of the set it was copied from.
ALTER TABLE assignment_items ADD COLUMN chunk_id bigint, ADD COLUMN source_item_id uuid;
