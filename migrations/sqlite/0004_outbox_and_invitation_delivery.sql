-- Invitations for real: the email outbox the worker sends from, and the delivery state an
-- invitation shows. The Postgres twin is migrations/postgres/0003_outbox_and_invitation_delivery.sql.

-- The first schema's outbox was never written to; it is replaced whole: its status could not
-- say "cancelled" (a resent or cancelled invitation's unsent mail), and it had no sender or
-- recipient key for the rate limits.
DROP TABLE email_outbox;
CREATE TABLE email_outbox (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    invitation_id    TEXT REFERENCES invitations(id) ON DELETE SET NULL,
    -- who caused the mail (the inviter): the per-inviter limit counts these
    sent_by          TEXT REFERENCES users(id) ON DELETE SET NULL,
    to_address       TEXT NOT NULL,
    -- lower-cased recipient: the per-recipient limit counts these
    to_key           TEXT NOT NULL,
    subject          TEXT NOT NULL,
    -- the bodies hold the invitation link; both are emptied once the mail is sent, given up
    -- or cancelled, so the link lives in the database only while it waits to be sent
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    -- a worker holds the message until then; past it, any worker may take it again
    lease_until      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX email_outbox_due          ON email_outbox (status, next_attempt_at);
CREATE INDEX email_outbox_by_recipient ON email_outbox (org_id, to_key, created_at);
CREATE INDEX email_outbox_by_sender    ON email_outbox (sent_by, created_at);
CREATE INDEX email_outbox_by_invitation ON email_outbox (invitation_id);

-- the last delivery error, shown beside a Failed (or retrying) invitation
ALTER TABLE invitations ADD COLUMN delivery_error TEXT;
-- search by any part of the email walks the newest-first index and checks the key in it
CREATE INDEX invitations_by_created_email ON invitations (org_id, created_at, id, email_key);
CREATE INDEX invitations_by_user ON invitations (user_id);
