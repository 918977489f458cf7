-- The pending invitations a person sent: deactivating, deleting or demoting them cancels those,
-- and the question was a scan of the organization's pending invitations per person (per user
-- of a bulk job). Partial: only pending invitations are ever asked for.
CREATE INDEX IF NOT EXISTS invitations_by_inviter ON invitations (invited_by) WHERE status = 'pending';
