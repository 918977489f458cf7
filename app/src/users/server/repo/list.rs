//! SQL for a page of the organization's users: the plans the service picks between, each an
//! index range on either database, and the counts and estimates that pick them. Queries are
//! built piece by piece in an [`Sql`]; where SQLite and Postgres differ the function says so
//! with its `dialect`.

use crate::auth::server::guard::capability::OrgDb;
use crate::server::db::Dialect;
use crate::server::ids::key;
use crate::server::sql::{count_starting, like_pattern, Sql};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct UserRoleRow {
    pub user_id: String,
    pub role_name: String,
}

/// The role names of the given users, in one round trip.
pub async fn roles_of(org: &OrgDb, user_ids: &[String]) -> Result<Vec<UserRoleRow>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT ur.user_id, r.name AS role_name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.org_id = ");
    sql.push_bind(org.id()).push(" AND ur.user_id").push_in(user_ids).push(" ORDER BY r.name");
    org.exec().fetch_all(sql).await
}

/// The given users' locks that last beyond `now` (too many wrong passwords), in one round trip.
pub async fn locks_of(org: &OrgDb, user_ids: &[String], now: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT user_id, locked_until FROM account_lockouts WHERE org_id = ");
    sql.push_bind(org.id()).push(" AND locked_until > ").push_bind(now).push(" AND user_id").push_in(user_ids);
    org.exec().fetch_all::<LockRow>(sql).await.map(|rows| rows.into_iter().map(|r| (r.user_id, r.locked_until)).collect())
}

#[derive(Debug, Clone, FromRow)]
struct LockRow {
    user_id: String,
    locked_until: i64,
}

/// One row of a filtered, sorted page, with the keys its cursor is made of.
#[derive(Debug, Clone, FromRow)]
pub struct ListRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub last_login_at: Option<i64>,
    pub name_key: String,
    pub email_key: String,
}

/// One sort key's value, as a cursor carries it. Values compare as the databases order them:
/// text byte by byte (binary on SQLite, `COLLATE "C"` on Postgres), numbers as numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Text(String),
    Number(i64),
}

/// Which set of rows a query walks first. A small set (a rare search) is read whole and
/// sorted; otherwise an index in the sort's order is walked and each row checked, which finds
/// a page of a common match after a few rows. See `service::list::plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// The users of the organization, in the sort's index order.
    Users,
    /// The rows the search matches, found by the trigram index (SQLite's FTS5 table, or
    /// Postgres's GIN index on `users`).
    Search,
    /// The holders of the role, in the sort's order: their `user_roles` rows carry copies of
    /// the users' sort keys (migration 0002), so this is one index range for any sort.
    Role,
    /// The names and emails that start with a short (1-2 character) search.
    Prefix,
    /// The users whose last sign-in is before the Last login filter's cutoff: one range of
    /// the last-login index.
    Login,
}

impl Driver {
    /// The table the sort keys and the filters are read from.
    fn keys_from(self) -> &'static str {
        if self == Driver::Role { "ur" } else { "u" }
    }
}

/// Which of a short search's matches a query reads. Sorted by name (or email), the names (or
/// emails) that start with the search are one range of the sort's own index, read in order;
/// the rest, whose other key starts with it, is read apart; the service merges the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortPart {
    /// Name or email starts with the search.
    Either,
    /// The sort's own key (name or email) starts with it.
    Aligned,
    /// The other key starts with it and the sort's own does not.
    Rest,
}

/// Filters, sort and position of one page, already parsed and checked.
pub struct ListSpec<'a> {
    pub search: &'a str,
    pub status: Option<&'a str>,
    /// The role's id; the service resolves the name.
    pub role_id: Option<&'a str>,
    /// The Last login filter: a last sign-in (0 for never) before this time.
    pub login_before: Option<i64>,
    pub sort: crate::users::types::UserSort,
    pub descending: bool,
    /// The row the page starts after (or, `backwards`, ends before): sort keys and id.
    pub cursor: Option<(Vec<SortValue>, String)>,
    /// Read towards the start (the previous page): the rows come back nearest-first.
    pub backwards: bool,
    pub limit: i64,
    pub driver: Driver,
    /// For a short search: which of its matches (`Aligned` and `Rest` only when sorted by
    /// name or email).
    pub short: ShortPart,
}

/// Searches at least this long can use the trigram index; shorter ones are matched with LIKE.
pub const TRIGRAM: usize = 3;

impl ListSpec<'_> {
    /// The sort's keys before the id, read from `from` (`u` or `ur`). Each sort has an index
    /// of exactly these keys after `org_id` on `users` and after `role_id` on `user_roles`
    /// (see the migrations), so a page is a short index range.
    fn sort_keys(&self, from: &str) -> Vec<String> {
        use crate::users::types::UserSort;
        match (self.sort, from) {
            (UserSort::Name, _) => vec![format!("{from}.name_key")],
            (UserSort::Email, _) => vec![format!("{from}.email_key")],
            (UserSort::Status, _) => vec![format!("{from}.status"), format!("{from}.name_key")],
            (UserSort::LastLogin, "ur") => vec!["ur.login_key".to_owned()],
            (UserSort::LastLogin, _) => vec!["COALESCE(u.last_login_at, 0)".to_owned()],
        }
    }

    /// A 1-2 character search: it matches the start of the name or email (a substring that
    /// short matches nearly everyone, and no index could find the rare ones).
    pub fn is_short_search(&self) -> bool {
        is_short(self.search)
    }

    pub fn sort_values(&self, row: &ListRow) -> Vec<SortValue> {
        use crate::users::types::UserSort;
        match self.sort {
            UserSort::Name => vec![SortValue::Text(row.name_key.clone())],
            UserSort::Email => vec![SortValue::Text(row.email_key.clone())],
            UserSort::Status => vec![SortValue::Text(row.status.clone()), SortValue::Text(row.name_key.clone())],
            UserSort::LastLogin => vec![SortValue::Number(row.last_login_at.unwrap_or(0))],
        }
    }

    /// The key column a short search's `Aligned` part ranges over, and the `Rest`'s other one.
    pub fn aligned_keys(&self) -> Option<(&'static str, &'static str)> {
        use crate::users::types::UserSort;
        match self.sort {
            UserSort::Name => Some(("name_key", "email_key")),
            UserSort::Email => Some(("email_key", "name_key")),
            UserSort::Status | UserSort::LastLogin => None,
        }
    }
}

pub fn is_short(search: &str) -> bool {
    (1..TRIGRAM).contains(&search.trim().chars().count())
}

/// An FTS5 phrase that matches `text` literally.
pub fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn push_value(sql: &mut Sql, value: &SortValue) {
    match value {
        SortValue::Text(t) => sql.push_bind(t),
        SortValue::Number(n) => sql.push_bind(*n),
    };
}

/// Appends ` AND ({k}.name_key LIKE pattern OR {k}.email_key LIKE pattern)`, `\` escaping.
fn push_either_like(sql: &mut Sql, k: &str, pattern: &str) {
    sql.push(format!(" AND ({k}.name_key LIKE ")).push_bind(pattern).push(" ESCAPE '\\'");
    sql.push(format!(" OR {k}.email_key LIKE ")).push_bind(pattern).push(" ESCAPE '\\')");
}

/// Appends FROM and WHERE, shared by the page and its count, walking `driver`'s set first.
/// `with_users: false` (a count along a role) reads `user_roles` alone: every filter is on its
/// copies of the keys.
fn push_from_where(sql: &mut Sql, org: &OrgDb, spec: &ListSpec<'_>, driver: Driver, with_users: bool) {
    let org_id = org.id();
    let sqlite = org.dialect() == Dialect::Sqlite;
    let search = key(spec.search);
    let k = driver.keys_from();
    // SQLite's CROSS JOIN keeps the driving set as the outer loop (its planner, without
    // statistics, would otherwise walk all users); Postgres plans the join itself.
    let role_alone = driver == Driver::Role && !with_users;
    let join = if sqlite { "CROSS JOIN" } else { "JOIN" };
    let rest_of_short = spec.short == ShortPart::Rest && spec.is_short_search();
    match (spec.aligned_keys(), driver) {
        (Some((own, other)), _) if rest_of_short => {
            // The rest of a short search drives: only users whose name and email begin
            // differently can be in it, and their ids come from the partial indexes of
            // just those (migration 0002, whose predicate this repeats word for word).
            sql.push(" FROM (SELECT id FROM users WHERE org_id = ").push_bind(org_id);
            sql.push(" AND substr(email_key, 1, 2) <> substr(name_key, 1, 2) AND ");
            sql.push_starts(other, &search);
            sql.push(" AND NOT ");
            sql.push_starts(own, &search);
            sql.push(format!(") p {join} "));
            sql.push(match (driver, role_alone) {
                (Driver::Role, true) => "user_roles ur ON ur.user_id = p.id".to_owned(),
                (Driver::Role, false) => format!("user_roles ur ON ur.user_id = p.id {join} users u ON u.id = ur.user_id"),
                _ => "users u ON u.id = p.id".to_owned(),
            })
        }
        (_, Driver::Role) if role_alone => sql.push(" FROM user_roles ur"),
        (_, Driver::Search) if sqlite => sql.push(" FROM users_search s CROSS JOIN users u ON u.rowid = s.rowid"),
        (_, Driver::Search | Driver::Users) => sql.push(" FROM users u"),
        (_, Driver::Role) => sql.push(format!(" FROM user_roles ur {join} users u ON u.id = ur.user_id")),
        (_, Driver::Login) => {
            sql.push(" FROM (SELECT id FROM users WHERE org_id = ").push_bind(org_id).push(" AND ");
            push_login_before(sql, "users", spec.login_before.unwrap_or(i64::MAX), true);
            sql.push(format!(") p {join} users u ON u.id = p.id"))
        }
        (_, Driver::Prefix) => {
            sql.push(" FROM (SELECT id FROM users WHERE org_id = ").push_bind(org_id).push(" AND ");
            sql.push_starts("name_key", &search);
            sql.push(" UNION SELECT id FROM users WHERE org_id = ").push_bind(org_id).push(" AND ");
            sql.push_starts("email_key", &search);
            sql.push(format!(") p {join} users u ON u.id = p.id"))
        }
    };
    if let (Some(role_id), false) = (spec.role_id, driver == Driver::Role) {
        // A role checked row by row: one user holds a role at most once, so a join means
        // what an EXISTS would, and SQLite runs it faster (measured at a million users: 3 ms
        // against 7 ms to check the role of a common search's first 1,200 matches).
        sql.push(format!(" {join} user_roles x ON x.user_id = u.id AND x.role_id = ")).push_bind(role_id);
    }
    if role_alone {
        // `user_roles` has no organization of its own: the role must be the organization's
        // (one lookup, made once).
        sql.push(" WHERE EXISTS (SELECT 1 FROM roles WHERE id = ").push_bind(spec.role_id).push(" AND org_id = ");
        sql.push_bind(org_id).push(")");
    } else {
        sql.push(" WHERE u.org_id = ").push_bind(org_id);
    }
    if let (Some(role_id), Driver::Role) = (spec.role_id, driver) {
        sql.push(" AND ur.role_id = ").push_bind(role_id);
    }
    if !search.is_empty() {
        if driver == Driver::Search && sqlite {
            sql.push(" AND s.users_search MATCH ").push_bind(fts_phrase(&search));
        } else if spec.is_short_search() {
            match (spec.short, spec.aligned_keys()) {
                (ShortPart::Aligned, Some((own, _))) => {
                    sql.push(" AND ");
                    sql.push_starts(&format!("{k}.{own}"), &search);
                }
                // In the FROM clause, above.
                (ShortPart::Rest, Some(_)) => {}
                _ => {
                    // Not a range: a row-by-row check while an index is walked.
                    let n = i32::try_from(search.chars().count()).unwrap_or(2);
                    sql.push(format!(" AND (substr({k}.name_key, 1, ")).push_bind(n).push(") = ").push_bind(&search);
                    sql.push(format!(" OR substr({k}.email_key, 1, ")).push_bind(n).push(") = ").push_bind(&search).push(")");
                }
            }
        } else {
            let pattern = like_pattern(&search);
            if driver == Driver::Search {
                // Postgres: the GIN index's own expression, so that it finds the rows (a
                // match of it may span the name and the email; the check below may not).
                sql.push(" AND (u.name_key || ' ' || u.email_key) LIKE ").push_bind(&pattern).push(" ESCAPE '\\'");
            }
            // Row by row along an index, a LIKE on the row is cheaper than an IN over a
            // big match set (which SQLite would build whole first).
            push_either_like(sql, k, &pattern);
        }
    }
    if let Some(status) = spec.status {
        sql.push(format!(" AND {k}.status = ")).push_bind(status);
    }
    if let Some(cutoff) = spec.login_before {
        // A page walked along the sort's own index checks the cutoff row by row: written so
        // that no index serves it, or the databases would read the whole stale range and sort
        // it (SQLite always; measured 0.8 s for "Not in 30 days" at a million users). A small
        // stale set is the Login driver's, above; a count may take the range, it needs no order.
        let walking = with_users && matches!(driver, Driver::Users | Driver::Role) && spec.sort != crate::users::types::UserSort::LastLogin;
        sql.push(" AND ");
        push_login_before(sql, k, cutoff, !walking);
    }
}

/// Appends `{k}`'s last sign-in (0 for never) `< cutoff`: `indexed`, as its index has it
/// (`login_key` on `user_roles`, `COALESCE(last_login_at, 0)` on `users`, the expression of
/// `users_by_last_login`, which only that exact expression uses); otherwise plus 0, which no
/// index holds, so that the check is made row by row along another.
fn push_login_before(sql: &mut Sql, k: &str, cutoff: i64, indexed: bool) {
    let key = if k == "ur" { "ur.login_key".to_owned() } else { format!("COALESCE({k}.last_login_at, 0)") };
    let key = if indexed { key } else { format!("{key} + 0") };
    sql.push(format!("{key} < ")).push_bind(cutoff);
}

/// Appends ` FROM … WHERE …` for every user matching `spec`'s filters, in no order and from
/// no cursor, walking `spec.driver`'s set, with the user as `u`: for a statement that copies
/// them all at once (a bulk action's selection).
pub fn push_matching(sql: &mut Sql, org: &OrgDb, spec: &ListSpec<'_>) {
    push_from_where(sql, org, spec, spec.driver, true);
}

const LIST_COLUMNS: &str = "SELECT u.id, u.name, u.email, u.status, u.last_login_at, u.name_key, u.email_key";

/// One page of the organization's users matching `spec`, in its order, `limit` rows at most.
pub async fn list_page(org: &OrgDb, spec: &ListSpec<'_>) -> Result<Vec<ListRow>, sqlx::Error> {
    let from = spec.driver.keys_from();
    let mut keys = spec.sort_keys(from);
    if spec.short == ShortPart::Rest {
        // The rest of a short search is a range of the other key's index, read whole and
        // sorted: a key no index holds keeps the planner from walking the sort's index
        // instead (nearly all of it, to find a few rows).
        keys = keys.into_iter().map(|k| format!("({k} || '')")).collect();
    }
    let id_key = if from == "ur" { "ur.user_id" } else { "u.id" };
    let (cmp, dir) = if spec.descending != spec.backwards { ("<", "DESC") } else { (">", "ASC") };
    let mut sql = Sql::new(LIST_COLUMNS);
    push_from_where(&mut sql, org, spec, spec.driver, true);
    if let Some((values, id)) = &spec.cursor {
        if let [key] = keys.as_slice() {
            // `k <= v AND (k < v OR id < i)`: the index range starts at the cursor even
            // when the key is an expression, which row values do not allow on SQLite.
            let value = values.first().cloned().unwrap_or(SortValue::Number(0));
            sql.push(format!(" AND {key} {cmp}= "));
            push_value(&mut sql, &value);
            sql.push(format!(" AND ({key} {cmp} "));
            push_value(&mut sql, &value);
            sql.push(format!(" OR {id_key} {cmp} ")).push_bind(id).push(")");
        } else {
            sql.push(format!(" AND ({}, {id_key}) {cmp} (", keys.join(", ")));
            for value in values.iter().take(keys.len()) {
                push_value(&mut sql, value);
                sql.push(", ");
            }
            sql.push_bind(id).push(")");
        }
    }
    let order: Vec<String> = keys.iter().map(String::as_str).chain([id_key]).map(|k| format!("{k} {dir}")).collect();
    sql.push(format!(" ORDER BY {} LIMIT ", order.join(", "))).push_bind(spec.limit);
    org.exec().fetch_all(sql).await
}

/// Up to `cap + 1` of the users matching `spec`'s filters, in no order and from no cursor:
/// for a set expected to be small, read in one pass and sorted by the caller.
pub async fn list_unordered(org: &OrgDb, spec: &ListSpec<'_>, cap: i64) -> Result<Vec<ListRow>, sqlx::Error> {
    let mut sql = Sql::new(LIST_COLUMNS);
    push_from_where(&mut sql, org, spec, spec.driver, true);
    sql.push(" LIMIT ").push_bind(cap + 1);
    org.exec().fetch_all(sql).await
}

/// How many users match `spec`'s filters, counting no further than `cap + 1`, walking the
/// smallest set the service found (`driver`): no sort, so any set will do.
pub async fn count_matching(org: &OrgDb, spec: &ListSpec<'_>, driver: Driver, cap: i64) -> Result<i64, sqlx::Error> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1");
    push_from_where(&mut sql, org, spec, driver, false);
    let k = driver.keys_from();
    if let (Some(_), Driver::Users | Driver::Role, true) = (spec.login_before, driver, spec.search.trim().is_empty()) {
        // Counting stale users: along the last-login range (with a status, the status's part
        // of it), which holds every key the filters read, rather than a plan blind to the
        // cutoff (see `login_range`).
        let login = if k == "ur" { "ur.login_key".to_owned() } else { format!("COALESCE({k}.last_login_at, 0)") };
        let order = if spec.status.is_some() { format!("{k}.status, {login}") } else { login };
        sql.push(format!(" ORDER BY {order}"));
    } else if matches!(driver, Driver::Users | Driver::Role) && !spec.search.trim().is_empty() && !spec.is_short_search() {
        // Counting a search by walking: along the name index, which holds both keys the
        // LIKE reads (and the status, when filtered), Postgres reads no row, where its
        // own choice, a table scan, reads each whole (5 ms against 30 ms for 1,000 of 27,000).
        let order = if spec.status.is_some() { format!("{k}.status, {k}.name_key") } else { format!("{k}.name_key") };
        sql.push(format!(" ORDER BY {order}"));
    }
    sql.push(" LIMIT ").push_bind(cap + 1).push(") matching");
    org.exec().scalar(sql).await
}

/// About how many rows the trigram index matches for `search`, up to `cap`: SQLite counts
/// them (all organizations; an FTS5 doclist is read in order and stops at `cap`); Postgres
/// gives its planner's estimate for the organization, since a GIN index is only read as a
/// bitmap, whole (48 ms for a 4 % match at a million rows), and an estimate is what a plan
/// needs.
pub async fn search_matches(org: &OrgDb, search: &str, cap: i64) -> Result<i64, sqlx::Error> {
    match org.dialect() {
        Dialect::Sqlite => {
            let sql = Sql::new("SELECT COUNT(*) FROM (SELECT rowid FROM users_search WHERE users_search MATCH $1 LIMIT $2)");
            org.exec().scalar(sql.bind(fts_phrase(&key(search))).bind(cap)).await
        }
        Dialect::Postgres => Ok(estimated_matches(org, search).await?.unwrap_or(cap).min(cap)),
    }
}

/// Postgres's planner's estimate of how many of the organization's users match a (three
/// characters or longer) search, which picks the plan; `None` on SQLite, which keeps no
/// statistics. It is estimated from the trigram index's expression, whose finer statistics
/// (migration 0002) put a 3.7 % match at 37,037 for 37,450 at a million users: one EXPLAIN,
/// about a millisecond. It is never shown: the statistics are of every organization's rows,
/// and the list says what `sampled_matches` finds among the organization's own.
async fn estimated_matches(org: &OrgDb, search: &str) -> Result<Option<i64>, sqlx::Error> {
    if org.dialect() != Dialect::Postgres {
        return Ok(None);
    }
    let mut sql = Sql::new("EXPLAIN SELECT 1 FROM users u WHERE u.org_id = ");
    sql.push_bind(org.id());
    sql.push(" AND (u.name_key || ' ' || u.email_key) LIKE ").push_bind(like_pattern(&key(search)));
    sql.push(" ESCAPE '\\'");
    let plan: Vec<String> = org.exec().scalars(sql).await?;
    // The top line's rows are the whole query's: a parallel plan's Gather sums its workers'.
    Ok(plan.first().and_then(|top| estimated_rows(top)))
}

/// Rows of a table a sampled estimate reads (of every organization; only the organization's
/// own are looked at): a small sample first, about a millisecond at a million users, and a
/// bigger one when that held too few matches to say (a search of a few thousand rows, or an
/// organization that is a small part of the table).
const SAMPLE_ROWS: [f64; 2] = [2_500.0, 20_000.0];
/// Fewer matches than this in a sample say too little (one standard error is about
/// 1/√matches: 16 % at 40); the caller counts instead.
const SAMPLED_ENOUGH: i64 = 40;

/// About how many of the organization's users match a (three characters or longer) search and
/// the other filters, from Postgres's sample of a table's pages: the share of the sampled rows
/// that are the organization's and match, times the table's rows. With a role, the sample is
/// of `user_roles`, whose rows carry copies of the keys and status (migration 0002) and whose
/// role is the organization's own; otherwise of `users`. Unlike the planner's estimate
/// (`estimated_matches`), whose statistics are of every organization's rows, it reads nothing
/// but the organization's own, so what other tenants hold cannot pull it (or be learnt from
/// it). The same pages are sampled each time (`REPEATABLE`), so a list does not change its
/// "about" from one request to the next. See `SAMPLE_ROWS` for its size and
/// docs/benchmarks.md for how close it came. `None` on SQLite, for a table never analysed, or
/// when the samples hold too few matches to say.
pub async fn sampled_matches(org: &OrgDb, spec: &ListSpec<'_>) -> Result<Option<i64>, sqlx::Error> {
    let (search, status, role_id) = (spec.search, spec.status, spec.role_id);
    if org.dialect() != Dialect::Postgres {
        return Ok(None);
    }
    let (table, k) = if role_id.is_some() { ("user_roles", "ur") } else { ("users", "u") };
    let pattern = like_pattern(&key(search));
    // The table's rows as of its last analysis; a table never analysed (-1) samples nothing.
    let rows = format!("(SELECT reltuples::float8 FROM pg_class WHERE oid = '{table}'::regclass)");
    for size in SAMPLE_ROWS {
        // The matches over every sampled row, times the table's rows: how many pages the
        // sample happened to pick (itself random) then cancels out.
        let mut sql = Sql::new("SELECT COUNT(*) FILTER (WHERE ");
        match role_id {
            Some(role_id) => sql.push("ur.role_id = ").push_bind(role_id),
            None => sql.push("u.org_id = ").push_bind(org.id()),
        };
        push_either_like(&mut sql, k, &pattern);
        if let Some(status) = status {
            sql.push(format!(" AND {k}.status = ")).push_bind(status);
        }
        if let Some(cutoff) = spec.login_before {
            sql.push(" AND ");
            push_login_before(&mut sql, k, cutoff, true);
        }
        sql.push(format!("), COUNT(*), {rows} FROM {table} {k} TABLESAMPLE SYSTEM ("));
        sql.push("(SELECT CASE WHEN r > 0 THEN LEAST(100, 100 * ").push_bind(size);
        sql.push(format!(" / r) ELSE 0 END::real FROM {rows} AS t(r))) REPEATABLE (0)"));
        if let Some(role_id) = role_id {
            // `user_roles` has no organization of its own: only a role of the organization is
            // sampled (a one-time check, not one a row; otherwise nothing is, and it is counted).
            sql.push(" WHERE EXISTS (SELECT 1 FROM roles WHERE id = ").push_bind(role_id);
            sql.push(" AND org_id = ").push_bind(org.id()).push(")");
        }
        let (matched, sampled, rows): (i64, i64, f64) = org.exec().fetch_one(sql).await?;
        if matched >= SAMPLED_ENOUGH {
            return Ok(Some((matched as f64 * rows / sampled as f64).round() as i64));
        }
        if rows <= size {
            // That sample was the whole table (or nothing, never analysed): no bigger one.
            break;
        }
    }
    Ok(None)
}

/// The `rows=` estimate of a line of Postgres's EXPLAIN.
fn estimated_rows(line: &str) -> Option<i64> {
    let after = line.split(" rows=").nth(1)?;
    after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// About how many of the organization's names and emails start with `prefix` (each counted
/// up to `cap`; a name and email of one user count twice).
pub async fn prefix_matches(org: &OrgDb, prefix: &str, cap: i64) -> Result<i64, sqlx::Error> {
    let prefix = key(prefix);
    let mut total = 0;
    for column in ["name_key", "email_key"] {
        total += org.exec().scalar::<i64>(count_starting("users", column, org.id(), &prefix, cap)).await?;
    }
    Ok(total)
}

/// About how many of the organization's users last signed in (0 for never) before `cutoff`,
/// up to `cap`, to pick a plan: SQLite counts them along `users_by_last_login` (index only,
/// about a millisecond for 5,000); Postgres gives its planner's estimate, from the expression
/// index's statistics (of every organization's rows; it only picks the plan, like
/// `estimated_matches`), since it cannot read an expression index without visiting each row
/// (6 ms for 5,000 at 300,000 users, more at a million).
pub async fn login_range(org: &OrgDb, cutoff: i64, cap: i64) -> Result<i64, sqlx::Error> {
    let explain = org.dialect() == Dialect::Postgres;
    let mut sql = Sql::new(if explain { "EXPLAIN SELECT 1 FROM users WHERE org_id = " } else { "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE org_id = " });
    sql.push_bind(org.id()).push(" AND ");
    push_login_before(&mut sql, "users", cutoff, true);
    if explain {
        let plan: Vec<String> = org.exec().scalars(sql).await?;
        return Ok(plan.first().and_then(|top| estimated_rows(top)).unwrap_or(cap).min(cap));
    }
    // In the index's order, so that it is the index that is read.
    sql.push(" ORDER BY COALESCE(last_login_at, 0) LIMIT ").push_bind(cap).push(") stale");
    org.exec().scalar(sql).await
}

/// How many users hold the role, up to `cap`.
pub async fn role_holders(org: &OrgDb, role_id: &str, cap: i64) -> Result<i64, sqlx::Error> {
    // Only a role of the organization has holders here (the EXISTS is one lookup, made once).
    let sql = Sql::new(
        "SELECT COUNT(*) FROM (SELECT 1 FROM user_roles WHERE role_id = $1
             AND EXISTS (SELECT 1 FROM roles WHERE id = $1 AND org_id = $2) LIMIT $3) holders",
    );
    org.exec().scalar(sql.bind(role_id).bind(org.id()).bind(cap)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_read_from_the_top_line_of_a_plan() {
        let top = "Bitmap Heap Scan on users  (cost=758.29..43357.05 rows=80812 width=4)";
        assert_eq!(estimated_rows(top), Some(80812));
        assert_eq!(estimated_rows("Seq Scan on users  (cost=0.00..60868.90 rows=999945 width=4)"), Some(999945));
        assert_eq!(estimated_rows("Result"), None);
    }

    #[test]
    fn a_short_search_is_one_or_two_characters() {
        assert!(is_short("m") && is_short(" ma ") && !is_short("mat") && !is_short(""));
        assert!(is_short("é"), "characters, not bytes");
    }

    #[test]
    fn like_and_match_patterns_take_the_search_literally() {
        assert_eq!(like_pattern("a_l%"), "%a\\_l\\%%");
        assert_eq!(fts_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
