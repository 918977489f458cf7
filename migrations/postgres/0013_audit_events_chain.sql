-- no-transaction
-- Each organization's chain, walked in order by `roster audit verify`; one event a place.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS audit_events_chain ON audit_events (org_id, seq);
