-- The tenant's CRM and support data; see the PostgreSQL twin for the why.
CREATE TABLE records (
    id          BLOB PRIMARY KEY,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    custom      TEXT NOT NULL DEFAULT '{}',
    people      TEXT NOT NULL DEFAULT '[]',
    team_id     BLOB,
    parent_id   BLOB,
    search      TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  BLOB,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX records_kind_id ON records (kind, id);
CREATE INDEX records_parent ON records (parent_id) WHERE parent_id IS NOT NULL;

-- Full-text index, kept in step by the code in the same transaction.
CREATE VIRTUAL TABLE records_fts USING fts5(id UNINDEXED, search, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE custom_fields (
    id          BLOB PRIMARY KEY,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL,
    options     TEXT NOT NULL DEFAULT '{}',
    required    INTEGER NOT NULL DEFAULT 0,
    retired     INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (kind, key)
) STRICT;

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    type       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    record_id  BLOB NOT NULL,
    actor      BLOB,
    people     TEXT NOT NULL DEFAULT '[]',
    team_id    BLOB,
    data       TEXT NOT NULL
) STRICT;

CREATE TABLE event_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL
) STRICT;
INSERT INTO event_counter (id, seq) VALUES (1, 0);
