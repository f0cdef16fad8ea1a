-- The study core's foundation: a student's profile settings and the one append-only learning
-- record every study module writes to (reviews, practice answers, finished tasks, tutor
-- questions, focus sessions). Streaks, minutes and (later) XP are all read from it.

ALTER TABLE users
    -- An IANA zone name, checked against the zone database by the application: every "today",
    -- "overdue" and "streak" is computed in it.
    ADD COLUMN timezone text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),
    ADD COLUMN daily_goal_minutes int NOT NULL DEFAULT 20
        CHECK (daily_goal_minutes BETWEEN 1 AND 600),
    -- FSRS's target probability of recall at each review.
    ADD COLUMN desired_retention real NOT NULL DEFAULT 0.9
        CHECK (desired_retention BETWEEN 0.80 AND 0.97);

CREATE TABLE study_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN (
                    'review', 'practice_answer', 'task_done', 'tutor_question', 'focus_session')),
    -- What produced the event (a review id, an attempt id, a task id, a message id, a focus
    -- session id): with the kind it is unique, so a retried or replayed write counts once.
    source_key  text NOT NULL CHECK (char_length(source_key) BETWEEN 1 AND 200),
    occurred_at timestamptz NOT NULL,
    duration_s  int CHECK (duration_s >= 0),
    -- No foreign key: the record outlives a deleted document (mastery simply loses it).
    document_id uuid,
    detail      jsonb NOT NULL DEFAULT '{}',
    UNIQUE (user_id, kind, source_key)
);
CREATE INDEX study_events_user_time_idx ON study_events (user_id, occurred_at)
    INCLUDE (kind, duration_s);

-- The record summed per local day (in the student's time zone when written; rebuilt when the
-- zone changes): what streaks, goals and the activity calendar read, so a dashboard over years
-- of history reads one row per day instead of every event. `seconds` is the length of the union
-- of the day's event spans, so a review during a focus session is not counted twice.
CREATE TABLE study_days (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day     date NOT NULL,
    -- Events of the kinds that make a streak day (not tutor questions).
    events  int NOT NULL CHECK (events >= 0),
    seconds int NOT NULL CHECK (seconds >= 0),
    PRIMARY KEY (user_id, day)
);

-- A focus timer the server keeps: started, seen alive by heartbeats, stopped. Only the time up
-- to the last heartbeat (plus a grace) counts, so a forgotten timer does not count hours.
CREATE TABLE focus_sessions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    ended_at     timestamptz,
    counted_s    int CHECK (counted_s >= 0),
    CHECK ((ended_at IS NULL) = (counted_s IS NULL))
);
-- At most one running timer per student.
CREATE UNIQUE INDEX focus_sessions_one_open_key ON focus_sessions (user_id) WHERE ended_at IS NULL;
CREATE INDEX focus_sessions_user_started_idx ON focus_sessions (user_id, started_at DESC, id);
