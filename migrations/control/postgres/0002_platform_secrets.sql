-- Secrets every node must share, made once by whichever node starts first
-- (INSERT … ON CONFLICT DO NOTHING): the JWT signing key.
CREATE TABLE platform_secrets (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL
);
