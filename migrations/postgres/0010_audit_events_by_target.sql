-- no-transaction
-- The Audit Log filtered to the events about one person (History on Users).
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_events_by_target ON audit_events (org_id, target_id, created_at, id);
