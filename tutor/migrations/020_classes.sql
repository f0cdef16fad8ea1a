-- Classes: a teacher's group of students, joined with a code the teacher can rotate or turn
-- off. Teachers (an owner and co-teachers) and students are separate tables, so a query over
-- a class's students can never pick up its teachers by mistake.

CREATE TABLE classes (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    subject     text NOT NULL DEFAULT '' CHECK (char_length(subject) <= 120),
    -- An IANA zone: the class's days (due dates, its leaderboard's periods) are its days.
    timezone    text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64),
    -- NULL: joining is turned off. Shown to the class's teachers, so kept as written.
    join_code   text UNIQUE CHECK (join_code ~ '^[A-Z2-9]{8}$'),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);

CREATE TABLE class_teachers (
    class_id uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     text NOT NULL CHECK (role IN ('owner', 'co_teacher')),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_teachers_user_idx ON class_teachers (user_id);

CREATE TABLE class_members (
    class_id  uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_members_user_idx ON class_members (user_id);
