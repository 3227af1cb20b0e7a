-- Single-use WebSocket tickets; see the PostgreSQL twin for the why.
CREATE TABLE realtime_tickets (
    ticket_hash  TEXT PRIMARY KEY,
    session_id   BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
) STRICT;
