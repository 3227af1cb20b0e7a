-- Webhooks (see the PostgreSQL migration of the same number).
CREATE TABLE webhooks (
    id               BLOB PRIMARY KEY,
    url              TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    event_types      TEXT NOT NULL,
    topics           TEXT NOT NULL,
    role             TEXT NOT NULL,
    created_by       BLOB NOT NULL,
    secret           TEXT NOT NULL,
    previous_secret  TEXT,
    previous_until   TEXT,
    enabled          INTEGER NOT NULL DEFAULT 1,
    disabled_reason  TEXT,
    disabled_cause   TEXT,
    delivered_seq    INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    failing_since    TEXT,
    next_attempt_at  TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
    id           BLOB PRIMARY KEY,
    webhook_id   BLOB NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    message_id   TEXT NOT NULL,
    seq          INTEGER,
    event_type   TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    status       INTEGER,
    ok           INTEGER NOT NULL,
    error        TEXT,
    latency_ms   INTEGER NOT NULL,
    response     TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
