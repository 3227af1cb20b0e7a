-- Webhook endpoints, delivered from the event log (the outbox): each
-- endpoint keeps its own cursor (`delivered_seq`), so delivery is in order
-- per endpoint and survives any node's death; one node at a time drives an
-- endpoint, under the lease `webhook:<id>`. Secrets are sealed with the
-- tenant's data key; the previous one signs too until `previous_until`.
CREATE TABLE webhooks (
    id               uuid PRIMARY KEY,
    url              text NOT NULL,
    description      text NOT NULL DEFAULT '',
    -- JSON arrays: event type patterns (`ticket.created`, `deal.*`, `*`)
    -- and topics (`queue:<id>`, `pipeline:<id>`, …; empty: every topic).
    event_types      text NOT NULL,
    topics           text NOT NULL,
    role             text NOT NULL,
    created_by       uuid NOT NULL,
    secret           text NOT NULL,
    previous_secret  text,
    previous_until   timestamptz,
    enabled          boolean NOT NULL DEFAULT true,
    disabled_reason  text,
    -- Why, as a code: admin, failures or maker_inactive.
    disabled_cause   text,
    delivered_seq    bigint NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    failing_since    timestamptz,
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- Each attempt to deliver, kept seven days: what the admin's delivery log
-- shows.
CREATE TABLE webhook_deliveries (
    id           uuid PRIMARY KEY,
    webhook_id   uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    message_id   text NOT NULL,
    seq          bigint,
    event_type   text NOT NULL,
    attempt      integer NOT NULL,
    status       integer,
    ok           boolean NOT NULL,
    error        text,
    latency_ms   integer NOT NULL,
    response     text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
