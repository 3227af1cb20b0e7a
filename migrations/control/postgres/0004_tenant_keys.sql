-- Encryption at rest: each tenant's data keys, only ever wrapped by the
-- master key (`master_kid` names which). Deleting a tenant deletes its
-- keys, which leaves its backups' sealed values unreadable.
CREATE TABLE tenant_keys (
    tenant_id   uuid NOT NULL,
    version     integer NOT NULL,
    wrapped     text NOT NULL,
    master_kid  text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
