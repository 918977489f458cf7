//! The Login Attempts page: the sign-in log, newest first.

use crate::login_attempts::api::list_login_attempts;
use crate::login_attempts::types::{LoginAttempt, LoginAttemptList};
use crate::ui::badge::{Badge, Tone};
use crate::ui::loaded_table::LoadedTable;
use crate::ui::page_header::PageHeader;
use crate::ui::time::Timestamp;
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[&str] = &["Timestamp", "Email", "IP Address", "Status", "Reason"];

#[component]
pub fn LoginAttemptsPage() -> impl IntoView {
    let attempts = Resource::new(|| (), |_| list_login_attempts());
    view! {
        <Title text="Login Attempts · Roster"/>
        <PageHeader title="Login Attempts" description="Every sign-in to your organization, successful or not."/>
        <LoadedTable
            label="Login attempts"
            columns=COLUMNS
            data=attempts
            empty_title="No sign-in attempts yet"
            empty_hint="Attempts appear here as people sign in."
            rows=|list: LoginAttemptList| {
                let now = list.now;
                list.attempts.into_iter().map(|attempt| view! { <AttemptRow attempt=attempt now=now/> }.into_any()).collect()
            }
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
            <td>{attempt.reason.unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}
