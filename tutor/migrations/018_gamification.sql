-- Gamification, read from the learning record: an XP ledger (one row per rule and source, so a
-- retried or replayed event never awards twice), currencies with a ledger of their own,
-- badges, streak freezes, and the notifications a reconnecting client is replayed.

CREATE TABLE xp_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A rule of tutor/gamification/rules.py, or 'badge' for a badge's reward.
    rule        text NOT NULL CHECK (char_length(rule) BETWEEN 1 AND 40),
    source_key  text NOT NULL CHECK (char_length(source_key) BETWEEN 1 AND 200),
    -- 0 when a cap or the speed floor left nothing to award: the row still marks the source as
    -- seen, and a flagged one tells an operator why.
    amount      int NOT NULL CHECK (amount >= 0),
    -- The student's local day when earned: the daily cap is per local day.
    day         date NOT NULL,
    awarded_at  timestamptz NOT NULL DEFAULT now(),
    flag        text CHECK (flag IN ('too_fast')),
    detail      jsonb NOT NULL DEFAULT '{}',
    UNIQUE (user_id, rule, source_key)
);
-- A student's XP in a board's period, and what each rule awarded on a local day (the caps).
CREATE INDEX xp_events_user_time_idx ON xp_events (user_id, awarded_at) INCLUDE (amount);
CREATE INDEX xp_events_user_day_idx ON xp_events (user_id, day) INCLUDE (rule, amount);
-- Period boards are rebuilt from here: every award of a week, grouped by user.
CREATE INDEX xp_events_time_idx ON xp_events (awarded_at) INCLUDE (user_id, amount);

-- One row per student: cached totals (checked against the ledgers by `ledger_totals`),
-- balances that can never go negative, and preferences.
CREATE TABLE game_profiles (
    user_id         uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    xp              bigint NOT NULL DEFAULT 0 CHECK (xp >= 0),
    -- The highest level whose reward was paid; levels never go down, so neither do rewards.
    level_paid      int NOT NULL DEFAULT 1 CHECK (level_paid >= 1),
    crystals        bigint NOT NULL DEFAULT 0 CHECK (crystals >= 0),
    sparks          bigint NOT NULL DEFAULT 0 CHECK (sparks >= 0),
    streak_freezes  int NOT NULL DEFAULT 0 CHECK (streak_freezes BETWEEN 0 AND 2),
    theme           text NOT NULL DEFAULT 'classic' CHECK (char_length(theme) BETWEEN 1 AND 40),
    leaderboard_opt_out boolean NOT NULL DEFAULT false
);

-- Every change of a balance, earned or spent; unique per source so nothing doubles.
CREATE TABLE currency_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    currency    text NOT NULL CHECK (currency IN ('crystals', 'sparks')),
    amount      int NOT NULL CHECK (amount <> 0),
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 40),
    source_key  text NOT NULL CHECK (char_length(source_key) BETWEEN 1 AND 200),
    at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, currency, source_key)
);

CREATE TABLE user_badges (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    badge      text NOT NULL CHECK (char_length(badge) BETWEEN 1 AND 40),
    earned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, badge)
);

CREATE TABLE user_themes (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    theme       text NOT NULL CHECK (char_length(theme) BETWEEN 1 AND 40),
    unlocked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, theme)
);

-- A local day the student missed but a held freeze covered: it counts in the streak.
CREATE TABLE streak_freeze_days (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day     date NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Events a student must not miss, kept with read state and replayed after a reconnect in `seq`
-- order; `id` is the event's envelope id.
CREATE TABLE notifications (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL UNIQUE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       text NOT NULL CHECK (char_length(type) BETWEEN 1 AND 60),
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notifications_user_seq_idx ON notifications (user_id, seq);
-- The list, newest first, by keyset (created_at, id).
CREATE INDEX notifications_user_time_idx ON notifications (user_id, created_at DESC, id DESC);
