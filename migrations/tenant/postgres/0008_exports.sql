-- Exports of everything held about a person (GDPR Art. 15, 20): built in
-- the background, kept until they expire, gone with an erasure of the
-- person. The archive is a ZIP of JSON and CSV.
CREATE TABLE exports (
    id            uuid PRIMARY KEY,
    subject_kind  text NOT NULL,
    subject_id    uuid NOT NULL,
    requested_by  uuid,
    status        text NOT NULL,
    done          integer NOT NULL DEFAULT 0,
    total         integer NOT NULL DEFAULT 0,
    error         text,
    archive       bytea,
    size          bigint,
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    expires_at    timestamptz
);
CREATE INDEX exports_subject ON exports (subject_id);
