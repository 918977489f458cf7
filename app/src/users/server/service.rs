//! The rules of the Users list.

use super::repo::{self, Driver, ListRow, ListSpec, SortValue};
use crate::organizations::server::repo as orgs;
use crate::auth::server::guard::Permit;
use crate::error::AppError;
use crate::server::ids::now_ms;
use crate::auth::types::Permission;
use crate::users::types::{ListRights, UserList, UserQuery, UserStatus, UserSummary, COUNT_CAP};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::HashMap;

/// The `after`/`before` value that names the row with these sort keys and id.
pub fn encode_cursor(values: &[SortValue], id: &str) -> String {
    let json = serde_json::to_vec(&(values, id)).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(cursor: &str) -> Result<(Vec<SortValue>, String), AppError> {
    let invalid = || AppError::validation("after", "That page link is no longer valid. Go back to the first page.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// A set of at most this many rows is read whole and sorted; a bigger one is only checked
/// against, row by row, while the sort's index is walked.
const SMALL_SET: i64 = 20_000;
// A probe that stopped at SMALL_SET still says whether the count passed its cap.
const _: () = assert!(SMALL_SET > COUNT_CAP);

/// How a list request is answered: what its page walks first, what its count walks, or the
/// count itself when a probe already gave it.
struct Plan {
    page: Driver,
    count: Driver,
    known_count: Option<i64>,
}

/// Picks what the page walks first and what its count walks, from the sizes of the sets the
/// search and the role filter name (each counted, cheaply, up to [`SMALL_SET`]).
async fn plan(permit: &Permit, search: &str, status: Option<&str>, role_id: Option<&str>) -> Result<Plan, AppError> {
    let sqlite = matches!(permit.db(), crate::server::db::Db::Sqlite(_));
    let search_size = if repo::is_short(search) {
        Some((Driver::Prefix, repo::prefix_matches(permit.db(), permit.org_id(), search, SMALL_SET).await?))
    } else if sqlite && search.chars().count() >= repo::TRIGRAM {
        Some((Driver::Search, repo::search_matches(permit.db(), search, SMALL_SET).await?))
    } else {
        None
    };
    let role_size = match role_id {
        Some(id) => Some(repo::role_holders(permit.db(), id, SMALL_SET).await?),
        None => None,
    };
    let smallest = match (search_size, role_size) {
        (Some((_, s)), Some(r)) if r < s => Some((Driver::Role, r)),
        (Some(search), _) => Some(search),
        (None, Some(r)) => Some((Driver::Role, r)),
        (None, None) => None,
    };
    let (page, count) = match smallest {
        Some((driver, size)) if size < SMALL_SET => (driver, driver),
        // A short search matches a block of the name and email orders: walking the sort's
        // index to it could read half the table, so the block is always read whole.
        Some((Driver::Prefix, _)) => (Driver::Prefix, Driver::Prefix),
        // A page of a big set is found quickly along the index; its count still walks the
        // smaller set, since counting needs no order.
        Some((driver, _)) => (Driver::Users, driver),
        None => (Driver::Users, Driver::Users),
    };
    // A role filter alone: its holders are all in the organization, so the probe is the count
    // (it counted past the cap, if there are that many).
    let known_count = match (role_size, search.is_empty(), status) {
        (Some(holders), true, None) => Some(holders),
        _ => None,
    };
    Ok(Plan { page, count, known_count })
}

/// One page of the organization's users for `query`, with their roles, a capped count and
/// the cursors of the pages either side.
pub async fn list_users(permit: &Permit, query: &UserQuery) -> Result<UserList, AppError> {
    let backwards = query.before.is_some();
    let role_id = match query.role.as_deref() {
        Some(name) => match orgs::role_id(permit.db(), permit.org_id(), name).await? {
            Some(id) => Some(id),
            // No such role in this organization: nobody holds it.
            None => return Ok(empty_list(permit)),
        },
        None => None,
    };
    let status = query.status.map(UserStatus::key);
    let plan = plan(permit, &query.search, status, role_id.as_deref()).await?;
    let spec = ListSpec {
        search: &query.search,
        status,
        role_id: role_id.as_deref(),
        sort: query.sort,
        descending: query.descending,
        cursor: query.after.as_deref().or(query.before.as_deref()).map(decode_cursor).transpose()?,
        backwards,
        limit: i64::from(query.page_size) + 1,
        driver: plan.page,
    };
    let mut rows = repo::list_page(permit.db(), permit.org_id(), &spec).await?;
    // One row more than a page says whether there is more in the direction read.
    let more_beyond = rows.len() > query.page_size as usize;
    rows.truncate(query.page_size as usize);
    if backwards {
        rows.reverse();
    }
    let cursor_of = |row: Option<&ListRow>| row.map(|r| encode_cursor(&spec.sort_values(r), &r.id));
    // Coming from a next page, there is one after this; from a previous page, one before.
    let (has_prev, has_next) = if backwards { (more_beyond, true) } else { (query.after.is_some(), more_beyond) };
    let prev_cursor = if has_prev { cursor_of(rows.first()) } else { None };
    let next_cursor = if has_next { cursor_of(rows.last()) } else { None };
    let counted = match plan.known_count {
        Some(n) => n,
        None => repo::count_matching(permit.db(), permit.org_id(), &spec, plan.count, COUNT_CAP).await?,
    };

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
        prev_cursor,
        ..empty_list(permit)
    })
}

fn empty_list(permit: &Permit) -> UserList {
    UserList {
        users: Vec::new(),
        total: 0,
        total_capped: false,
        next_cursor: None,
        prev_cursor: None,
        rights: ListRights {
            edit: permit.can(Permission::UsersEdit),
            deactivate: permit.can(Permission::UsersDeactivate),
            delete: permit.can(Permission::UsersDelete),
            viewer_id: permit.user_id().to_owned(),
        },
        now: now_ms(),
    }
}
