-- Why an invitation ended when nobody chose to end it: its inviter was deactivated, deleted,
-- or lost the right to invite with its role (invitations::server::service::end_for_inviter).
-- A nullable column without a default: no table rewrite, a moment's lock. The SQLite twin is
-- migrations/sqlite/0007_invitation_end_reason.sql.
ALTER TABLE invitations ADD COLUMN end_reason TEXT;
