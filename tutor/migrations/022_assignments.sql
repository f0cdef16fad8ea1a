-- Assignments: a practice set a teacher publishes to a class, with an open time, a due time and
-- the submissions allowed. Its questions are copied at publishing (the teacher may change or
-- delete the set afterwards: what the students answered stays what was asked). Students submit
-- all their answers at once; each answer is graded when submitted, an uncertain short answer
-- waits for a teacher, and any grade a teacher gives is kept with who gave it and when.

CREATE TABLE assignments (
    id               uuid PRIMARY KEY,
    class_id         uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    source_set_id    uuid REFERENCES practice_sets (id) ON DELETE SET NULL,
    opens_at         timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    attempts_allowed int NOT NULL CHECK (attempts_allowed BETWEEN 1 AND 10),
    published_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    published_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (due_at > opens_at)
);
CREATE INDEX assignments_class_idx ON assignments (class_id, due_at DESC, id);

CREATE TABLE assignment_items (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    ordinal       int NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('multiple_choice', 'short_answer')),
    question      text NOT NULL,
    options       jsonb NOT NULL DEFAULT '[]',
    answer        text NOT NULL,
    explanation   text NOT NULL,
    document_id   uuid,
    filename      text NOT NULL,
    page_start    int,
    page_end      int,
    quote         text NOT NULL,
    UNIQUE (assignment_id, ordinal)
);

CREATE TABLE assignment_submissions (
    -- Chosen by the client, so a retried submit finds its submission instead of adding one.
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    student_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attempt       int NOT NULL CHECK (attempt >= 1),
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    late          boolean NOT NULL,
    -- Its answers counted, kept with every grade given (`tutor.classes.submissions.RECOUNT`),
    -- so the gradebook and the lists read no answers: the questions, those right, and those
    -- waiting for a teacher.
    questions     int NOT NULL CHECK (questions > 0),
    correct       int NOT NULL DEFAULT 0,
    waiting       int NOT NULL DEFAULT 0,
    -- One row per attempt number: two concurrent submits cannot both be the last one allowed.
    UNIQUE (assignment_id, student_id, attempt)
);
CREATE INDEX assignment_submissions_student_idx ON assignment_submissions (student_id);
-- The gradebook's read: each student's submissions of each assignment, best first, with all
-- it needs (an index-only scan in that order, no sort).
CREATE INDEX assignment_submissions_best_idx
    ON assignment_submissions (assignment_id, student_id, correct DESC, attempt)
    INCLUDE (late, submitted_at, questions, waiting);

CREATE TABLE assignment_answers (
    submission_id uuid NOT NULL REFERENCES assignment_submissions (id) ON DELETE CASCADE,
    item_id       uuid NOT NULL REFERENCES assignment_items (id) ON DELETE CASCADE,
    -- Empty for a question left blank (graded incorrect).
    answer        text NOT NULL CHECK (char_length(answer) <= 2000),
    verdict       text NOT NULL CHECK (verdict IN ('correct', 'incorrect', 'uncertain')),
    -- The grade that counts: the verdict's, or a teacher's (null while an uncertain one waits).
    correct       boolean,
    similarity    real,
    graded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    graded_at     timestamptz,
    PRIMARY KEY (submission_id, item_id)
);
-- The review queue: answers still waiting for a teacher.
CREATE INDEX assignment_answers_waiting_idx ON assignment_answers (submission_id)
    WHERE correct IS NULL;

-- A student's task for an assignment: done when they first submit.
ALTER TABLE tasks ADD COLUMN assignment_id uuid REFERENCES assignments (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX tasks_user_assignment_key ON tasks (user_id, assignment_id)
    WHERE assignment_id IS NOT NULL;
