-- The Audit Log page and its hash chain (docs/security.md, "The audit trail"). The Postgres
-- twin is migrations/postgres/0009_audit_log.sql, with its indexes in 0010 to 0014.
--
-- Events are rebuilt into a table whose actor is no longer a foreign key: deleting a user used
-- to set the actor of their events to NULL, which rewrote history (and would now break the
-- chain). Each event gets its place in its organization's chain (`seq`, the events before this
-- migration numbered in the order they were written), who acted by name, from where, and the
-- hashes: `hash` is the SHA-256 of the event's content and `prev_hash`, the previous event's
-- `hash`. Events written before the chain existed have none (`audit_chains.sealed_from`).
-- `actor_kind` says who acted: 'person' (`actor_id`), 'cli' (a `roster` command, named in
-- `actor_email`) or 'system'.
CREATE TABLE audit_events_chained (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    actor_kind    TEXT NOT NULL DEFAULT 'person',
    actor_id      TEXT,
    actor_email   TEXT NOT NULL,
    actor_name    TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT,
    target_label  TEXT NOT NULL,
    details       TEXT NOT NULL DEFAULT '{}',
    ip_address    TEXT,
    device        TEXT,
    created_at    INTEGER NOT NULL,
    prev_hash     TEXT,
    hash          TEXT
);
INSERT INTO audit_events_chained
    (id, org_id, seq, actor_id, actor_email, action, target_type, target_id, target_label, details, created_at)
SELECT id, org_id, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY created_at, id),
       actor_id, actor_email, action, target_type, target_id, target_label, details, created_at
FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_chained RENAME TO audit_events;

-- Newest first, and each filter of the page: one index range per page (keyset on time, id).
CREATE INDEX audit_events_by_org    ON audit_events (org_id, created_at, id);
CREATE INDEX audit_events_by_target ON audit_events (org_id, target_id, created_at, id);
CREATE INDEX audit_events_by_actor  ON audit_events (org_id, actor_id, created_at, id);
CREATE INDEX audit_events_by_action ON audit_events (org_id, action, created_at, id);
-- The chain, walked by `roster audit verify`; one place each.
CREATE UNIQUE INDEX audit_events_chain ON audit_events (org_id, seq);
-- Retention prunes the oldest across organizations.
CREATE INDEX audit_events_by_time ON audit_events (created_at);

-- Each organization's chain head: the last event's place and hash, written in the transaction
-- of every event (which serializes an organization's audited writes), where the chain began,
-- and how far retention has pruned it (the last pruned event's hash, so verification still
-- starts from a known value).
CREATE TABLE audit_chains (
    org_id       TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    sealed_from  INTEGER NOT NULL,
    pruned_to    INTEGER NOT NULL DEFAULT 0,
    pruned_hash  TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_chains (org_id, seq, hash, sealed_from)
SELECT o.id, COALESCE(MAX(e.seq), 0), '', COALESCE(MAX(e.seq), 0) + 1
FROM organizations o LEFT JOIN audit_events e ON e.org_id = o.id
GROUP BY o.id;

INSERT INTO permissions (key, description) VALUES ('audit.view', 'See the Audit Log');
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'audit.view' FROM roles WHERE builtin AND name IN ('Owner', 'Admin');
