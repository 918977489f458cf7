//! The rules of the Users list.

use super::repo::{self, ListSpec, SortValue};
use crate::auth::server::guard::Permit;
use crate::error::AppError;
use crate::server::ids::now_ms;
use crate::users::types::{UserList, UserQuery, UserStatus, UserSummary, COUNT_CAP};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::HashMap;

fn encode_cursor(value: &SortValue, id: &str) -> String {
    let json = serde_json::to_vec(&(value, id)).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(cursor: &str) -> Result<(SortValue, String), AppError> {
    let invalid = || AppError::validation("after", "That page link is no longer valid. Go back to the first page.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// One page of the organization's users for `query`, with their roles, a capped count and
/// the cursor of the next page.
pub async fn list_users(permit: &Permit, query: &UserQuery) -> Result<UserList, AppError> {
    let spec = ListSpec {
        search: &query.search,
        status: query.status.map(UserStatus::key),
        role: query.role.as_deref(),
        sort: query.sort,
        descending: query.descending,
        after: query.after.as_deref().map(decode_cursor).transpose()?,
        limit: i64::from(query.page_size) + 1,
    };
    let mut rows = repo::list_page(permit.db(), permit.org_id(), &spec).await?;
    let has_more = rows.len() > query.page_size as usize;
    rows.truncate(query.page_size as usize);
    let next_cursor = if has_more { rows.last().map(|r| encode_cursor(&spec.sort_value(r), &r.id)) } else { None };
    let counted = repo::count_matching(permit.db(), permit.org_id(), &spec, COUNT_CAP).await?;

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
    Ok(UserList {
        users,
        total: counted.min(COUNT_CAP),
        total_capped: counted > COUNT_CAP,
        next_cursor,
        now: now_ms(),
    })
}
