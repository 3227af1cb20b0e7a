-- The copy a tenant move left on its old shard, dropped after the grace
-- period by the mover, or, when the mover did not live that long, by any
-- node's upkeep once `drop_after` has passed.
CREATE TABLE retired_copies (
    tenant_id   uuid NOT NULL,
    shard       text NOT NULL,
    drop_after  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, shard)
);
