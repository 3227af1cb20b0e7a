-- Tenant data keys (see the PostgreSQL migration of the same number).
CREATE TABLE tenant_keys (
    tenant_id   BLOB NOT NULL,
    version     INTEGER NOT NULL,
    wrapped     TEXT NOT NULL,
    master_kid  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, version)
) STRICT;
