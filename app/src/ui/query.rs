//! Lists keep their filters and page in the URL's query: one way to write such a link.

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
