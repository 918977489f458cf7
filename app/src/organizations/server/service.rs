//! Organizations: creating them with their built-in roles (the operator's), and finding their
//! roles (a tenant's).

use super::repo::{self, OrgRow};
use crate::auth::server::guard::capability::{Operator, OrgDb};
use crate::auth::types::BuiltinRole;
use crate::error::AppError;
use crate::organizations::types::OrgSlug;
use crate::server::ids::{new_id, now_ms};

/// Creates an organization with the Owner, Admin and Member roles, all in one transaction.
/// An existing slug is a `Conflict`, and nothing changes.
pub async fn create_organization(op: &Operator, slug: &OrgSlug, name: &str) -> Result<OrgRow, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation("name", "Give the organization a name of 1 to 100 characters."));
    }
    if repo::find_by_slug(op, slug.as_str()).await?.is_some() {
        return Err(AppError::Conflict(format!("An organization with the slug {:?} already exists.", slug.as_str())));
    }
    let org = OrgRow { id: new_id(), slug: slug.as_str().to_owned(), name: name.to_owned() };
    let now = now_ms();
    let mut tx = op.begin_write().await?;
    repo::insert_organization(&mut tx, &org, now).await?;
    for role in BuiltinRole::ALL {
        let permissions: Vec<&str> = role.permissions().iter().map(|p| p.key()).collect();
        repo::insert_builtin_role(&mut tx, &org.id, &new_id(), role.name(), role.description(), &permissions, now).await?;
    }
    tx.commit().await?;
    Ok(org)
}

/// The organization with this slug, if any.
pub async fn find_by_slug(op: &Operator, slug: &str) -> Result<Option<OrgRow>, AppError> {
    Ok(repo::find_by_slug(op, slug).await?)
}

/// The oldest organization: there is one once the first start has run.
pub async fn first(op: &Operator) -> Result<Option<OrgRow>, AppError> {
    Ok(repo::first(op).await?)
}

/// The organization's name, if it exists.
pub async fn name(org: &OrgDb) -> Result<Option<String>, AppError> {
    Ok(repo::name(org).await?)
}

/// The id of the organization's role called `name`, if it has one.
pub async fn role_id(org: &OrgDb, name: &str) -> Result<Option<String>, AppError> {
    Ok(repo::role_id(org, name).await?)
}
