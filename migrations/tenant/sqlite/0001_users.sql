-- A tenant's users, in the tenant's own database file.
CREATE TABLE users (
    id                BLOB PRIMARY KEY,
    email             TEXT NOT NULL,
    -- Unicode lower case of email: uniqueness is case-insensitive.
    email_normalized  TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    password_hash     TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('staff', 'customer', 'supplier')),
    status            TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE user_roles (
    user_id  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
) STRICT;
