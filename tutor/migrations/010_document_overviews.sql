-- A document's overview: its summary sentences ([{text, page_start, page_end}]) and key concepts
-- ([{term, weight}]), made by the worker from the stored chunks after ingestion
-- (ingestion/overview.py). One row per document, gone with the document or its owner; the
-- owner is kept on the row so every read filters by it, like chunks.
CREATE TABLE document_overviews (
    document_id uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    summary     jsonb NOT NULL,
    concepts    jsonb NOT NULL,
    computed_ms real NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
