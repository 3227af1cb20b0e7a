-- Features a tenant's admin switched off (JSON array of names); see the
-- PostgreSQL twin.
ALTER TABLE tenants ADD COLUMN disabled_features TEXT NOT NULL DEFAULT '[]';
