-- A student's answers to the questions of their saved practice sets, each graded when given.
-- Mastery and the set's score are read from here; the learning record holds one
-- practice_answer event per attempt, written in the same transaction.

CREATE TABLE practice_attempts (
    -- Chosen by the client, so a retried submit finds its attempt instead of adding one.
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    set_id      uuid NOT NULL REFERENCES practice_sets (id) ON DELETE CASCADE,
    item_id     uuid NOT NULL REFERENCES practice_items (id) ON DELETE CASCADE,
    -- The item's document, copied: mastery per document without a join, and kept when the
    -- item's source is deleted.
    document_id uuid,
    answer      text NOT NULL CHECK (char_length(answer) BETWEEN 1 AND 2000),
    verdict     text NOT NULL CHECK (verdict IN ('correct', 'incorrect', 'uncertain')),
    -- The final say: the verdict's, or the student's own for an uncertain one (null until then).
    correct     boolean,
    -- Answer-key similarity, when the embedder was asked (short answers not matched exactly).
    similarity  real,
    -- clock_timestamp: two answers in one transaction still sort in the order given.
    answered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    first_try   boolean NOT NULL,
    CHECK (verdict = 'uncertain' OR correct = (verdict = 'correct'))
);
CREATE INDEX practice_attempts_user_time_idx ON practice_attempts (user_id, answered_at);
CREATE INDEX practice_attempts_user_document_idx
    ON practice_attempts (user_id, document_id, answered_at);
-- The latest attempt per item of a set, and whether an item was tried before.
CREATE INDEX practice_attempts_set_item_idx
    ON practice_attempts (user_id, set_id, item_id, answered_at DESC);
