-- Secrets every process must share, made once: the JWT signing key.
CREATE TABLE platform_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
