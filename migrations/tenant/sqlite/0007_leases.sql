-- Leases (see the PostgreSQL migration of the same number).
CREATE TABLE leases (
    name    TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    until   TEXT NOT NULL
) STRICT;
