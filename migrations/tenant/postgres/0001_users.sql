-- A tenant's users. Runs inside the tenant's own schema (search_path is
-- scoped to it), so names are unqualified.
CREATE TABLE users (
    id                uuid PRIMARY KEY,
    email             text NOT NULL,
    -- Unicode lower case of email: uniqueness is case-insensitive.
    email_normalized  text NOT NULL UNIQUE,
    name              text NOT NULL,
    password_hash     text,
    kind              text NOT NULL CHECK (kind IN ('staff', 'customer', 'supplier')),
    status            text NOT NULL CHECK (status IN ('active', 'disabled')),
    version           bigint NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

-- Role names are resolved against the tenant's role catalogue (identity issue).
CREATE TABLE user_roles (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     text NOT NULL,
    PRIMARY KEY (user_id, role)
);
