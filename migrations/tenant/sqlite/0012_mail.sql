-- Mail outbox and account tokens (see the PostgreSQL migration of the same number).
CREATE TABLE mail_outbox (
    id               BLOB PRIMARY KEY,
    kind             TEXT NOT NULL,
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    message_id       TEXT,
    ticket_id        BLOB
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_message ON mail_outbox (message_id);

CREATE TABLE account_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     BLOB NOT NULL,
    purpose     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX account_tokens_user ON account_tokens (user_id);

CREATE TABLE cursors (
    name  TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL
) STRICT;
-- Notices start where the log stands now: history is not mailed.
INSERT INTO cursors (name, seq) SELECT 'notices', seq FROM event_counter WHERE id = 1;
