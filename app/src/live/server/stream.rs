//! `GET /api/live`: a tab's one stream of server-sent events. The session layer in front of it
//! has already refused anyone signed out (401); the stream then names only the lists of the
//! viewer's own organization that their permissions let them see, and a bulk job's progress
//! to the person who started it. When something may have changed for the viewer themselves
//! (a role, their status, a revoked session) it looks at the session again: a session that
//! ended ends the stream at once (`event: ended`), and a permission lost stops its news.
//!
//! An idle stream costs no database work: it waits on the hub, and a comment every
//! [`KEEP_ALIVE`] keeps proxies from closing it. It ends after [`LIFETIME`] and the browser
//! opens it again (through the session layer: an expired session gets 401 then), or when the
//! server shuts down.

use super::hub::News;
use crate::auth::server::guard::{self, AppState, Authenticated};
use crate::auth::server::session;
use crate::auth::types::Permission;
use crate::live::types::Topic;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

pub const KEEP_ALIVE: Duration = Duration::from_secs(25);
pub const LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How soon the browser opens a stream again after it ended.
const RETRY: Duration = Duration::from_secs(2);

/// The permission that shows a topic's list; `None` for what is never sent as such.
fn shown_by(topic: Topic) -> Option<Permission> {
    match topic {
        Topic::LoginAttempts => Some(Permission::LoginAttemptsView),
        Topic::Sessions => Some(Permission::SessionsView),
        Topic::Audit => Some(Permission::AuditView),
        Topic::Invitations => Some(Permission::UsersInvite),
        Topic::Bulk => Some(Permission::UsersView),
        Topic::Account | Topic::Resync => None,
    }
}

/// The axum handler.
pub async fn stream(State(state): State<AppState>, req: Request) -> Response {
    let (Some(viewer), Some(token)) = (req.extensions().get::<Authenticated>().cloned(), session::token_from_headers(&state.settings, req.headers())) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some((news, closing)) = state.live().subscribe() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let watch = Watch { state, token, viewer, news, closing, until: Instant::now() + LIFETIME, started: false, ended: false };
    let events = futures::stream::unfold(watch, |mut watch| async move { watch.next().await.map(|event| (Ok::<_, Infallible>(event), watch)) });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response()
}

/// One stream's state.
struct Watch {
    state: AppState,
    token: String,
    viewer: Authenticated,
    news: broadcast::Receiver<News>,
    closing: watch::Receiver<bool>,
    until: Instant,
    started: bool,
    ended: bool,
}

impl Watch {
    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        if self.ended || *self.closing.borrow() {
            return None;
        }
        if !self.started {
            self.started = true;
            return Some(Event::default().retry(RETRY).event("ready").data("ready"));
        }
        loop {
            tokio::select! {
                got = self.news.recv() => match got {
                    Ok(news) => {
                        if let Some(event) = self.verdict(news).await {
                            return Some(event);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => return Some(named(Topic::Resync)),
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.closing.changed() => return None,
                () = tokio::time::sleep_until(self.until) => return None,
            }
        }
    }

    /// What `news` means for this viewer: an event to send, or nothing.
    async fn verdict(&mut self, news: News) -> Option<Event> {
        if news.topic == Topic::Resync {
            return Some(named(Topic::Resync));
        }
        if news.org != self.viewer.org_id() {
            return None;
        }
        if news.user.as_deref().is_some_and(|user| user != self.viewer.user_id()) {
            return None;
        }
        if news.topic == Topic::Account {
            return self.look_again().await;
        }
        let may = shown_by(news.topic).is_some_and(|p| self.viewer.can(p));
        may.then(|| named(news.topic))
    }

    /// The viewer's session as it is now: ended (or unreadable) ends the stream; otherwise its
    /// permissions from now on.
    async fn look_again(&mut self) -> Option<Event> {
        match guard::resolve_session_quietly(&self.state, &self.token).await {
            Ok(Some(viewer)) => {
                self.viewer = viewer;
                None
            }
            Ok(None) | Err(_) => {
                self.ended = true;
                Some(Event::default().event("ended").data("ended"))
            }
        }
    }
}

fn named(topic: Topic) -> Event {
    Event::default().event(topic.key()).data(topic.key())
}
