-- The audit trail's retention: entries older than the tenant keeps are
-- trimmed from the start of the chain; the base says where the kept
-- chain begins (the last trimmed entry's number and hash), so `verify`
-- still walks an unbroken chain from there.
ALTER TABLE audit_head ADD COLUMN base_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN base_hash text NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
