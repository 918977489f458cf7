//! The rules of the Users list.

use super::repo;
use crate::auth::server::guard::Permit;
use crate::error::AppError;
use crate::server::ids::now_ms;
use crate::users::types::{UserList, UserStatus, UserSummary};
use std::collections::HashMap;

/// The first page of the organization's users by name, with their roles.
pub async fn list_users(permit: &Permit, limit: i64) -> Result<UserList, AppError> {
    let rows = repo::first_by_name(permit.db(), permit.org_id(), limit).await?;
    let total = repo::count(permit.db(), permit.org_id()).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    for row in repo::roles_of(permit.db(), &ids).await? {
        roles.entry(row.user_id).or_default().push(row.role_name);
    }
    let users = rows
        .into_iter()
        .map(|row| UserSummary {
            roles: roles.remove(&row.id).unwrap_or_default(),
            status: UserStatus::from_key(&row.status).unwrap_or(UserStatus::Inactive),
            id: row.id,
            name: row.name,
            email: row.email,
            last_login_at: row.last_login_at,
        })
        .collect();
    Ok(UserList { users, total, now: now_ms() })
}
