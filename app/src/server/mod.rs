//! Server-only infrastructure shared by every feature: the database handle, the application
//! state and small helpers for ids and time. Nothing here ships to the browser.

pub mod db;
pub mod ids;
pub mod respond;
pub mod state;
