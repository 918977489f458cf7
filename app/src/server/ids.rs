//! Ids and times are made in Rust and bound into SQL, so both databases store the same values.

use std::time::{SystemTime, UNIX_EPOCH};

/// A new time-ordered id (UUIDv7) as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Lower-cased key for case-insensitive comparison, sorting and search.
pub fn key(text: &str) -> String {
    text.trim().to_lowercase()
}
