//! The Login Attempts page: the sign-in log, newest first, filtered by outcome, by an email or
//! IP address and by time, all in the URL.

use crate::live::listen::live_list;
use crate::live::types::Topic;
use crate::login_attempts::api::list_login_attempts;
use crate::login_attempts::types::{AttemptOutcome, AttemptRange, LoginAttempt, LoginAttemptList, ATTEMPTS_PATH, ATTEMPT_FILTERS};
use crate::ui::badge::{Badge, Tone};
use crate::ui::list_filters::{ListFilters, SelectFilter};
use crate::ui::list_table::{EmptyText, ListTable};
use crate::ui::page_header::PageHeader;
use crate::ui::query::use_list_params;
use crate::ui::time::Timestamp;
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[&str] = &["Timestamp", "Email", "IP Address", "Status", "Reason"];

#[component]
pub fn LoginAttemptsPage() -> impl IntoView {
    let params = use_list_params(ATTEMPTS_PATH, ATTEMPT_FILTERS);
    let (attempts, news) = live_list(Topic::LoginAttempts, params, |p| {
        list_login_attempts(p.get("search"), p.get("status"), p.get("range"), p.after.clone(), p.before.clone())
    });
    let selects = vec![
        SelectFilter {
            name: "status",
            label: "Status",
            any: "All attempts",
            options: AttemptOutcome::ALL.into_iter().map(|o| (o.key(), o.label())).collect(),
            ..Default::default()
        },
        AttemptRange::select_filter(),
    ];
    view! {
        <Title text="Login Attempts · Roster"/>
        <PageHeader title="Login Attempts" description="Every sign-in to your organization, successful or not."/>
        <ListFilters params label="Filter login attempts" search=("attempt-search", "Email or IP address") selects/>
        {news}
        <ListTable
            label="Login attempts"
            id="attempts-table"
            columns=COLUMNS
            params
            data=attempts
            empty=EmptyText {
                title: "No sign-in attempts yet",
                hint: "Attempts appear here as people sign in.",
                filtered_title: "No attempts match these filters",
            }
            rows=Callback::new(|list: LoginAttemptList| {
                let now = list.now;
                list.attempts.into_iter().map(|attempt| view! { <AttemptRow attempt now/> }.into_any()).collect()
            })
        />
    }
}

#[component]
fn AttemptRow(attempt: LoginAttempt, now: i64) -> impl IntoView {
    let (tone, label) = if attempt.success { (Tone::Success, "Success") } else { (Tone::Danger, "Failed") };
    view! {
        <tr>
            <td><Timestamp at=Some(attempt.at) now=now/></td>
            <td class="cell-truncate" title=attempt.email.clone()>{attempt.email.clone()}</td>
            <td class="cell-mono" title=attempt.user_agent>{attempt.ip_address}</td>
            <td><Badge tone=tone label=label/></td>
            <td>{match (attempt.reason, attempt.repeats) {
                (Some(reason), n) if n > 1 => format!("{reason} (×{n})"),
                (Some(reason), _) => reason,
                (None, _) => "—".into(),
            }}</td>
        </tr>
    }
}
