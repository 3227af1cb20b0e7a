-- Single-use tickets a browser exchanges for a WebSocket connection
-- (browsers cannot send an Authorization header on an upgrade). Stored
-- hashed; consumed by a conditional update, so once across all nodes.
CREATE TABLE realtime_tickets (
    ticket_hash  text PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
