//! The HTTP client side the benchmark programs share.

/// What a browser says of a request from the app's own page: the server refuses a write with
/// the session cookie that says neither this nor its `Origin`.
pub fn same_origin() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", reqwest::header::HeaderValue::from_static("same-origin"));
    headers
}

/// The benchmark organization's owner, as every benchmark program makes them.
pub const OWNER_EMAIL: &str = "owner@bench.example";
pub const OWNER_PASSWORD: &str = "bench-password-123";

/// Signs `client` in as the owner on the server at `base`.
pub async fn sign_in(client: &reqwest::Client, base: &str) -> reqwest::Response {
    client
        .post(format!("{base}/api/public/login"))
        .form(&[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)])
        .send()
        .await
        .expect("sign-in request")
}
