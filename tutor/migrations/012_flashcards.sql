-- Flashcards: decks; notes (what the student wrote or accepted: basic, reversed or cloze, with
-- the passage of their notes it came from); cards (the units FSRS schedules: one per note, two
-- for reversed, one per cloze deletion); and the log of every review.

CREATE TABLE decks (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    new_per_day     int NOT NULL DEFAULT 20 CHECK (new_per_day BETWEEN 0 AND 1000),
    reviews_per_day int NOT NULL DEFAULT 200 CHECK (reviews_per_day BETWEEN 0 AND 10000),
    -- Until this (local) day, intervals are capped so every card is seen again before it.
    exam_date       date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decks_user_created_idx ON decks (user_id, created_at DESC, id);

CREATE TABLE card_notes (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deck_id       uuid NOT NULL REFERENCES decks (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('basic', 'reversed', 'cloze')),
    front         text NOT NULL CHECK (char_length(front) BETWEEN 1 AND 4000),
    back          text NOT NULL DEFAULT '' CHECK (char_length(back) <= 4000),
    -- The source, kept as a snapshot like a practice item's: no foreign key on the document, so
    -- the note survives its deletion and is flagged stale instead (trigger below).
    document_id   uuid,
    chunk_id      bigint REFERENCES chunks (id) ON DELETE SET NULL,
    filename      text,
    page_start    int,
    page_end      int,
    quote         text CHECK (char_length(quote) <= 4000),
    quote_sha256  text,
    stale_reason  text CHECK (stale_reason IN ('document_deleted', 'quote_changed')),
    stale_at      timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((stale_reason IS NULL) = (stale_at IS NULL))
);
CREATE INDEX card_notes_deck_created_idx ON card_notes (deck_id, created_at DESC, id);
CREATE INDEX card_notes_document_idx ON card_notes (document_id) WHERE document_id IS NOT NULL;

CREATE TABLE cards (
    id             uuid PRIMARY KEY,
    note_id        uuid NOT NULL REFERENCES card_notes (id) ON DELETE CASCADE,
    -- Denormalised from the note so the due queue reads one index.
    user_id        uuid NOT NULL,
    deck_id        uuid NOT NULL REFERENCES decks (id) ON DELETE CASCADE,
    -- 0: the note's front; 1: a reversed note's back; n: a cloze note's deletion cn.
    ordinal        int NOT NULL CHECK (ordinal >= 0),
    -- 'new' until the first review, then FSRS's own states.
    state          text NOT NULL DEFAULT 'new'
                   CHECK (state IN ('new', 'learning', 'review', 'relearning')),
    step           int,
    stability      double precision,
    difficulty     double precision,
    due_at         timestamptz NOT NULL DEFAULT now(),
    last_review_at timestamptz,
    reps           int NOT NULL DEFAULT 0,
    lapses         int NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (note_id, ordinal)
);
CREATE INDEX cards_user_due_idx ON cards (user_id, due_at) WHERE state <> 'new';
CREATE INDEX cards_user_new_idx ON cards (user_id, created_at, id) WHERE state = 'new';
CREATE INDEX cards_deck_due_idx ON cards (deck_id, due_at);
-- The due queue reads each deck's three lists in their own order, stopping at the deck's daily
-- limit: the learning cards due now, the reviews due today, the new cards oldest first.
CREATE INDEX cards_deck_learning_idx ON cards (deck_id, due_at, id)
    WHERE state IN ('learning', 'relearning');
CREATE INDEX cards_deck_review_idx ON cards (deck_id, due_at, id) WHERE state = 'review';
CREATE INDEX cards_deck_new_idx ON cards (deck_id, created_at, id) WHERE state = 'new';

CREATE TABLE review_logs (
    -- The client's review id: a retried submit meets the primary key and changes nothing.
    id                 uuid PRIMARY KEY,
    card_id            uuid NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL,
    rating             smallint NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at        timestamptz NOT NULL,
    duration_ms        int CHECK (duration_ms >= 0),
    -- The card's scheduling state before the review (undo restores it) and after.
    state_before       text NOT NULL,
    step_before        int,
    stability_before   double precision,
    difficulty_before  double precision,
    due_before         timestamptz NOT NULL,
    last_review_before timestamptz,
    state_after        text NOT NULL,
    step_after         int,
    stability_after    double precision,
    difficulty_after   double precision,
    due_after          timestamptz NOT NULL,
    undone_at          timestamptz
);
CREATE INDEX review_logs_user_time_idx ON review_logs (user_id, reviewed_at);
CREATE INDEX review_logs_card_time_idx ON review_logs (card_id, reviewed_at);

-- A user's own FSRS parameters, once the optimizer has run on their log.
CREATE TABLE fsrs_parameters (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    parameters     double precision[] NOT NULL,
    reviews_used   int NOT NULL,
    log_loss_before double precision NOT NULL,
    log_loss_after  double precision NOT NULL,
    optimized_at   timestamptz NOT NULL DEFAULT now()
);

-- A card whose source document goes is flagged, not deleted: the student decides.
CREATE FUNCTION flag_cards_of_deleted_document() RETURNS trigger AS $$
BEGIN
    UPDATE card_notes SET stale_reason = 'document_deleted', stale_at = now()
    WHERE document_id = OLD.id AND stale_reason IS NULL;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER documents_flag_cards AFTER DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION flag_cards_of_deleted_document();
