-- Tasks: what a student plans to do, with an optional due day or due instant, a priority,
-- links to what it is about, and an optional recurrence; and the secret calendar feed of them.

CREATE TABLE tasks (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    notes            text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 10000),
    subject          text NOT NULL DEFAULT '' CHECK (char_length(subject) <= 80),
    -- An all-day task has a local day, a timed one an instant: never both.
    due_date         date,
    due_at           timestamptz,
    priority         text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    completed_at     timestamptz,
    -- Links are checked against the owner by the application; a deleted target unlinks.
    document_id      uuid REFERENCES documents (id) ON DELETE SET NULL,
    deck_id          uuid REFERENCES decks (id) ON DELETE SET NULL,
    practice_set_id  uuid REFERENCES practice_sets (id) ON DELETE SET NULL,
    repeat_kind      text CHECK (repeat_kind IN ('daily', 'weekly', 'every_n_days')),
    repeat_interval  int NOT NULL DEFAULT 1 CHECK (repeat_interval BETWEEN 1 AND 365),
    -- ISO weekdays (1 = Monday) of a weekly recurrence.
    repeat_weekdays  smallint[] NOT NULL DEFAULT '{}',
    -- The instance this one was created from when it was completed: unique, so a retried
    -- "complete" cannot create a second next instance.
    previous_id      uuid UNIQUE REFERENCES tasks (id) ON DELETE SET NULL,
    -- A client's Idempotency-Key and a fingerprint of the request it came with: a retried POST
    -- returns the task the first one created; the same key with another body is refused.
    idempotency_key  text CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    request_sha256   text,
    -- When the due-soon reminder went out; cleared when the due changes.
    reminded_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (due_date IS NULL OR due_at IS NULL),
    CHECK ((status = 'done') = (completed_at IS NOT NULL)),
    CHECK (repeat_kind IS NULL OR due_date IS NOT NULL OR due_at IS NOT NULL),
    CHECK ((repeat_kind IS NOT DISTINCT FROM 'weekly') = (cardinality(repeat_weekdays) > 0)),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX tasks_user_open_idx ON tasks (user_id, due_date, due_at) WHERE status = 'open';
CREATE INDEX tasks_user_done_idx ON tasks (user_id, completed_at DESC, id) WHERE status = 'done';
-- What the reminder job scans every minute: open, not yet reminded.
CREATE INDEX tasks_unreminded_at_idx ON tasks (due_at)
    WHERE status = 'open' AND reminded_at IS NULL AND due_at IS NOT NULL;
CREATE INDEX tasks_unreminded_date_idx ON tasks (due_date)
    WHERE status = 'open' AND reminded_at IS NULL AND due_date IS NOT NULL;

-- One secret feed URL per user; only a hash of its token is kept, so a database leak does not
-- leak working feed URLs.
CREATE TABLE calendar_feeds (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_sha256 text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now()
);
