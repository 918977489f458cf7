-- no-transaction
-- The Audit Log filtered to the events by one person.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_events_by_actor ON audit_events (org_id, actor_id, created_at, id);
