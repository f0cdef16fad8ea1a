-- A teacher excuses a student from an assignment: missing work that counts nothing, kept with
-- who excused it and when (and audited).

CREATE TABLE assignment_excusals (
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    student_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    excused_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    excused_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assignment_id, student_id)
);
