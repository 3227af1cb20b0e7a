-- Passkeys (WebAuthn): a user's credentials, and ceremonies in flight
-- between their two requests (any node may finish what another began).

CREATE TABLE passkeys (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           text NOT NULL,
    -- base64url of the credential id: what an assertion names.
    credential_id  text NOT NULL UNIQUE,
    -- The public key and its signature counter (webauthn_rs::Passkey, JSON).
    credential     text NOT NULL,
    created_at     timestamptz NOT NULL,
    last_used_at   timestamptz
);
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE webauthn_ceremonies (
    id          uuid PRIMARY KEY,
    -- register | sign_in | second_factor
    kind        text NOT NULL,
    -- Whose ceremony it is; none for a sign-in that learns it from the key.
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    state       text NOT NULL,
    expires_at  timestamptz NOT NULL
);
