-- Account controls and the audit trail: a token version per user (bumped to end every session),
-- teacher invites and requests (teacher sign-up is closed by default), and audit events.

ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;

-- Only a digest of each code is kept: a leaked table opens no sign-up.
CREATE TABLE teacher_invites (
    id          uuid PRIMARY KEY,
    code_sha256 text NOT NULL UNIQUE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    note        text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
    max_uses    int NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),
    uses        int NOT NULL DEFAULT 0 CHECK (uses BETWEEN 0 AND max_uses),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A student asking to teach; an admin decides.
CREATE TABLE teacher_requests (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at   timestamptz
);
CREATE INDEX teacher_requests_pending ON teacher_requests (requested_at DESC, id DESC)
    WHERE status = 'pending';

-- No foreign keys: the trail outlives the accounts and documents it mentions.
CREATE TABLE audit_events (
    id         uuid PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    action     text NOT NULL CHECK (char_length(action) BETWEEN 1 AND 64),
    actor_id   uuid,
    subject_id uuid,
    email      text CHECK (char_length(email) <= 320),
    ip         text CHECK (char_length(ip) <= 64),
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at DESC, id DESC);
CREATE INDEX audit_events_action ON audit_events (action, at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_id, at DESC, id DESC);
CREATE INDEX audit_events_subject ON audit_events (subject_id, at DESC, id DESC);
