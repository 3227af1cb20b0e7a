-- Leases: a duty that one node at a time may do for this tenant (the
-- retention run). A node holds a lease until `until`; another may take it
-- over once it has run out, so a node that died releases it by waiting.
CREATE TABLE leases (
    name    text PRIMARY KEY,
    holder  text NOT NULL,
    until   timestamptz NOT NULL
);
