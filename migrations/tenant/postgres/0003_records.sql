-- The tenant's CRM and support data. One table holds every kind of record
-- (contacts, companies, deals, tickets, …): each kind's fields are defined
-- and validated in code (`records::schema`), custom fields per tenant in
-- `custom_fields`. Columns the policy and the queries need are lifted out
-- of the JSON: who a record belongs to (`people`, `team_id`), its parent
-- (ticket comments), and the text full-text search indexes.
CREATE TABLE records (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL,
    data        jsonb NOT NULL,
    custom      jsonb NOT NULL DEFAULT '{}',
    people      jsonb NOT NULL DEFAULT '[]',
    team_id     uuid,
    parent_id   uuid,
    search      text NOT NULL DEFAULT '',
    version     bigint NOT NULL DEFAULT 1,
    created_by  uuid,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX records_kind_id ON records (kind, id);
CREATE INDEX records_parent ON records (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX records_search ON records USING gin (to_tsvector('simple', search));

CREATE TABLE custom_fields (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL,
    key         text NOT NULL,
    label       text NOT NULL,
    type        text NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    required    boolean NOT NULL DEFAULT false,
    retired     boolean NOT NULL DEFAULT false,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (kind, key)
);

-- The outbox. `seq` comes from `event_counter`, whose single row every
-- writing transaction updates: the row lock makes numbers follow commit
-- order, so a reader who saw N never later meets a smaller number.
CREATE TABLE events (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    type       text NOT NULL,
    kind       text NOT NULL,
    record_id  uuid NOT NULL,
    actor      uuid,
    people     jsonb NOT NULL DEFAULT '[]',
    team_id    uuid,
    data       jsonb NOT NULL
);

CREATE TABLE event_counter (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL
);
INSERT INTO event_counter (id, seq) VALUES (1, 0);
