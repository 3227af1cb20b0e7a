-- Enterprise sign-in: OpenID Connect providers per tenant, the identities
-- they vouch for, the short-lived state of a sign-in in flight, and SCIM
-- provisioning's token and external ids.

CREATE TABLE sso_providers (
    id             BLOB PRIMARY KEY,
    name           TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    -- Sealed under the tenant's data key (keys::Keyring::seal).
    client_secret  TEXT,
    -- Scopes, allowed domains, claim mappings (identity::sso::ProviderConfig).
    config         TEXT NOT NULL,
    enabled        INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

-- Who a provider's `sub` is here: a user is linked once, by verified e-mail
-- or by being provisioned, and found by (issuer, subject) ever after.
CREATE TABLE sso_identities (
    provider_id    BLOB NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    subject        TEXT NOT NULL,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    last_login_at  TEXT NOT NULL,
    PRIMARY KEY (provider_id, subject)
) STRICT;
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- A sign-in between the redirect to the provider and its answer: found by
-- the hash of `state`, bound to the browser by the hash of a cookie, spent
-- on first use.
CREATE TABLE sso_attempts (
    state_hash     TEXT PRIMARY KEY,
    provider_id    BLOB NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    browser_hash   TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    -- Sealed: with the code it would redeem the sign-in.
    pkce_verifier  TEXT NOT NULL,
    return_to      TEXT,
    expires_at     TEXT NOT NULL
) STRICT;

-- The one-time code the web app trades for its tokens, so that no token
-- ever travels in an address.
CREATE TABLE sso_handoffs (
    code_hash      TEXT PRIMARY KEY,
    session_id     BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at     TEXT NOT NULL
) STRICT;

-- How a session began: what "SSO required" and a provider's removal end.
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN sso_provider_id BLOB;
-- Sealed ID token, the hint for RP-initiated logout.
ALTER TABLE sessions ADD COLUMN sso_id_token TEXT;

-- SCIM: the directory's own ids and names, what it says of a person
-- beyond what Mandant models (name parts, further e-mails: JSON, given
-- back as received), and the tenant's bearer token (hashed).
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN scim_user_name TEXT;
ALTER TABLE users ADD COLUMN scim_attributes TEXT;
CREATE UNIQUE INDEX users_scim_user_name ON users (lower(scim_user_name));
ALTER TABLE teams ADD COLUMN external_id TEXT;
CREATE TABLE scim_tokens (
    id            BLOB PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    created_by    BLOB,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
) STRICT;
