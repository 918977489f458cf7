//! SQL for users.

use crate::on_db;
use crate::server::db::Db;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub last_login_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRoleRow {
    pub user_id: String,
    pub role_name: String,
}

/// The first `limit` users of the organization by name.
pub async fn first_by_name(db: &Db, org_id: &str, limit: i64) -> Result<Vec<UserRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, UserRow>(
        "SELECT id, name, email, status, last_login_at FROM users
         WHERE org_id = $1 ORDER BY name_key, id LIMIT $2",
    )
    .bind(org_id)
    .bind(limit)
    .fetch_all(pool)
    .await)
}

pub async fn count(db: &Db, org_id: &str) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(pool)
        .await)
}

/// The role names of the given users, in one round trip.
pub async fn roles_of(db: &Db, user_ids: &[String]) -> Result<Vec<UserRoleRow>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=user_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT ur.user_id, r.name AS role_name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
         WHERE ur.user_id IN ({}) ORDER BY r.name",
        placeholders.join(", ")
    );
    on_db!(db, pool => {
        let mut query = sqlx::query_as::<_, UserRoleRow>(&sql);
        for id in user_ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })
}
