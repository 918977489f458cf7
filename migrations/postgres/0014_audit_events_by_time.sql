-- no-transaction
-- Retention finds the oldest events across organizations.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_events_by_time ON audit_events (created_at);
