-- Cards from the notes: a background job per request (documents or a topic, a count), the
-- suggestions it keeps (pending until the student accepts, edits or rejects each), the practice
-- items already turned into cards, and the FSRS optimizer's runs.

CREATE TABLE card_suggestion_jobs (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deck_id         uuid NOT NULL REFERENCES decks (id) ON DELETE CASCADE,
    -- The client's Idempotency-Key: a retried start returns the first job.
    idempotency_key text CHECK (char_length(idempotency_key) <= 200),
    document_ids    uuid[],
    topic           text CHECK (char_length(topic) <= 500),
    requested       int NOT NULL CHECK (requested BETWEEN 1 AND 30),
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed')),
    -- Progress counts passages: `done` of `total` asked, `kept` suggestions stored so far.
    done            int NOT NULL DEFAULT 0,
    total           int NOT NULL DEFAULT 0,
    kept            int NOT NULL DEFAULT 0,
    -- Why the others went, e.g. {"unsupported_answer": 2, "quote_not_in_source": 1}.
    dropped         jsonb NOT NULL DEFAULT '{}',
    prompt_ref      text,
    model_id        text,
    error_code      text,
    error_message   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK ((document_ids IS NULL) <> (topic IS NULL)),
    UNIQUE (user_id, idempotency_key)
);

CREATE TABLE card_suggestions (
    id            uuid PRIMARY KEY,
    job_id        uuid NOT NULL REFERENCES card_suggestion_jobs (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL,
    deck_id       uuid NOT NULL REFERENCES decks (id) ON DELETE CASCADE,
    front         text NOT NULL CHECK (char_length(front) BETWEEN 1 AND 4000),
    back          text NOT NULL CHECK (char_length(back) <= 4000),
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'accepted', 'rejected')),
    -- The source, a snapshot as on a note.
    document_id   uuid,
    chunk_id      bigint REFERENCES chunks (id) ON DELETE SET NULL,
    filename      text,
    page_start    int,
    page_end      int,
    quote         text NOT NULL CHECK (char_length(quote) <= 4000),
    quote_sha256  text NOT NULL,
    note_id       uuid REFERENCES card_notes (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz
);
CREATE INDEX card_suggestions_pending_idx ON card_suggestions (deck_id, created_at DESC, id)
    WHERE status = 'pending';
CREATE INDEX card_suggestions_job_idx ON card_suggestions (job_id);

-- One card per practice item per deck: a second click finds the first note.
CREATE TABLE practice_item_cards (
    item_id    uuid NOT NULL REFERENCES practice_items (id) ON DELETE CASCADE,
    deck_id    uuid NOT NULL REFERENCES decks (id) ON DELETE CASCADE,
    note_id    uuid NOT NULL REFERENCES card_notes (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, deck_id)
);

CREATE TABLE fsrs_optimizations (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed')),
    reviews_used    int,
    log_loss_before double precision,
    log_loss_after  double precision,
    error_message   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX fsrs_optimizations_user_idx ON fsrs_optimizations (user_id, created_at DESC);
