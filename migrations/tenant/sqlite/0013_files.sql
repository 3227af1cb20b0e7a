-- Attachments (see the PostgreSQL migration of the same number).
CREATE TABLE files (
    id               BLOB PRIMARY KEY,
    record_kind      TEXT NOT NULL,
    record_id        BLOB NOT NULL,
    comment_id       BLOB,
    name             TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    internal         INTEGER NOT NULL,
    created_by       BLOB,
    created_by_name  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
CREATE INDEX files_record ON files (record_id);
CREATE INDEX files_comment ON files (comment_id);
CREATE INDEX files_deleted ON files (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE file_usage (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    bytes  INTEGER NOT NULL,
    files  INTEGER NOT NULL
) STRICT;
INSERT INTO file_usage (id, bytes, files) VALUES (1, 0, 0);
