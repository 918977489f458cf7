//! Timestamps as people read them: relative ("3 days ago") with the exact UTC time on hover.
//! Both are computed from the server's `now`, sent with the data, so the server-rendered HTML
//! and the hydrated page say the same thing.

use leptos::prelude::*;

/// "just now", "5 min ago", "3 hours ago", "2 days ago", "4 months ago", "in 6 days"…
pub fn relative(now_ms: i64, at_ms: i64) -> String {
    let delta = (now_ms - at_ms) / 1000;
    let (secs, future) = if delta < 0 { (-delta, true) } else { (delta, false) };
    let (n, unit) = match secs {
        s if s < 45 => return "just now".into(),
        s if s < 3600 => ((s + 30) / 60, "min"),
        s if s < 86_400 => ((s + 1800) / 3600, "hour"),
        s if s < 30 * 86_400 => ((s + 43_200) / 86_400, "day"),
        s if s < 365 * 86_400 => ((s + 15 * 86_400) / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    let n = n.max(1);
    let unit = match (unit, n) {
        ("min", _) => "min".to_owned(),
        (u, 1) => u.to_owned(),
        (u, _) => format!("{u}s"),
    };
    if future {
        format!("in {n} {unit}")
    } else {
        format!("{n} {unit} ago")
    }
}

/// The exact time in UTC, e.g. "2026-11-28 14:05:09 UTC".
pub fn exact(at_ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(at_ms.div_euclid(1000)) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// ISO 8601 for the `datetime` attribute.
fn iso(at_ms: i64) -> String {
    exact(at_ms).replacen(' ', "T", 1).replace(" UTC", "Z")
}

/// A `<time>` element: relative text, exact time as its tooltip, or `never` when absent. The
/// text ticks with the tab's clock (`live::listen`): "just now" becomes "1 min ago" while the
/// page stays open.
#[component]
pub fn Timestamp(at: Option<i64>, now: i64, #[prop(default = "Never")] never: &'static str) -> impl IntoView {
    let shown_at = crate::live::listen::clock_now();
    match at {
        Some(at) => view! { <time datetime=iso(at) title=exact(at)>{move || relative(crate::live::listen::ticking(now, shown_at), at)}</time> }.into_any(),
        None => view! { <span class="muted">{never}</span> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 24 * 60 * MIN;

    #[test]
    fn relative_times_read_naturally() {
        let now = 1_800_000_000_000;
        assert_eq!(relative(now, now - 10_000), "just now");
        assert_eq!(relative(now, now - 5 * MIN), "5 min ago");
        assert_eq!(relative(now, now - 60 * MIN), "1 hour ago");
        assert_eq!(relative(now, now - 3 * 60 * MIN), "3 hours ago");
        assert_eq!(relative(now, now - 3 * DAY), "3 days ago");
        assert_eq!(relative(now, now - 75 * DAY), "3 months ago");
        assert_eq!(relative(now, now - 800 * DAY), "2 years ago");
        assert_eq!(relative(now, now + 6 * DAY), "in 6 days");
    }

    #[test]
    fn exact_times_are_utc() {
        assert_eq!(exact(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(exact(1_795_788_309_000), "2026-11-27 14:05:09 UTC");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    }
}
