-- Exports (see the PostgreSQL migration of the same number).
CREATE TABLE exports (
    id            BLOB PRIMARY KEY,
    subject_kind  TEXT NOT NULL,
    subject_id    BLOB NOT NULL,
    requested_by  BLOB,
    status        TEXT NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    total         INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    archive       BLOB,
    size          INTEGER,
    created_at    TEXT NOT NULL,
    finished_at   TEXT,
    expires_at    TEXT
) STRICT;
CREATE INDEX exports_subject ON exports (subject_id);
