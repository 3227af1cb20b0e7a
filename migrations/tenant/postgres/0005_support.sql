-- Agents' availability and routing profile. `status` is what the agent
-- chose; `seen_at` is refreshed by every node that holds one of the
-- agent's live sockets, so "online" means chosen and connected somewhere.
CREATE TABLE agents (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('online', 'away', 'offline')),
    capacity    bigint NOT NULL,
    skills      jsonb NOT NULL DEFAULT '[]',
    seen_at     timestamptz,
    updated_at  timestamptz NOT NULL
);

-- The agent a round-robin queue offered last, written with the offer, so
-- every node continues the same rotation.
CREATE TABLE routing_cursors (
    queue_id      uuid PRIMARY KEY,
    last_user_id  uuid NOT NULL
);
