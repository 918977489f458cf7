//! Lists keep their filters and page in the URL's query: one way to write such a link, and
//! [`ListParams`], the URL state of the lists that page by cursor alone (Invitations, Sessions,
//! Login Attempts; Users adds sorting and page sizes of its own).

/// The URL state of the keyset list at `path` filtered by `names`, following the URL (a page
/// component's first line).
pub fn use_list_params(path: &'static str, names: &'static [&'static str]) -> leptos::prelude::Memo<ListParams> {
    use leptos::prelude::*;
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        ListParams::from_query(path, names, |k| q.get(k))
    })
}

/// `path?…` with the parameters that have a non-blank value, URL-encoded, in the given order.
pub fn href(path: &str, pairs: &[(&str, &Option<String>)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            query.append_pair(name, value);
        }
    }
    let query = query.finish();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// A list's filters by name, in URL order, and the row its page starts after or ends before.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListParams {
    pub path: &'static str,
    filters: Vec<(&'static str, Option<String>)>,
    pub after: Option<String>,
    pub before: Option<String>,
}

impl ListParams {
    /// The state a URL's query holds, for the list at `path` filtered by `names`.
    pub fn from_query(path: &'static str, names: &[&'static str], get: impl Fn(&str) -> Option<String>) -> ListParams {
        ListParams {
            path,
            filters: names.iter().map(|name| (*name, get(name))).collect(),
            after: get("after"),
            before: get("before"),
        }
    }

    /// The state a list's server function received: `values` of the filters `names`, in the
    /// same order, and the page's cursors.
    pub fn from_args(path: &'static str, names: &[&'static str], values: Vec<Option<String>>, after: Option<String>, before: Option<String>) -> ListParams {
        ListParams { path, filters: names.iter().copied().zip(values).collect(), after, before }
    }

    /// The page's cursors, blank ones dropped; a page starts after a row or ends before one,
    /// never both.
    pub fn cursors(&self) -> Result<(Option<String>, Option<String>), crate::error::FieldError> {
        let given = |c: &Option<String>| c.clone().filter(|c| !c.trim().is_empty());
        match (given(&self.after), given(&self.before)) {
            (Some(_), Some(_)) => Err(crate::error::FieldError {
                field: "after".into(),
                message: "A page starts after one row or ends before one, not both.".into(),
            }),
            cursors => Ok(cursors),
        }
    }

    /// The filter `name`, trimmed; `None` when blank or absent.
    pub fn get(&self, name: &str) -> Option<String> {
        self.filters
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The first page with the filter `name` set to `value` (the others kept).
    pub fn with(&self, name: &str, value: Option<String>) -> ListParams {
        let mut next = self.first_page();
        if let Some(slot) = next.filters.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        }
        next
    }

    pub fn first_page(&self) -> ListParams {
        ListParams { after: None, before: None, ..self.clone() }
    }

    /// The page after the row `cursor` names, or before it.
    pub fn page(&self, after: Option<String>, before: Option<String>) -> ListParams {
        ListParams { after, before, ..self.clone() }
    }

    /// The same list with no filters at all.
    pub fn cleared(&self) -> ListParams {
        ListParams { filters: self.filters.iter().map(|(n, _)| (*n, None)).collect(), ..self.first_page() }
    }

    pub fn is_filtered(&self) -> bool {
        self.filters.iter().any(|(name, _)| self.get(name).is_some())
    }

    /// `path?…` with the non-blank parameters, URL-encoded.
    pub fn href(&self) -> String {
        let mut pairs: Vec<(&str, &Option<String>)> = self.filters.iter().map(|(n, v)| (*n, v)).collect();
        pairs.push(("after", &self.after));
        pairs.push(("before", &self.before));
        href(self.path, &pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_params_round_trip_through_the_url() {
        let query = |k: &str| match k {
            "search" => Some(" ada ".to_owned()),
            "status" => Some(String::new()),
            "after" => Some("c1".to_owned()),
            _ => None,
        };
        let params = ListParams::from_query("/sessions", &["search", "status", "user"], query);
        assert_eq!(params.get("search").as_deref(), Some("ada"));
        assert_eq!(params.get("status"), None);
        assert!(params.is_filtered());
        assert_eq!(params.href(), "/sessions?search=+ada+&after=c1");
        // A new filter starts again at the first page.
        assert_eq!(params.with("status", Some("ended".into())).href(), "/sessions?search=+ada+&status=ended");
        assert_eq!(params.page(None, Some("c0".into())).href(), "/sessions?search=+ada+&before=c0");
        assert_eq!(params.cleared().href(), "/sessions");
        assert!(!params.cleared().is_filtered());
    }
}
