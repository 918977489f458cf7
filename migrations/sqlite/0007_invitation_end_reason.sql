-- Why an invitation ended when nobody chose to end it: its inviter was deactivated, deleted,
-- or lost the right to invite with its role (invitations::server::service::end_for_inviter).
-- The Invitations list shows it beside Cancelled. The Postgres twin is
-- migrations/postgres/0006_invitation_end_reason.sql.
ALTER TABLE invitations ADD COLUMN end_reason TEXT;
