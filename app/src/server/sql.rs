//! A query in the portable subset of SQL, with its values: written once, run on either
//! database.
//!
//! [`Sql`] carries the text (with `$1..$N` placeholders, which sqlx maps by number on SQLite
//! too) and the values bound to it as [`Param`]s, so that a repository builds a query without
//! naming a database, and the one place that runs it ([`super::db`]) binds the values to
//! whichever database it is. A static query writes its placeholders itself and chains
//! [`Sql::bind`]; a query built piece by piece uses [`Sql::push`] and [`Sql::push_bind`],
//! which numbers the placeholder it appends.

/// One value bound to a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    /// Postgres has no `substr(text, bigint)`: lengths and positions are bound as `int4`.
    Int4(i32),
    Real(f64),
    Bool(bool),
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(Some(v))
    }
}
impl From<&String> for Param {
    fn from(v: &String) -> Self {
        Param::Text(Some(v.clone()))
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Param::Text(v)
    }
}
impl From<&Option<String>> for Param {
    fn from(v: &Option<String>) -> Self {
        Param::Text(v.clone())
    }
}
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        Param::Text(v.map(str::to_owned))
    }
}
impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}
impl From<i32> for Param {
    fn from(v: i32) -> Self {
        Param::Int4(v)
    }
}
impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Real(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}

/// A query's text and the values bound to its placeholders, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    /// A query whose text names its own placeholders (`$1`, `$2`…), bound in order by
    /// [`Sql::bind`].
    pub fn new(text: impl Into<String>) -> Sql {
        Sql { text: text.into(), params: Vec::new() }
    }

    /// Binds the next placeholder the text names.
    pub fn bind(mut self, value: impl Into<Param>) -> Sql {
        self.params.push(value.into());
        self
    }

    /// Appends text (no values in it: those go through [`Sql::push_bind`]).
    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Sql {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends the next placeholder (`$N`) and binds `value` to it.
    pub fn push_bind(&mut self, value: impl Into<Param>) -> &mut Sql {
        self.params.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    /// Appends ` IN ($n, $n+1, …)` binding `values` (which must not be empty: `IN ()` is not
    /// SQL), for the statements that act on a chunk of rows at once.
    pub fn push_in<V: Into<Param> + Clone>(&mut self, values: &[V]) -> &mut Sql {
        debug_assert!(!values.is_empty(), "IN () is not SQL");
        self.push(" IN (");
        for (i, value) in values.iter().enumerate() {
            self.push(if i == 0 { "" } else { ", " }).push_bind(value.clone());
        }
        self.push(")")
    }

    /// Appends another query's text and values, its placeholders (`$1`…) renumbered to
    /// follow this one's: a piece built once and used in several statements.
    pub fn push_sql(&mut self, other: &Sql) -> &mut Sql {
        let offset = self.params.len();
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            self.text.push(c);
            if c != '$' {
                continue;
            }
            let mut digits = String::new();
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                digits.push(d);
            }
            match digits.parse::<usize>() {
                Ok(n) => self.text.push_str(&(n + offset).to_string()),
                Err(_) => self.text.push_str(&digits),
            }
        }
        self.params.extend(other.params.iter().cloned());
        self
    }

    /// Appends the keyset tail of a newest-first list on (`time`, id): after the row `after`
    /// (the next page), or before the row `before` (the previous page, read oldest first and
    /// turned round by `cursor::page`), `limit` rows.
    pub fn push_newest_first(&mut self, time: &str, after: Option<&(i64, String)>, before: Option<&(i64, String)>, limit: i64) -> &mut Sql {
        if let Some((at, id)) = after {
            self.push(format!(" AND ({time}, id) < (")).push_bind(*at).push(", ").push_bind(id.as_str()).push(")");
        }
        if let Some((at, id)) = before {
            self.push(format!(" AND ({time}, id) > (")).push_bind(*at).push(", ").push_bind(id.as_str()).push(")");
        }
        let order = if before.is_none() { "DESC" } else { "ASC" };
        self.push(format!(" ORDER BY {time} {order}, id {order} LIMIT ")).push_bind(limit)
    }

    /// Appends `{column} starts with {prefix}` as a range an index can seek.
    pub fn push_starts(&mut self, column: &str, prefix: &str) -> &mut Sql {
        self.push(format!("({column} >= ")).push_bind(prefix);
        self.push(format!(" AND {column} < ")).push_bind(prefix_end(prefix)).push(")")
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text and the values, for the database to run.
    pub(crate) fn into_parts(self) -> (String, Vec<Param>) {
        (self.text, self.params)
    }
}

/// The end of the range of keys that start with `prefix`: keys compare byte by byte (Postgres
/// keeps them in the "C" collation), and no character sorts after U+10FFFF.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// How many of the organization's rows of `table` have a `column` that starts with `prefix`,
/// counted up to `cap` (an index range, read no further than `cap` entries).
pub fn count_starting(table: &str, column: &str, org_id: &str, prefix: &str, cap: i64) -> Sql {
    let mut sql = Sql::new(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE org_id = "));
    sql.push_bind(org_id).push(" AND ").push_starts(column, prefix).push(" LIMIT ").push_bind(cap).push(") hits");
    sql
}

/// A LIKE pattern matching any text that contains `text`, in which `%` and `_` match
/// themselves: use it with `ESCAPE '\\'`.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_values_number_their_placeholders_after_the_bound_ones() {
        let mut sql = Sql::new("SELECT 1 FROM users WHERE org_id = $1").bind("org");
        sql.push(" AND name_key >= ").push_bind("ad").push(" LIMIT ").push_bind(5_i64);
        assert_eq!(sql.text(), "SELECT 1 FROM users WHERE org_id = $1 AND name_key >= $2 LIMIT $3");
        let (_, params) = sql.into_parts();
        assert_eq!(params, vec![Param::from("org"), Param::from("ad"), Param::Int(Some(5))]);
    }

    #[test]
    fn a_pushed_query_has_its_placeholders_renumbered_after_the_ones_before() {
        let mut piece = Sql::new("CASE WHEN u.id = ");
        piece.push_bind("me").push(" THEN 'self' WHEN u.status = ").push_bind("inactive").push(" THEN 'already' END");
        let mut sql = Sql::new("SELECT ").bind("unused");
        sql.push("x, $1, ");
        sql.push_sql(&piece).push(" FROM t WHERE a = ").push_bind(10_i64);
        assert_eq!(sql.text(), "SELECT x, $1, CASE WHEN u.id = $2 THEN 'self' WHEN u.status = $3 THEN 'already' END FROM t WHERE a = $4");
        let (_, params) = sql.into_parts();
        assert_eq!(params, vec![Param::from("unused"), Param::from("me"), Param::from("inactive"), Param::Int(Some(10))]);
    }
}
