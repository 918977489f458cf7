//! SQL for organizations and roles.

use crate::on_db;
use crate::server::db::Db;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
}

pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<OrgRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, OrgRow>("SELECT id, slug, name FROM organizations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await)
}

pub async fn first(db: &Db) -> Result<Option<OrgRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, OrgRow>("SELECT id, slug, name FROM organizations ORDER BY created_at, id LIMIT 1")
        .fetch_optional(pool)
        .await)
}

/// The id of the role called `name` in the organization.
pub async fn role_id(db: &Db, org_id: &str, name: &str) -> Result<Option<String>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM roles WHERE org_id = $1 AND name = $2")
        .bind(org_id)
        .bind(name)
        .fetch_optional(pool)
        .await)
}
