-- Roster's whole domain (see DESIGN.md). Times are Unix milliseconds (UTC) bound from Rust, ids are
-- UUIDv7 text made in Rust, so the same queries run unchanged on SQLite and Postgres.
-- The SQLite twin of this file is migrations/sqlite/0001_schema.sql: change both together.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    -- lower-cased email: uniqueness per organization, sort and search are case-insensitive.
    -- The keys compare byte by byte (COLLATE "C"), as on SQLite: the same order on both
    -- databases, and prefix ranges (short searches) that an index can seek.
    email_key      TEXT COLLATE "C" NOT NULL,
    name           TEXT NOT NULL,
    -- lower-cased name: the sort key of the Name column
    name_key       TEXT COLLATE "C" NOT NULL,
    password_hash  TEXT,
    status         TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'inactive', 'pending')),
    phone          TEXT,
    job_title      TEXT,
    department     TEXT,
    location       TEXT,
    time_zone      TEXT,
    last_login_at  BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    UNIQUE (org_id, email_key)
);
-- keyset pagination for every sort of the Users list, optionally narrowed by status
-- email_key rides along: a search walking the name order checks both keys in the index
CREATE INDEX users_by_name        ON users (org_id, name_key, id, email_key);
CREATE INDEX users_by_email       ON users (org_id, email_key, id);
-- "Never" (NULL) sorts as 0, before every sign-in; the list sorts by this very expression.
CREATE INDEX users_by_last_login  ON users (org_id, (COALESCE(last_login_at, 0)), id);
CREATE INDEX users_by_status_name ON users (org_id, status, name_key, id);
CREATE INDEX users_by_login_email ON users (email_key);

-- substring search on name or email: trigram GIN index (pg_trgm)
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_search ON users USING gin ((name_key || ' ' || email_key) gin_trgm_ops);

CREATE TABLE permissions (
    key          TEXT PRIMARY KEY,
    description  TEXT NOT NULL
);
INSERT INTO permissions (key, description) VALUES
    ('users.view', 'See the Users list'),
    ('users.invite', 'Invite users'),
    ('users.edit', 'Edit users'),
    ('users.deactivate', 'Deactivate and activate users'),
    ('users.delete', 'Delete users'),
    ('roles.assign', 'Assign roles'),
    ('sessions.view', 'See sessions'),
    ('sessions.revoke', 'Revoke sessions'),
    ('login_attempts.view', 'See login attempts'),
    ('organization.manage', 'Manage the organization and grant the Owner role');

CREATE TABLE roles (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    builtin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE role_permissions (
    role_id     TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission  TEXT NOT NULL REFERENCES permissions(key),
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_by_role ON user_roles (role_id, user_id);

CREATE TABLE invitations (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    email_key        TEXT NOT NULL,
    role_id          TEXT NOT NULL REFERENCES roles(id),
    message          TEXT,
    invited_by       TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- the pending user row this invitation stands for in the Users list
    user_id          TEXT REFERENCES users(id) ON DELETE SET NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled')),
    delivery_status  TEXT NOT NULL DEFAULT 'queued' CHECK (delivery_status IN ('queued', 'sent', 'failed')),
    expires_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX invitations_by_created ON invitations (org_id, created_at, id);
CREATE INDEX invitations_by_status  ON invitations (org_id, status, created_at, id);
CREATE INDEX invitations_by_email   ON invitations (org_id, email_key);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    ip_address      TEXT NOT NULL,
    user_agent      TEXT NOT NULL,
    device          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_active_at  BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    -- why it ended: 'signed_out', 'revoked', 'deactivated', 'replaced'
    end_reason      TEXT,
    revoked_by      TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX sessions_by_org_activity ON sessions (org_id, last_active_at, id);
CREATE INDEX sessions_by_user         ON sessions (user_id, ended_at);

CREATE TABLE login_attempts (
    id          TEXT PRIMARY KEY,
    -- NULL when the email matched no organization
    org_id      TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL,
    ip_address  TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('success', 'failed')),
    reason      TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX login_attempts_by_org    ON login_attempts (org_id, created_at, id);
CREATE INDEX login_attempts_by_email  ON login_attempts (email_key, created_at);
CREATE INDEX login_attempts_by_ip     ON login_attempts (ip_address, created_at);

CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    actor_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    actor_email   TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT,
    target_label  TEXT NOT NULL,
    -- JSON object: what changed
    details       TEXT NOT NULL DEFAULT '{}',
    created_at    BIGINT NOT NULL
);
CREATE INDEX audit_events_by_org ON audit_events (org_id, created_at, id);

CREATE TABLE email_outbox (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    invitation_id    TEXT REFERENCES invitations(id) ON DELETE SET NULL,
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
