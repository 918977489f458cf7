//! The hub: writers announce news after their change commits ([`Live::announce`]); the hub
//! gathers it for a moment (at most one piece of news per organization and list a second,
//! however many rows a flood writes) and hands it to every stream of the process. On Postgres
//! the news goes through `NOTIFY roster_live`, and every process `LISTEN`s: a sign-in served
//! by one process reaches a Login Attempts page open on another. On SQLite, one process owns
//! the database, and the news stays in it.
//!
//! News is a hint, never data: a lost one costs a list its update until the next (and a lost
//! link to Postgres makes every stream tell its page to look again, [`Topic::Resync`]).

use crate::live::types::Topic;
use crate::server::db::{Db, Dialect};
use crate::server::sql::Sql;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// The Postgres channel.
const CHANNEL: &str = "roster_live";
/// News gathered before it is handed on: at most one piece per organization and topic this often.
pub const GATHER: Duration = Duration::from_millis(1000);
/// Announcements waiting for the gatherer; past it, the gatherer is told to resync everyone.
const WAITING: usize = 4096;
/// News a slow stream may fall behind before it is told to resync.
const FANOUT: usize = 1024;
/// A `NOTIFY` payload must stay under 8,000 bytes.
const PAYLOAD: usize = 7000;

/// One piece of news: `topic` has changed in organization `org` (every organization for
/// [`Topic::Resync`]); for [`Topic::Bulk`] and [`Topic::Account`], about `user` alone.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct News {
    pub org: String,
    pub topic: Topic,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl News {
    pub fn resync() -> News {
        News { org: String::new(), topic: Topic::Resync, user: None }
    }
}

/// A handle on the hub; cheap to clone. [`Live::none`] announces nothing (the command line,
/// a worker a test runs by hand).
#[derive(Clone, Debug)]
pub struct Live {
    hub: Option<Arc<Hub>>,
}

#[derive(Debug)]
struct Hub {
    waiting: mpsc::Sender<News>,
    overflowed: Arc<AtomicBool>,
    fanout: broadcast::Sender<News>,
    closing: watch::Sender<bool>,
}

impl Live {
    /// Starts the hub of a server process on `db` (a task that gathers and hands on news, and
    /// on Postgres one that listens); both end when the last handle is dropped.
    pub fn start(db: &Db) -> Live {
        let (waiting, queue) = mpsc::channel(WAITING);
        let (fanout, _) = broadcast::channel(FANOUT);
        let overflowed = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = watch::channel(());
        if let Db::Postgres(pool) = db {
            tokio::spawn(listen(pool.clone(), fanout.clone(), stopped));
        }
        tokio::spawn(gather(db.clone(), queue, overflowed.clone(), fanout.clone(), stop));
        let (closing, _) = watch::channel(false);
        Live { hub: Some(Arc::new(Hub { waiting, overflowed, fanout, closing })) }
    }

    /// A handle that announces nothing and has no news.
    pub fn none() -> Live {
        Live { hub: None }
    }

    /// Tells the hub that `topic` changed in `org` (after the change committed).
    pub fn announce(&self, org: &str, topic: Topic) {
        self.send(News { org: org.to_owned(), topic, user: None });
    }

    /// Tells the hub that `topic` changed for `user` of `org` alone.
    pub fn announce_to(&self, org: &str, topic: Topic, user: &str) {
        self.send(News { org: org.to_owned(), topic, user: Some(user.to_owned()) });
    }

    pub fn send(&self, news: News) {
        let Some(hub) = &self.hub else { return };
        if hub.waiting.try_send(news).is_err() {
            hub.overflowed.store(true, Ordering::Relaxed);
        }
    }

    /// The news from now on, and whether the server is closing (streams end then).
    pub fn subscribe(&self) -> Option<(broadcast::Receiver<News>, watch::Receiver<bool>)> {
        self.hub.as_ref().map(|hub| (hub.fanout.subscribe(), hub.closing.subscribe()))
    }

    /// The server is shutting down: every stream ends, so that no open tab holds it up.
    pub fn close(&self) {
        if let Some(hub) = &self.hub {
            hub.closing.send_replace(true);
        }
    }
}

/// Gathers the announcements of [`GATHER`], once per organization and topic, and hands them
/// on; ends (after handing on the last) when every handle is gone.
async fn gather(db: Db, mut queue: mpsc::Receiver<News>, overflowed: Arc<AtomicBool>, fanout: broadcast::Sender<News>, _stop: watch::Sender<()>) {
    let mut last = tokio::time::Instant::now() - GATHER;
    loop {
        let Some(first) = queue.recv().await else { return };
        let mut pending = HashSet::from([first]);
        let until = last + GATHER;
        let mut open = true;
        while open {
            tokio::select! {
                news = queue.recv() => match news {
                    Some(news) => { pending.insert(news); }
                    None => open = false,
                },
                () = tokio::time::sleep_until(until) => break,
            }
        }
        while let Ok(news) = queue.try_recv() {
            pending.insert(news);
        }
        if overflowed.swap(false, Ordering::Relaxed) {
            pending = HashSet::from([News::resync()]);
        }
        hand_on(&db, pending.into_iter().collect(), &fanout).await;
        last = tokio::time::Instant::now();
        if !open {
            return;
        }
    }
}

/// On Postgres, `NOTIFY` (every process's listener hands it to its streams, this one's too);
/// on SQLite, or when the notification cannot be sent, straight to this process's streams.
async fn hand_on(db: &Db, news: Vec<News>, fanout: &broadcast::Sender<News>) {
    if db.dialect() == Dialect::Postgres {
        let mut sent = true;
        for payload in payloads(&news) {
            let sql = Sql::new("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload);
            if let Err(err) = db.exec().execute(sql).await {
                tracing::warn!(%err, "live news not sent to other processes");
                sent = false;
                break;
            }
        }
        if sent {
            return;
        }
    }
    for item in news {
        let _ = fanout.send(item);
    }
}

/// The news as JSON arrays, each small enough for one `NOTIFY`.
fn payloads(news: &[News]) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch: Vec<&News> = Vec::new();
    let mut size = 2;
    for item in news {
        let len = serde_json::to_string(item).map_or(0, |s| s.len()) + 1;
        if size + len > PAYLOAD && !batch.is_empty() {
            out.push(serde_json::to_string(&batch).unwrap_or_default());
            batch.clear();
            size = 2;
        }
        batch.push(item);
        size += len;
    }
    if !batch.is_empty() {
        out.push(serde_json::to_string(&batch).unwrap_or_default());
    }
    out
}

/// Postgres: hands every `roster_live` notification to this process's streams. A lost link is
/// found again, and every stream told to resync, since news may have passed meanwhile.
async fn listen(pool: sqlx::PgPool, fanout: broadcast::Sender<News>, mut stopped: watch::Receiver<()>) {
    let mut retry = Duration::from_millis(200);
    loop {
        let listener = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            listener = listener => match listener {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(%err, ?retry, "cannot listen for live news; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(retry) => {}
                        _ = stopped.changed() => return,
                    }
                    retry = (retry * 2).min(Duration::from_secs(30));
                    continue;
                }
            },
            _ = stopped.changed() => return,
        };
        retry = Duration::from_millis(200);
        loop {
            tokio::select! {
                got = listener.try_recv() => match got {
                    Ok(Some(note)) => {
                        for news in serde_json::from_str::<Vec<News>>(note.payload()).unwrap_or_default() {
                            let _ = fanout.send(news);
                        }
                    }
                    // The link was lost: the next call finds it again; news may have passed.
                    Ok(None) => { let _ = fanout.send(News::resync()); }
                    Err(err) => {
                        tracing::warn!(%err, "lost the live news listener");
                        let _ = fanout.send(News::resync());
                        break;
                    }
                },
                _ = stopped.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_stay_under_the_notify_limit_and_lose_nothing() {
        let news: Vec<News> = (0..500).map(|i| News { org: format!("org-{i:032}"), topic: Topic::Sessions, user: None }).collect();
        let payloads = payloads(&news);
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|p| p.len() < 8000), "{:?}", payloads.iter().map(String::len).collect::<Vec<_>>());
        let back: Vec<News> = payloads.iter().flat_map(|p| serde_json::from_str::<Vec<News>>(p).unwrap_or_default()).collect();
        assert_eq!(back, news);
    }
}
