-- Enterprise sign-in: OpenID Connect providers per tenant, the identities
-- they vouch for, the short-lived state of a sign-in in flight, and SCIM
-- provisioning's token and external ids.

CREATE TABLE sso_providers (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    issuer         text NOT NULL,
    client_id      text NOT NULL,
    -- Sealed under the tenant's data key (keys::Keyring::seal).
    client_secret  text,
    -- Scopes, allowed domains, claim mappings (identity::sso::ProviderConfig).
    config         text NOT NULL,
    enabled        boolean NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- Who a provider's `sub` is here: a user is linked once, by verified e-mail
-- or by being provisioned, and found by (issuer, subject) ever after.
CREATE TABLE sso_identities (
    provider_id    uuid NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    subject        text NOT NULL,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    last_login_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, subject)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- A sign-in between the redirect to the provider and its answer: found by
-- the hash of `state`, bound to the browser by the hash of a cookie, spent
-- on first use.
CREATE TABLE sso_attempts (
    state_hash     text PRIMARY KEY,
    provider_id    uuid NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    browser_hash   text NOT NULL,
    nonce          text NOT NULL,
    -- Sealed: with the code it would redeem the sign-in.
    pkce_verifier  text NOT NULL,
    return_to      text,
    expires_at     timestamptz NOT NULL
);

-- The one-time code the web app trades for its tokens, so that no token
-- ever travels in an address.
CREATE TABLE sso_handoffs (
    code_hash      text PRIMARY KEY,
    session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at     timestamptz NOT NULL
);

-- How a session began: what "SSO required" and a provider's removal end.
ALTER TABLE sessions ADD COLUMN method text NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN sso_provider_id uuid;
-- Sealed ID token, the hint for RP-initiated logout.
ALTER TABLE sessions ADD COLUMN sso_id_token text;

-- SCIM: the directory's own ids and names, what it says of a person
-- beyond what Mandant models (name parts, further e-mails: JSON, given
-- back as received), and the tenant's bearer token (hashed).
ALTER TABLE users ADD COLUMN external_id text;
ALTER TABLE users ADD COLUMN scim_user_name text;
ALTER TABLE users ADD COLUMN scim_attributes text;
CREATE UNIQUE INDEX users_scim_user_name ON users (lower(scim_user_name));
ALTER TABLE teams ADD COLUMN external_id text;
CREATE TABLE scim_tokens (
    id            uuid PRIMARY KEY,
    token_hash    text NOT NULL UNIQUE,
    created_by    uuid,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
