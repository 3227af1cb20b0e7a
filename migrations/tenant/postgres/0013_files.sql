-- Attachments: the bytes live in the object store under the tenant's
-- prefix (`t/<tenant id>/<file id>`); this is what is known about them.
CREATE TABLE files (
    id               uuid PRIMARY KEY,
    -- The record it hangs on, and the comment it came with (if any).
    record_kind      text NOT NULL,
    record_id        uuid NOT NULL,
    comment_id       uuid,
    name             text NOT NULL,
    -- What the content is (sniffed), not what the uploader said.
    content_type     text NOT NULL,
    size             bigint NOT NULL,
    sha256           text NOT NULL,
    -- Hidden from those without tickets:internal (portal users).
    internal         boolean NOT NULL,
    created_by       uuid,
    created_by_name  text NOT NULL,
    created_at       timestamptz NOT NULL,
    -- Set in the transaction that removed its record: the row leaves the
    -- quota at once; the object is deleted after commit, then the row.
    deleted_at       timestamptz
);
CREATE INDEX files_record ON files (record_id);
CREATE INDEX files_comment ON files (comment_id);
CREATE INDEX files_deleted ON files (deleted_at) WHERE deleted_at IS NOT NULL;

-- What the tenant's files take, counted with every upload and removal:
-- one row, so a conditional UPDATE decides the quota without a race.
CREATE TABLE file_usage (
    id     integer PRIMARY KEY CHECK (id = 1),
    bytes  bigint NOT NULL,
    files  bigint NOT NULL
);
INSERT INTO file_usage (id, bytes, files) VALUES (1, 0, 0);
