-- Users, documents, chunks and ingestion jobs: the foundation every feature stands on.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE documents (
    id            uuid PRIMARY KEY,
    owner_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename      text NOT NULL,
    mime          text,
    sha256        text NOT NULL,
    size_bytes    bigint NOT NULL,
    status        text NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
    pages_total   int,
    pages_done    int NOT NULL DEFAULT 0,
    chunks_total  int,
    chunks_done   int NOT NULL DEFAULT 0,
    -- Chunks the parser has produced so far; with the page count it estimates the total
    -- while parsing and embedding still overlap.
    chunks_seen   int NOT NULL DEFAULT 0,
    needs_ocr     boolean NOT NULL DEFAULT false,
    error_code    text,
    error_message text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    ready_at      timestamptz
);
-- One row per distinct file per owner: re-uploading unchanged bytes finds this row.
CREATE UNIQUE INDEX documents_owner_sha256_key ON documents (owner_id, sha256);
CREATE INDEX documents_owner_created_idx ON documents (owner_id, created_at DESC, id);
CREATE INDEX documents_pending_idx ON documents (status) WHERE status IN ('queued', 'processing');

-- The uploaded bytes live beside the row, so API and worker need no shared disk and a
-- document never exists without its file (or the other way round).
CREATE TABLE document_files (
    document_id uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    content     bytea NOT NULL,
    password    text
);
ALTER TABLE document_files ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE chunks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    -- Denormalised so the owner filter sits inside every search query without a join.
    owner_id    uuid NOT NULL,
    ordinal     int NOT NULL,
    page_start  int,
    page_end    int,
    heading_path text[] NOT NULL DEFAULT '{}',
    -- heading_path joined, kept as text because array_to_string is not immutable.
    heading     text NOT NULL DEFAULT '',
    text        text NOT NULL,
    token_count int NOT NULL,
    embedding   vector(384) NOT NULL,
    tsv         tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, heading), 'B')
                    || setweight(to_tsvector('english'::regconfig, text), 'A')
                ) STORED,
    UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_owner_idx ON chunks (owner_id);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);

CREATE TABLE ingestion_jobs (
    document_id uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    attempts    int NOT NULL DEFAULT 0,
    worker_id   text,
    enqueued_at timestamptz,
    started_at  timestamptz,
    finished_at timestamptz
);
