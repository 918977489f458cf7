-- no-transaction
-- The same with a Role, on the copies of the keys in user_roles.
CREATE INDEX CONCURRENTLY IF NOT EXISTS user_roles_by_status_login ON user_roles (role_id, status, login_key, user_id);
