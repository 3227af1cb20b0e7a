-- A custom field marked sensitive keeps its values sealed with the
-- tenant's data key, in records and in the event log: never searched,
-- filtered or sorted by. Set when the field is made; never changed, since
-- values written in clear before would stay in the log and in backups.
ALTER TABLE custom_fields ADD COLUMN sensitive boolean NOT NULL DEFAULT false;
