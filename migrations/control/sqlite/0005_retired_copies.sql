-- Old copies of moved tenants (see the PostgreSQL migration of the same number).
CREATE TABLE retired_copies (
    tenant_id   BLOB NOT NULL,
    shard       TEXT NOT NULL,
    drop_after  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, shard)
) STRICT;
