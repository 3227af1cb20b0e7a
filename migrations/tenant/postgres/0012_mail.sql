-- Outbound e-mail, queued in the transaction that caused it and sent by
-- the mailer with retries (the outbox). The body is sealed with the
-- tenant's data key (it may carry a sign-in link) and dropped once sent.
CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL,
    to_addr          text NOT NULL,
    subject          text NOT NULL,
    body             text,
    status           text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    -- A reply to a ticket's requester: its Message-ID (which the customer's
    -- answer names in In-Reply-To/References) and the ticket it threads to.
    message_id       text,
    ticket_id        uuid
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_message ON mail_outbox (message_id);

-- Single-use tokens that let someone set their password: a reset asked
-- for by e-mail, or an invitation. Only the token's SHA-256 is kept.
CREATE TABLE account_tokens (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL,
    purpose     text NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id);

-- How far a follower of the event log has read (`notices`: the mails
-- that tell agents of assignments, customers' replies and SLA warnings).
CREATE TABLE cursors (
    name  text PRIMARY KEY,
    seq   bigint NOT NULL
);
-- Notices start where the log stands now: history is not mailed.
INSERT INTO cursors (name, seq) SELECT 'notices', seq FROM event_counter WHERE id = 1;
