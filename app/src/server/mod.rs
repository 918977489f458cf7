//! Server-only infrastructure shared by every feature: the database handle and the queries it
//! runs, the settings, how a response is answered, where a request comes from, ids and time.
//! Nothing here ships to the browser, and nothing here knows a feature.

pub mod batches;
pub mod client;
pub mod clock;
pub mod cursor;
pub mod db;
pub mod ids;
pub mod nonce;
pub mod respond;
pub mod sql;
pub mod state;
pub mod throttle;
