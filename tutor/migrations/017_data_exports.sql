-- "Export my data": a background job per request builds a zip of everything of the user's; the
-- zip is kept here in parts of a few MiB (so neither side holds a whole export in memory, and
-- API and worker need no shared disk) until it expires a day after it was asked for.

CREATE TABLE data_exports (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'ready', 'failed')),
    -- Progress counts steps: one per kind of data, one per original file.
    done          int NOT NULL DEFAULT 0,
    total         int NOT NULL DEFAULT 0,
    size_bytes    bigint,
    error_message text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    expires_at    timestamptz NOT NULL DEFAULT now() + interval '24 hours'
);
CREATE INDEX data_exports_user_idx ON data_exports (user_id, created_at DESC, id DESC);
CREATE INDEX data_exports_expires_idx ON data_exports (expires_at);

CREATE TABLE data_export_parts (
    export_id uuid NOT NULL REFERENCES data_exports (id) ON DELETE CASCADE,
    ordinal   int NOT NULL,
    content   bytea NOT NULL,
    PRIMARY KEY (export_id, ordinal)
);
-- Zipped already: compressing it again would cost CPU for nothing.
ALTER TABLE data_export_parts ALTER COLUMN content SET STORAGE EXTERNAL;
