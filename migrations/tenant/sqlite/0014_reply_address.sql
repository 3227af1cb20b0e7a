-- A ticket reply's Reply-To: the tenant's support address with a random
-- token (support+r-<token>@…), so an answer threads back onto its ticket
-- even when the customer's mail program drops In-Reply-To/References.
-- Kept lower-case; looked up by each address an inbound message names.
ALTER TABLE mail_outbox ADD COLUMN reply_to TEXT;
CREATE INDEX mail_outbox_reply_to ON mail_outbox (reply_to);
