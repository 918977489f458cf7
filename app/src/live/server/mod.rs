//! The server's end of live lists: the hub that carries news between the writers and the
//! streams (across processes on Postgres), and the stream a tab reads.

pub mod hub;
pub mod stream;
