//! Creating organizations, each with its built-in roles.

use super::repo::{self, OrgRow};
use crate::auth::types::BuiltinRole;
use crate::error::AppError;
use crate::organizations::types::OrgSlug;
use crate::server::db::Db;
use crate::server::ids::{new_id, now_ms};
use crate::write_tx;

/// Creates an organization with the Owner, Admin and Member roles, all in one transaction.
/// An existing slug is a `Conflict`, and nothing changes.
pub async fn create_organization(db: &Db, slug: &OrgSlug, name: &str) -> Result<OrgRow, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation("name", "Give the organization a name of 1 to 100 characters."));
    }
    if repo::find_by_slug(db, slug.as_str()).await?.is_some() {
        return Err(AppError::Conflict(format!("An organization with the slug {:?} already exists.", slug.as_str())));
    }
    let org = OrgRow { id: new_id(), slug: slug.as_str().to_owned(), name: name.to_owned() };
    let now = now_ms();
    write_tx!(db, tx => {
        sqlx::query("INSERT INTO organizations (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&org.id)
            .bind(&org.slug)
            .bind(&org.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        for role in BuiltinRole::ALL {
            let role_id = new_id();
            sqlx::query(
                "INSERT INTO roles (id, org_id, name, description, builtin, created_at) VALUES ($1, $2, $3, $4, TRUE, $5)",
            )
            .bind(&role_id)
            .bind(&org.id)
            .bind(role.name())
            .bind(role.description())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for permission in role.permissions() {
                sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)")
                    .bind(&role_id)
                    .bind(permission.key())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok::<_, AppError>(())
    });
    Ok(org)
}
