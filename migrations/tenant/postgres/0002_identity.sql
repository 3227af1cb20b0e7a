-- Identity and access: custom roles (built-in roles are defined in code),
-- teams, sessions with rotating refresh tokens, MFA, API keys, the
-- authentication audit trail and tenant settings.

CREATE TABLE roles (
    name         text PRIMARY KEY,
    parent       text,
    description  text NOT NULL DEFAULT '',
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE role_grants (
    role           text NOT NULL REFERENCES roles (name) ON DELETE CASCADE,
    permission     text NOT NULL,
    scope          text NOT NULL CHECK (scope IN ('own', 'team', 'all')),
    hidden_fields  jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (role, permission)
);

CREATE TABLE teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);

CREATE TABLE user_teams (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id  uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, team_id)
);

ALTER TABLE users ADD COLUMN mfa_secret text;
ALTER TABLE users ADD COLUMN mfa_enabled boolean NOT NULL DEFAULT false;
-- The last TOTP time step accepted: a code is never accepted twice.
ALTER TABLE users ADD COLUMN mfa_last_step bigint NOT NULL DEFAULT 0;

CREATE TABLE sessions (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Set when MFA is required for the user's roles but not yet enrolled:
    -- the session may only enrol.
    mfa_pending     boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text,
    ip              text,
    user_agent      text
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A session is a refresh-token family: reusing a spent token revokes it.
CREATE TABLE refresh_tokens (
    token_hash  text PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    spent_at    timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE mfa_recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  text NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL,
    prefix        text NOT NULL UNIQUE,
    key_hash      text NOT NULL,
    created_by    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE auth_events (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL,
    kind     text NOT NULL,
    user_id  uuid,
    email    text,
    ip       text,
    detail   jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE settings (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL
);
