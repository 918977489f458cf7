//! Deleting many rows without holding up requests: one short statement of at most [`BATCH`]
//! rows at a time, with a pause between, so that on SQLite no statement holds the write lock
//! for more than a few milliseconds and waiting writers get in between.

use std::future::Future;
use std::time::Duration;

/// Rows deleted per statement.
pub const BATCH: i64 = 500;
/// The pause between two batches.
const PAUSE: Duration = Duration::from_millis(20);

/// Calls `delete_batch(BATCH)` until it deletes fewer than `BATCH` rows; answers the total.
pub async fn delete_in_batches<F, Fut>(mut delete_batch: F) -> Result<u64, sqlx::Error>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = Result<u64, sqlx::Error>>,
{
    let full = u64::try_from(BATCH).unwrap_or(u64::MAX);
    let mut total = 0;
    loop {
        let deleted = delete_batch(BATCH).await?;
        total += deleted;
        if deleted < full {
            return Ok(total);
        }
        tokio::time::sleep(PAUSE).await;
    }
}
