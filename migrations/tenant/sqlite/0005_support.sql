-- Agents' availability and routing profile; see the PostgreSQL twin.
CREATE TABLE agents (
    user_id     BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('online', 'away', 'offline')),
    capacity    INTEGER NOT NULL,
    skills      TEXT NOT NULL DEFAULT '[]',
    seen_at     TEXT,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE routing_cursors (
    queue_id      BLOB PRIMARY KEY,
    last_user_id  BLOB NOT NULL
) STRICT;
