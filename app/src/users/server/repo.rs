//! SQL for users.

use crate::on_db;
use crate::server::db::Db;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct UserRoleRow {
    pub user_id: String,
    pub role_name: String,
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

/// The value a page is sorted by, as its cursor carries it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Text(String),
    Number(i64),
}

/// Filters, sort and position of one page, already parsed and checked.
pub struct ListSpec<'a> {
    pub search: &'a str,
    pub status: Option<&'a str>,
    pub role: Option<&'a str>,
    pub sort: crate::users::types::UserSort,
    pub descending: bool,
    /// The row the page starts after (or, `backwards`, ends before), as sort value and id.
    pub cursor: Option<(SortValue, String)>,
    /// Read towards the start (the previous page): the rows come back nearest-first.
    pub backwards: bool,
    pub limit: i64,
}

impl ListSpec<'_> {
    /// The SQL expression sorted by. `status` sorts by status, then name.
    fn sort_expr(&self) -> &'static str {
        use crate::users::types::UserSort;
        match self.sort {
            UserSort::Name => "u.name_key",
            UserSort::Email => "u.email_key",
            UserSort::Status => "(u.status || ' ' || u.name_key)",
            UserSort::LastLogin => "COALESCE(u.last_login_at, 0)",
        }
    }

    pub fn sort_value(&self, row: &ListRow) -> SortValue {
        use crate::users::types::UserSort;
        match self.sort {
            UserSort::Name => SortValue::Text(row.name_key.clone()),
            UserSort::Email => SortValue::Text(row.email_key.clone()),
            UserSort::Status => SortValue::Text(format!("{} {}", row.status, row.name_key)),
            UserSort::LastLogin => SortValue::Number(row.last_login_at.unwrap_or(0)),
        }
    }
}

/// `%` and `_` match themselves in a LIKE pattern (escaped with `\`).
fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// An FTS5 phrase that matches `text` literally.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Appends the WHERE clause shared by the page and its count.
macro_rules! push_filters {
    ($qb:ident, $spec:ident, $org_id:ident, $sqlite:ident) => {{
        $qb.push(" WHERE u.org_id = ").push_bind($org_id);
        let search = crate::server::ids::key($spec.search);
        if !search.is_empty() {
            if $sqlite && search.chars().count() >= 3 {
                // Trigram index: any part of the name or email.
                $qb.push(" AND u.rowid IN (SELECT rowid FROM users_search WHERE users_search MATCH ")
                    .push_bind(fts_phrase(&search))
                    .push(")");
            } else {
                // Postgres's trigram GIN index serves this LIKE; on SQLite only 1-2 characters get here.
                $qb.push(" AND (u.name_key || ' ' || u.email_key) LIKE ").push_bind(like_pattern(&search)).push(" ESCAPE '\\'");
            }
        }
        if let Some(status) = $spec.status {
            $qb.push(" AND u.status = ").push_bind(status);
        }
        if let Some(role) = $spec.role {
            $qb.push(" AND EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.name = ")
                .push_bind(role)
                .push(")");
        }
    }};
}

/// One page of the organization's users matching `spec`, in its order, `limit` rows at most.
pub async fn list_page(db: &Db, org_id: &str, spec: &ListSpec<'_>) -> Result<Vec<ListRow>, sqlx::Error> {
    let sqlite = matches!(db, Db::Sqlite(_));
    let expr = spec.sort_expr();
    let (cmp, dir) = if spec.descending != spec.backwards { ("<", "DESC") } else { (">", "ASC") };
    on_db!(db, pool => {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT u.id, u.name, u.email, u.status, u.last_login_at, u.name_key, u.email_key FROM users u",
        );
        push_filters!(qb, spec, org_id, sqlite);
        if let Some((value, id)) = &spec.cursor {
            qb.push(format!(" AND ({expr} {cmp} "));
            match value {
                SortValue::Text(t) => qb.push_bind(t.clone()),
                SortValue::Number(n) => qb.push_bind(*n),
            };
            qb.push(format!(" OR ({expr} = "));
            match value {
                SortValue::Text(t) => qb.push_bind(t.clone()),
                SortValue::Number(n) => qb.push_bind(*n),
            };
            qb.push(format!(" AND u.id {cmp} ")).push_bind(id.clone()).push("))");
        }
        qb.push(format!(" ORDER BY {expr} {dir}, u.id {dir} LIMIT ")).push_bind(spec.limit);
        qb.build_query_as::<ListRow>().fetch_all(pool).await
    })
}

/// How many users match `spec`'s filters, counting no further than `cap + 1`.
pub async fn count_matching(db: &Db, org_id: &str, spec: &ListSpec<'_>, cap: i64) -> Result<i64, sqlx::Error> {
    let sqlite = matches!(db, Db::Sqlite(_));
    on_db!(db, pool => {
        let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM users u");
        push_filters!(qb, spec, org_id, sqlite);
        qb.push(" LIMIT ").push_bind(cap + 1).push(") matching");
        qb.build_query_scalar::<i64>().fetch_one(pool).await
    })
}
