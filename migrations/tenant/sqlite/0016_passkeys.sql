-- Passkeys (WebAuthn): a user's credentials, and ceremonies in flight
-- between their two requests (any node may finish what another began).

CREATE TABLE passkeys (
    id             BLOB PRIMARY KEY,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    -- base64url of the credential id: what an assertion names.
    credential_id  TEXT NOT NULL UNIQUE,
    -- The public key and its signature counter (webauthn_rs::Passkey, JSON).
    credential     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    last_used_at   TEXT
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE webauthn_ceremonies (
    id          BLOB PRIMARY KEY,
    -- register | sign_in | second_factor
    kind        TEXT NOT NULL,
    -- Whose ceremony it is; none for a sign-in that learns it from the key.
    user_id     BLOB REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;
