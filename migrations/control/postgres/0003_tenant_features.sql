-- Features a tenant's admin switched off. Kept on the directory row, so
-- every request already has them (the directory is cached on each node
-- and refreshed over the bus): a switch applies at once, with no extra
-- query per request.
ALTER TABLE tenants ADD COLUMN disabled_features jsonb NOT NULL DEFAULT '[]';
