-- Custom fields marked sensitive (see the PostgreSQL migration of the same number).
ALTER TABLE custom_fields ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
