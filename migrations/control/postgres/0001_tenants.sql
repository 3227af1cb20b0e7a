-- The control plane: which tenants exist, where their data lives, what state
-- they are in. Lives in its own schema (mandant_control), apart from tenants.
CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    name        text NOT NULL,
    plan        text NOT NULL,
    shard       text NOT NULL,
    state       text NOT NULL CHECK (state IN ('provisioning', 'active', 'deleting')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
