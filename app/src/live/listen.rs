//! The browser's end of live lists. The layout opens the tab's one `EventSource` on
//! [`LIVE_PATH`] ([`provide_live`]); each event bumps the count of its topic, which the lists
//! follow ([`live_list`]): a list on its first page reads itself again and its new rows appear
//! at the top; a list on a later page keeps its rows where they are (keyset pages do not move)
//! and offers "3 new — Show" instead. Screen readers hear one polite summary ("2 new failed
//! sign-ins"), not a row each. The clock ([`Live::clock`]) makes relative times tick.

use crate::error::AppError;
use crate::live::types::Topic;
use crate::ui::query::ListParams;
use leptos::prelude::*;
use std::future::Future;

/// What a tab has heard: a count per list topic, and the time.
#[derive(Clone, Copy)]
pub struct Live {
    heard: [RwSignal<u64>; 5],
    /// Milliseconds since the Unix epoch in the browser, from the first tick on; 0 before
    /// (so that the server's HTML and the hydrated page agree).
    pub clock: RwSignal<f64>,
    /// The clock's first reading: when what the server rendered (and hydration kept) was shown.
    started: StoredValue<f64>,
}

impl Live {
    /// How many times `topic` had news (a list follows it to read itself again).
    pub fn heard(self, topic: Topic) -> Signal<u64> {
        match Topic::LISTS.iter().position(|t| *t == topic) {
            Some(i) => self.heard[i].into(),
            None => Signal::stored(0),
        }
    }

    #[cfg(feature = "hydrate")]
    fn bump(self, topic: Topic) {
        if let Some(i) = Topic::LISTS.iter().position(|t| *t == topic) {
            self.heard[i].update(|n| *n += 1);
        }
    }

    #[cfg(feature = "hydrate")]
    fn bump_all(self) {
        for signal in self.heard {
            signal.update(|n| *n += 1);
        }
    }
}

/// `topic`'s count in this tab (always 0 outside the signed-in layout).
pub fn heard(topic: Topic) -> Signal<u64> {
    use_context::<Live>().map_or_else(|| Signal::stored(0), |live| live.heard(topic))
}

/// Opens the tab's stream (in the browser, once hydrated) and provides what it hears.
pub fn provide_live() -> Live {
    let live = Live { heard: std::array::from_fn(|_| RwSignal::new(0)), clock: RwSignal::new(0.0), started: StoredValue::new(0.0) };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::open(live));
    live
}

/// The tick-adjusted `now` for a time read from the server at `read_at` and shown from the
/// browser's clock `shown_at` on (see [`crate::ui::time::Timestamp`]).
pub fn ticking(read_at: i64, shown_at: f64) -> i64 {
    let Some(live) = use_context::<Live>() else { return read_at };
    let clock = live.clock.get();
    // Shown before the clock started (the server's rows, hydrated): shown when it started.
    let shown_at = if shown_at > 0.0 { shown_at } else { live.started.get_value() };
    if clock > shown_at && shown_at > 0.0 {
        // Whole milliseconds of a browser clock: far inside i64.
        #[allow(clippy::cast_possible_truncation)]
        let elapsed = (clock - shown_at) as i64;
        read_at + elapsed
    } else {
        read_at
    }
}

/// The browser's clock now, as the tick would read it (0 on the server).
pub fn clock_now() -> f64 {
    use_context::<Live>().map_or(0.0, |live| live.clock.get_untracked())
}

/// A page of a live list: when it was read, and what it says about rows newer than a time.
pub trait LivePage {
    /// The server's time when this page was read.
    fn read_at(&self) -> i64;
    /// How many of this page's rows are newer than `since`, and the polite summary of them
    /// ("2 new failed sign-ins").
    fn news_since(&self, since: i64) -> (usize, String);
}

/// The URL state of a keyset list, as a live list needs it.
pub trait LiveParams: Clone + PartialEq + Send + Sync + 'static {
    /// Whether this is the list's first page (no cursor).
    fn on_first_page(&self) -> bool;
    /// The first page with the same filters.
    fn first_page(&self) -> Self;
    fn href(&self) -> String;
}

impl LiveParams for ListParams {
    fn on_first_page(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }
    fn first_page(&self) -> Self {
        ListParams::first_page(self)
    }
    fn href(&self) -> String {
        ListParams::href(self)
    }
}

/// A keyset list that follows `topic`: its resource (read through `fetch`, again on each
/// piece of news) and the notice above its table (the "N new — Show" link on a later page,
/// the summary screen readers hear).
pub fn live_list<P, T, F, Fut>(topic: Topic, params: Memo<P>, fetch: F) -> (Resource<Result<T, AppError>>, AnyView)
where
    P: LiveParams,
    T: LivePage + Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(P) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let heard = heard(topic);
    let data = Resource::new(move || (params.get(), heard.get()), move |(p, _)| fetch(p));
    // The newest rows the viewer has been shown: the list's state and when it was read.
    let seen = StoredValue::new(None::<(P, i64)>);
    let said = RwSignal::new(String::new());
    let newer = RwSignal::new(0_usize);
    Effect::new(move |_| {
        let Some(Ok(page)) = data.get() else { return };
        let p = params.get_untracked();
        let first = p.on_first_page();
        match seen.get_value() {
            Some((was, since)) if was == p => {
                if first {
                    let (n, text) = page.news_since(since);
                    if n > 0 {
                        said.set(text);
                    }
                    seen.set_value(Some((p, page.read_at())));
                }
            }
            _ => {
                seen.set_value(Some((p, page.read_at())));
                newer.set(0);
            }
        }
    });
    // On a later page, news is counted on the first page, and the rows in view stay put.
    Effect::new(move |previous: Option<u64>| {
        let n = heard.get();
        let p = params.get_untracked();
        if previous.is_some_and(|was| was != n) && !p.on_first_page() {
            if let Some((_, since)) = seen.get_value() {
                leptos::task::spawn_local(async move {
                    if let Ok(head) = fetch(p.first_page()).await {
                        let (count, text) = head.news_since(since);
                        if count > 0 {
                            newer.set(count);
                            said.set(text);
                        }
                    }
                });
            }
        }
        n
    });
    let notice = view! {
        <div class="live-news">
            // A live region of its own (not role="status": the toasts are the page's status).
            <p class="visually-hidden live-said" aria-live="polite" aria-atomic="true">{move || said.get()}</p>
            {move || {
                let n = newer.get();
                (n > 0).then(|| view! {
                    <a class="button button-secondary live-show" href=move || params.get().first_page().href()>
                        {format!("{n} new — Show")}
                    </a>
                })
            }}
        </div>
    }
    .into_any();
    (data, notice)
}

/// "1 new event" / "3 new events".
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} new {}", if n == 1 { one } else { many })
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Live;
    use crate::live::types::{Topic, LIVE_PATH};
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// How often relative times ("5 min ago") are worked out again.
    const TICK_MS: i32 = 20_000;

    /// The tab's stream while the signed-in layout is shown: the open `EventSource` and the
    /// clock's interval, both ended when the layout goes (signing out, say), so that a stream
    /// left behind can neither say `ended` on the sign-in page nor open itself again.
    #[derive(Default)]
    struct Tab {
        source: Option<web_sys::EventSource>,
        interval: Option<i32>,
        closed: bool,
    }

    type Shared = std::rc::Rc<std::cell::RefCell<Tab>>;

    /// Opens the stream, and again after it failed (a server restart, the database briefly
    /// unreachable); a stream that opens again says "ready" and every list reads itself again,
    /// since news may have passed meanwhile. Ends at `ended` (the session ended): the page
    /// goes to sign-in.
    pub fn open(live: Live) {
        let now = js_sys::Date::now();
        live.started.set_value(now);
        live.clock.set(now);
        let tab: Shared = Shared::default();
        let tick = Closure::<dyn Fn()>::new(move || live.clock.set(js_sys::Date::now()));
        tab.borrow_mut().interval = window().set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), TICK_MS).ok();
        tick.forget();
        connect(live, tab.clone(), false);
        let tab = send_wrapper::SendWrapper::new(tab);
        on_cleanup(move || {
            let mut tab = tab.borrow_mut();
            tab.closed = true;
            if let Some(source) = tab.source.take() {
                source.close();
            }
            if let Some(id) = tab.interval.take() {
                window().clear_interval_with_handle(id);
            }
        });
    }

    fn connect(live: Live, tab: Shared, again: bool) {
        if tab.borrow().closed {
            return;
        }
        let Ok(source) = web_sys::EventSource::new(LIVE_PATH) else { return };
        tab.borrow_mut().source = Some(source.clone());
        let first = std::cell::Cell::new(!again);
        let on = |name: &str, handler: Box<dyn Fn()>| {
            let closure = Closure::<dyn Fn()>::new(handler);
            let _ = source.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
            closure.forget();
        };
        on("ready", Box::new(move || {
            // The first "ready" of a page is its start; any later one follows a gap.
            if !first.replace(false) {
                live.bump_all();
            }
        }));
        for topic in Topic::LISTS {
            on(topic.key(), Box::new(move || live.bump(topic)));
        }
        on(Topic::Resync.key(), Box::new(move || live.bump_all()));
        let ended = source.clone();
        on("ended", Box::new(move || {
            ended.close();
            crate::ui::load::go_to_sign_in();
        }));
        // The browser reconnects by itself after a dropped connection; after a refusal (a
        // 503 while the database is away) it gives up, so try again a little later.
        let failed = source.clone();
        on("error", Box::new(move || {
            if failed.ready_state() == web_sys::EventSource::CLOSED {
                let (tab, live) = (send_wrapper::SendWrapper::new(tab.clone()), live);
                set_timeout(move || connect(live, tab.take(), true), std::time::Duration::from_secs(10));
            }
        }));
    }
}
