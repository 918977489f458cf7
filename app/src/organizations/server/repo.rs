//! SQL for organizations and their roles.

use crate::auth::server::guard::capability::{Operator, OrgDb};
use crate::server::db::Tx;
use crate::server::sql::Sql;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
}

pub async fn find_by_slug(op: &Operator, slug: &str) -> Result<Option<OrgRow>, sqlx::Error> {
    op.exec().fetch_optional(Sql::new("SELECT id, slug, name FROM organizations WHERE slug = $1").bind(slug)).await
}

pub async fn first(op: &Operator) -> Result<Option<OrgRow>, sqlx::Error> {
    op.exec().fetch_optional(Sql::new("SELECT id, slug, name FROM organizations ORDER BY created_at, id LIMIT 1")).await
}

/// The organization's name, if it exists.
pub async fn name(org: &OrgDb) -> Result<Option<String>, sqlx::Error> {
    org.exec().optional_scalar(Sql::new("SELECT name FROM organizations WHERE id = $1").bind(org.id())).await
}

/// The id of the role called `name` in the organization.
pub async fn role_id(org: &OrgDb, name: &str) -> Result<Option<String>, sqlx::Error> {
    org.exec().optional_scalar(Sql::new("SELECT id FROM roles WHERE org_id = $1 AND name = $2").bind(org.id()).bind(name)).await
}

pub async fn insert_organization(tx: &mut Tx, org: &OrgRow, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("INSERT INTO organizations (id, slug, name, created_at) VALUES ($1, $2, $3, $4)");
    tx.exec().execute(sql.bind(&org.id).bind(&org.slug).bind(&org.name).bind(now)).await.map(|_| ())
}

/// A built-in role of the organization, with its permissions.
pub async fn insert_builtin_role(
    tx: &mut Tx,
    org_id: &str,
    role_id: &str,
    name: &str,
    description: &str,
    permissions: &[&str],
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = Sql::new("INSERT INTO roles (id, org_id, name, description, builtin, created_at) VALUES ($1, $2, $3, $4, TRUE, $5)");
    tx.exec().execute(sql.bind(role_id).bind(org_id).bind(name).bind(description).bind(now)).await?;
    for permission in permissions {
        let sql = Sql::new("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)");
        tx.exec().execute(sql.bind(role_id).bind(*permission)).await?;
    }
    Ok(())
}
