-- The tutor: conversations, their messages (with how each answer was produced), and the
-- practice sets the tutor writes from a student's notes.

CREATE TABLE conversations (
    id         uuid PRIMARY KEY,
    owner_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_owner_updated_idx ON conversations (owner_id, updated_at DESC, id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    owner_id        uuid NOT NULL,
    role            text NOT NULL CHECK (role IN ('user', 'assistant')),
    mode            text NOT NULL CHECK (mode IN ('answer', 'hint', 'practice', 'explain')),
    content         text NOT NULL DEFAULT '',
    -- An assistant message is written as 'generating' before its first token, so a client
    -- that drops mid-stream can find it again; it ends complete, cancelled or failed.
    status          text NOT NULL DEFAULT 'complete'
                    CHECK (status IN ('generating', 'complete', 'cancelled', 'failed')),
    grounded        boolean,
    -- A snapshot (filename, pages, quote), so the message still reads after its document goes.
    citations       jsonb NOT NULL DEFAULT '[]',
    phantom_citations int NOT NULL DEFAULT 0,
    prompt_name     text,
    prompt_version  int,
    model_id        text,
    timings         jsonb NOT NULL DEFAULT '{}',
    usage           jsonb NOT NULL DEFAULT '{}',
    error_code      text,
    -- clock_timestamp, not now(): a question and its answer are inserted in one transaction
    -- and must still sort in the order they were written.
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    completed_at    timestamptz
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);

CREATE TABLE practice_sets (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id      uuid REFERENCES messages (id) ON DELETE SET NULL,
    topic           text NOT NULL,
    requested       int NOT NULL,
    -- Items the checker dropped (invalid, or a key its source chunk does not support).
    dropped         int NOT NULL DEFAULT 0,
    prompt_name     text NOT NULL,
    prompt_version  int NOT NULL,
    model_id        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX practice_sets_owner_created_idx ON practice_sets (owner_id, created_at DESC, id);

CREATE TABLE practice_items (
    id          uuid PRIMARY KEY,
    set_id      uuid NOT NULL REFERENCES practice_sets (id) ON DELETE CASCADE,
    ordinal     int NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('multiple_choice', 'short_answer')),
    question    text NOT NULL,
    options     jsonb NOT NULL DEFAULT '[]',
    answer      text NOT NULL,
    explanation text NOT NULL,
    -- The source survives its chunk being deleted: the quote is kept with the item.
    chunk_id    bigint REFERENCES chunks (id) ON DELETE SET NULL,
    document_id uuid,
    filename    text NOT NULL,
    page_start  int,
    page_end    int,
    quote       text NOT NULL,
    UNIQUE (set_id, ordinal)
);
