-- The audit trail: every change of data and every sign-in, in the same
-- transaction as the change. `entry` is the canonical JSON of the entry
-- (what `hash` covers); the other columns repeat parts of it for filters.
-- Each `hash` is SHA-256 over the previous entry's hash and this `entry`,
-- so changing, removing or reordering an entry breaks the chain from there
-- on. `audit_head` holds the last number and hash; every appending
-- transaction updates it, which orders the chain by commit.
CREATE TABLE audit_log (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    action     text NOT NULL,
    actor_type text NOT NULL,
    actor_id   uuid,
    kind       text,
    record_id  uuid,
    entry      text NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id    integer PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  text NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
