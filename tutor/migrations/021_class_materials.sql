-- Class materials: a teacher's own documents shared, read-only, with a class. A member's search
-- and tutor read them beside their own notes for as long as three things hold, each checked in
-- the query itself: the reader is in the class, the document's owner still teaches it, and the
-- share is still there. The document stays its owner's: deleting it ends every share.

CREATE TABLE class_materials (
    class_id    uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    shared_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    shared_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (class_id, document_id)
);
CREATE INDEX class_materials_document_idx ON class_materials (document_id);
