-- The fence a tenant's storage is used through. Every transaction reads it
-- first; a move drops it (under the file's write lock) once the tenant lives
-- elsewhere, turning every later use of this copy into an error that sends
-- the caller to the new one (src/storage/relocate.rs).
CREATE TABLE fence (
    id  INTEGER PRIMARY KEY CHECK (id = 1)
);
