-- The Audit Log page and its hash chain (docs/security.md, "The audit trail"). The SQLite
-- twin, migrations/sqlite/0010_audit_log.sql, says what each column is for.
--
-- The actor is no longer a foreign key (deleting a user set it to NULL, rewriting history),
-- and no statement may update an event: a trigger refuses it, so the application's own bugs
-- cannot either (retention deletes the oldest; see audit_chains.pruned_to). The Audit Log's
-- indexes follow, a file each, built without stopping writes (0010 to 0014).
ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_actor_id_fkey;
ALTER TABLE audit_events
    ADD COLUMN seq         BIGINT,
    ADD COLUMN actor_kind  TEXT NOT NULL DEFAULT 'person',
    ADD COLUMN actor_name  TEXT NOT NULL DEFAULT '',
    ADD COLUMN ip_address  TEXT,
    ADD COLUMN device      TEXT,
    ADD COLUMN prev_hash   TEXT,
    ADD COLUMN hash        TEXT;
UPDATE audit_events e SET seq = n.seq
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY created_at, id) AS seq FROM audit_events) n
WHERE n.id = e.id;
ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL;

CREATE FUNCTION audit_events_are_not_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are never updated';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_are_not_updated();

CREATE TABLE audit_chains (
    org_id       TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    hash         TEXT NOT NULL,
    sealed_from  BIGINT NOT NULL,
    pruned_to    BIGINT NOT NULL DEFAULT 0,
    pruned_hash  TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_chains (org_id, seq, hash, sealed_from)
SELECT o.id, COALESCE(MAX(e.seq), 0), '', COALESCE(MAX(e.seq), 0) + 1
FROM organizations o LEFT JOIN audit_events e ON e.org_id = o.id
GROUP BY o.id;

INSERT INTO permissions (key, description) VALUES ('audit.view', 'See the Audit Log');
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'audit.view' FROM roles WHERE builtin AND name IN ('Owner', 'Admin');
