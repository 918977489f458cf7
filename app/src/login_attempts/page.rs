//! The Login Attempts page: the sign-in log, newest first.

use crate::login_attempts::api::list_login_attempts;
use crate::login_attempts::types::LoginAttempt;
use crate::ui::badge::{Badge, Tone};
use crate::ui::load::{LoadError, SkeletonRows};
use crate::ui::page_header::PageHeader;
use crate::ui::table::{DataTable, EmptyRow};
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
        <Suspense fallback=|| view! { <DataTable label="Login attempts" columns=COLUMNS><SkeletonRows columns=COLUMNS.len()/></DataTable> }>
            {move || Suspend::new(async move {
                match attempts.await {
                    Ok(list) => {
                        let now = list.now;
                        view! {
                            <DataTable label="Login attempts" columns=COLUMNS>
                                {if list.attempts.is_empty() {
                                    view! { <EmptyRow columns=COLUMNS.len() title="No sign-in attempts yet" hint="Attempts appear here as people sign in."/> }.into_any()
                                } else {
                                    list.attempts.into_iter().map(|a| view! { <AttemptRow attempt=a now=now/> }).collect_view().into_any()
                                }}
                            </DataTable>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
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
