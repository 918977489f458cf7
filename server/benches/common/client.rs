//! The HTTP client side the benchmark programs share.

/// What a browser says of a request from the app's own page: the server refuses a write with
/// the session cookie that says neither this nor its `Origin`.
pub fn same_origin() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", reqwest::header::HeaderValue::from_static("same-origin"));
    headers
}
