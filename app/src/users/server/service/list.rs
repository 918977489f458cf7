//! The rules of the Users list: which plan finds a page, how it is counted, its cursors.

use crate::auth::server::guard::capability::{OrgTx, Permit};
use crate::server::sql::Sql;
use crate::auth::types::Permission;
use crate::error::AppError;
use crate::organizations::server::service as organizations;
use crate::server::cursor;
use crate::server::db::Dialect;
use crate::server::ids::now_ms;
use crate::users::server::repo::list::{self as repo, Driver, ListRow, ListSpec, ShortPart, SortValue};
use crate::users::types::{ListRights, Total, UserList, UserQuery, UserSort, UserStatus, UserSummary, COUNT_CAP};
use std::collections::HashMap;

/// The `after`/`before` value that names the row with these sort keys and id.
pub fn encode_cursor(values: &[SortValue], id: &str) -> String {
    cursor::encode(&(values, id))
}

/// A cursor of the Users list: it must also have the keys `sort` writes (as many, of the same
/// kinds), or a tampered one would reach the database as a comparison it cannot make.
fn decode_cursor(param: &'static str, value: &str, sort: UserSort) -> Result<(Vec<SortValue>, String), AppError> {
    use SortValue::{Number, Text};
    let (values, id): (Vec<SortValue>, String) = cursor::decode(param, value)?;
    let fits = match sort {
        UserSort::Name | UserSort::Email => matches!(values[..], [Text(_)]),
        UserSort::Status => matches!(values[..], [Text(_), Text(_)]),
        UserSort::LastLogin => matches!(values[..], [Number(_)]),
    };
    if fits { Ok((values, id)) } else { Err(cursor::invalid(param)) }
}

/// A set of fewer than this many rows is read whole and sorted; a bigger one is only checked
/// against, row by row, while an index in the sort's order is walked. Reading a set whole
/// costs about a row lookup per member; walking costs about `page size / density` index
/// entries: at a million users the two meet near a few thousand.
const SMALL_SET: i64 = 5_000;
// A probe that stopped at SMALL_SET still says whether the count passed its cap.
const _: () = assert!(SMALL_SET > COUNT_CAP);

/// How a list request is answered: what its page walks first, and how it is counted.
#[derive(Debug)]
struct Plan {
    page: Driver,
    count: Counting,
    /// A short search sorted by name or email: read as two parts and merged.
    split: bool,
}

/// How the matches of a list request are counted.
#[derive(Debug, Clone, Copy)]
enum Counting {
    /// Up to the cap, along this driver.
    Along(Driver),
    /// A probe already counted them (past the cap, if there are that many).
    Known(i64),
    /// Postgres, a common search: counting a 4 % match to the cap walks 25,000 index entries
    /// (20 ms at a million users), so an estimate from a sample of the organization's rows is
    /// given, as such, when it is well past the cap; otherwise they are counted along the
    /// driver.
    Estimated(Driver),
}

/// An estimate below this is counted instead: it comes from a sample, and the list must not
/// say "about 900" of 1,100 matches (or the other way round) across the cap.
const ESTIMATE_FROM: i64 = SMALL_SET;

/// Picks what the page walks first and what its count walks, from the sizes of the sets the
/// search, the role and the Last login filters name (each counted, cheaply, up to
/// [`SMALL_SET`]).
async fn plan(permit: &Permit, query: &UserQuery, spec: &ListSpec<'_>) -> Result<Plan, AppError> {
    let (org, search) = (permit.org(), query.search.as_str());
    let (status, role_id) = (spec.status, spec.role_id);
    // With a role, an index of its holders in the sort's order is walked; without, the users'.
    let walk = if role_id.is_some() { Driver::Role } else { Driver::Users };
    let plan = |page, count| Plan { page, count: Counting::Along(count), split: false };
    if repo::is_short(search) {
        // Sorted by name or email, a short search is one range of the sort's index plus the
        // rest (see `ShortPart`): no probe needed.
        if matches!(query.sort, UserSort::Name | UserSort::Email) {
            return Ok(Plan { split: true, ..plan(walk, walk) });
        }
        let size = repo::prefix_matches(org, search, SMALL_SET).await?;
        return Ok(if size < SMALL_SET { plan(Driver::Prefix, Driver::Prefix) } else { plan(walk, walk) });
    }
    if search.chars().count() >= repo::TRIGRAM {
        let size = repo::search_matches(org, search, SMALL_SET).await?;
        if size < SMALL_SET {
            // A rare search: its few rows, read whole and checked for the rest.
            return Ok(plan(Driver::Search, Driver::Search));
        }
        // A page of a common match is found after a few rows along the index. The count
        // needs no order: SQLite's trigram table gives the matches one by one and stops at
        // the cap; Postgres's GIN index gives them all at once, so there it is estimated.
        let count = match org.dialect() {
            Dialect::Sqlite => Counting::Along(Driver::Search),
            Dialect::Postgres => Counting::Estimated(walk),
        };
        return Ok(Plan { count, ..plan(walk, walk) });
    }
    // Last login: sorted by it, the filter is a range of the sort's own index (on `users` or
    // along the role), walked from its end. Otherwise, few stale users are read whole; many
    // are met often enough along the sort's index.
    if let (Some(cutoff), false) = (spec.login_before, query.sort == UserSort::LastLogin) {
        if repo::login_range(org, cutoff, SMALL_SET).await? < SMALL_SET {
            return Ok(plan(Driver::Login, Driver::Login));
        }
    }
    // A role filter alone: its holders are all in the organization, so the probe is the count
    // (it counted past the cap, if there are that many).
    if let (Some(id), None, None) = (role_id, status, spec.login_before) {
        let holders = repo::role_holders(org, id, COUNT_CAP + 1).await?;
        return Ok(Plan { count: Counting::Known(holders), ..plan(walk, walk) });
    }
    Ok(plan(walk, walk))
}

/// One page of the organization's users for `query`, with their roles, a capped count and
/// the cursors of the pages either side.
pub async fn list_users(permit: &Permit, query: &UserQuery) -> Result<UserList, AppError> {
    let backwards = query.before.is_some();
    let role_id = match query.role.as_deref() {
        Some(name) => match organizations::role_id(permit.org(), name).await? {
            Some(id) => Some(id),
            // No such role in this organization: nobody holds it.
            None => return Ok(empty_list(permit)),
        },
        None => None,
    };
    let now = permit.settings().clock.now_ms();
    let mut spec = ListSpec {
        cursor: match (query.after.as_deref(), query.before.as_deref()) {
            (Some(c), _) => Some(decode_cursor("after", c, query.sort)?),
            (None, Some(c)) => Some(decode_cursor("before", c, query.sort)?),
            (None, None) => None,
        },
        backwards,
        limit: i64::from(query.page_size) + 1,
        ..filters_of(query, role_id.as_deref(), now)
    };
    let plan = plan(permit, query, &spec).await?;
    spec.driver = plan.page;
    let (mut rows, mut total) = if plan.split {
        let (rows, counted) = read_split(permit, &spec).await?;
        (rows, capped(counted))
    } else {
        let rows = repo::list_page(permit.org(), &spec).await?;
        (rows, count(permit, &spec, plan.count).await?)
    };
    // One row more than a page says whether there is more in the direction read.
    let more_beyond = rows.len() > query.page_size as usize;
    if spec.cursor.is_none() && !more_beyond {
        // The first page holds every match: that is the count, whatever an estimate said.
        total = Total::Exact(rows.len() as i64);
    }
    rows.truncate(query.page_size as usize);
    if backwards {
        rows.reverse();
    }
    let cursor_of = |row: Option<&ListRow>| row.map(|r| encode_cursor(&spec.sort_values(r), &r.id));
    // Coming from a next page, there is one after this; from a previous page, one before.
    let (has_prev, has_next) = if backwards { (more_beyond, true) } else { (query.after.is_some(), more_beyond) };
    let prev_cursor = if has_prev { cursor_of(rows.first()) } else { None };
    let next_cursor = if has_next { cursor_of(rows.last()) } else { None };

    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    for row in repo::roles_of(permit.org(), &ids).await? {
        roles.entry(row.user_id).or_default().push(row.role_name);
    }
    let locks: HashMap<String, i64> = repo::locks_of(permit.org(), &ids, now_ms()).await?.into_iter().collect();
    let outranking = super::changes::outranking_among(permit, &ids).await?;
    let users = rows
        .into_iter()
        .map(|row| UserSummary {
            roles: roles.remove(&row.id).unwrap_or_default(),
            locked_until: locks.get(&row.id).copied(),
            outranks_viewer: outranking.contains(&row.id),
            status: UserStatus::from_key(&row.status).unwrap_or(UserStatus::Inactive),
            id: row.id,
            name: row.name,
            email: row.email,
            last_login_at: row.last_login_at,
        })
        .collect();
    Ok(UserList {
        users,
        total,
        next_cursor,
        prev_cursor,
        ..empty_list(permit)
    })
}

/// The list's filters for `query` (`role_id` its role's, resolved), from the first row.
fn filters_of<'a>(query: &'a UserQuery, role_id: Option<&'a str>, now: i64) -> ListSpec<'a> {
    ListSpec {
        search: &query.search,
        status: query.status.map(UserStatus::key),
        role_id,
        login_before: query.last_login.map(|l| l.cutoff(now)),
        sort: query.sort,
        descending: query.descending,
        cursor: None,
        backwards: false,
        limit: 0,
        driver: if role_id.is_some() { Driver::Role } else { Driver::Users },
        short: ShortPart::Either,
    }
}

/// Copies every user matching `query`'s filters (sort and page play no part) in one
/// statement: `head` is the start of an `INSERT … SELECT` whose columns are read from `u`,
/// the users. A bulk action's fixed selection (`bulk::server::service`). Answers how many.
pub async fn copy_matching(tx: &mut OrgTx, permit: &Permit, query: &UserQuery, mut head: Sql) -> Result<u64, AppError> {
    let role_id = match query.role.as_deref() {
        Some(name) => match organizations::role_id(permit.org(), name).await? {
            Some(id) => Some(id),
            None => return Ok(0),
        },
        None => None,
    };
    let spec = filters_of(query, role_id.as_deref(), permit.settings().clock.now_ms());
    repo::push_matching(&mut head, permit.org(), &spec);
    Ok(tx.exec().execute(head).await?)
}

/// How many rows match `spec`, counted as the plan says.
async fn count(permit: &Permit, spec: &ListSpec<'_>, counting: Counting) -> Result<Total, AppError> {
    let org = permit.org();
    let driver = match counting {
        Counting::Known(n) => return Ok(capped(n)),
        Counting::Along(driver) => driver,
        Counting::Estimated(driver) => {
            let estimate = repo::sampled_matches(org, spec).await?;
            match estimate {
                Some(n) if n >= ESTIMATE_FROM => return Ok(Total::About(n)),
                _ => driver,
            }
        }
    };
    Ok(capped(repo::count_matching(org, spec, driver, COUNT_CAP).await?))
}

/// A count that stopped one past the cap, as the list tells it.
fn capped(counted: i64) -> Total {
    if counted > COUNT_CAP { Total::MoreThan(COUNT_CAP) } else { Total::Exact(counted) }
}

/// A short search sorted by name or email: the page of each part (the two are disjoint)
/// merged in the sort's order, and the sum of their counts.
async fn read_split(permit: &Permit, spec: &ListSpec<'_>) -> Result<(Vec<ListRow>, i64), AppError> {
    let org = permit.org();
    let aligned = ListSpec { short: ShortPart::Aligned, cursor: spec.cursor.clone(), ..*spec };
    let mut rows = repo::list_page(org, &aligned).await?;
    let mut counted = repo::count_matching(org, &aligned, aligned.driver, COUNT_CAP).await?;
    // The rest (the other key starts with the search, the sort's own does not) is usually
    // small: read whole in one pass, it gives both its count and its part of the page.
    let rest = ListSpec { short: ShortPart::Rest, cursor: None, ..*spec };
    let all_rest = repo::list_unordered(org, &rest, COUNT_CAP).await?;
    if all_rest.len() as i64 <= COUNT_CAP {
        counted += all_rest.len() as i64;
        rows.extend(all_rest.into_iter().filter(|row| beyond_cursor(spec, row)));
    } else {
        counted += COUNT_CAP + 1;
        rows.extend(repo::list_page(org, &ListSpec { cursor: spec.cursor.clone(), ..rest }).await?);
    }
    // The order the database gives a page: keys, then id, downwards when read downwards.
    rows.sort_by_cached_key(|row| (spec.sort_values(row), row.id.clone()));
    if reads_down(spec) {
        rows.reverse();
    }
    rows.truncate(usize::try_from(spec.limit).unwrap_or(usize::MAX));
    Ok((rows, counted))
}

/// Whether a page is read from the highest keys down (`list_page`'s DESC).
fn reads_down(spec: &ListSpec<'_>) -> bool {
    spec.descending != spec.backwards
}

/// Whether `row` lies past the page's cursor in the direction the page is read.
fn beyond_cursor(spec: &ListSpec<'_>, row: &ListRow) -> bool {
    let Some((values, id)) = &spec.cursor else { return true };
    let order = (spec.sort_values(row), row.id.as_str()).cmp(&(values.clone(), id.as_str()));
    if reads_down(spec) { order.is_lt() } else { order.is_gt() }
}

fn empty_list(permit: &Permit) -> UserList {
    UserList {
        users: Vec::new(),
        total: Total::Exact(0),
        next_cursor: None,
        prev_cursor: None,
        rights: ListRights {
            edit: permit.can(Permission::UsersEdit),
            deactivate: permit.can(Permission::UsersDeactivate),
            delete: permit.can(Permission::UsersDelete),
            view_sessions: permit.can(Permission::SessionsView),
            revoke_sessions: permit.can(Permission::SessionsRevoke),
            view_attempts: permit.can(Permission::LoginAttemptsView),
            view_audit: permit.can(Permission::AuditView),
            assign_roles: permit.can(Permission::UsersEdit) && permit.can(Permission::RolesAssign),
            invite: permit.can(Permission::UsersInvite),
            viewer_id: permit.user_id().to_owned(),
        },
        now: permit.settings().clock.now_ms(),
    }
}
