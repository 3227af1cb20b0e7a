-- The control plane: which tenants exist, where their data lives, what state
-- they are in. Its own file (control.db), apart from the tenants' files.
CREATE TABLE tenants (
    id          BLOB PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    plan        TEXT NOT NULL,
    shard       TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('provisioning', 'active', 'deleting')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
