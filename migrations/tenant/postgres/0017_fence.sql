-- The fence a tenant's storage is used through. Every transaction takes a
-- weak lock on it first (a writer ROW SHARE, a reader ACCESS SHARE), so a
-- move can pause writes for a moment by taking EXCLUSIVE, and by dropping
-- it when the tenant lives elsewhere, turn every later use of this copy
-- into an error that sends the caller to the new one (src/storage/relocate.rs).
CREATE TABLE fence (
    id  integer PRIMARY KEY CHECK (id = 1)
);
