-- no-transaction
-- The Audit Log filtered by action.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_events_by_action ON audit_events (org_id, action, created_at, id);
