//! Your account (`/account`): who you are here, and **Change password**.

use crate::account::api::{change_password, my_account, my_sessions, sign_out_other_sessions, sign_out_session};
use crate::account::types::PasswordChange;
use crate::error::AppError;
use crate::ui::badge::{Badge, Tone};
use crate::ui::field::{TextField, PASSWORD_HINT};
use crate::ui::load::{go_to_sign_in, LoadError};
use crate::ui::page_header::PageHeader;
use crate::ui::time::Timestamp;
use crate::ui::toast::Toasts;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());
    view! {
        <Title text="Your account · Roster"/>
        <PageHeader title="Your account" description="Your details in this organization, where you're signed in, and your password."/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(me) => view! {
                        <section class="panel" aria-labelledby="details-title">
                            <h2 id="details-title" class="panel-title">"Details"</h2>
                            <dl class="details">
                                <dt>"Name"</dt><dd>{me.name}</dd>
                                <dt>"Email"</dt><dd>{me.email}</dd>
                                <dt>"Organization"</dt><dd>{me.organization}</dd>
                                <dt>"Roles"</dt>
                                <dd><span class="badge-list">{me.roles.into_iter().map(|r| view! { <Badge tone=Tone::Outline label=r/> }).collect_view()}</span></dd>
                            </dl>
                        </section>
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
        <YourSessions/>
        <ChangePassword/>
    }
}

/// Where you are signed in: **Sign out** per session, **Sign out everywhere else**.
#[component]
fn YourSessions() -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    let sessions = Resource::new(|| (), |_| my_sessions());
    let sign_out = Action::new(move |id: &String| {
        let id = id.clone();
        async move { sign_out_session(id).await }
    });
    let others = Action::new(move |(): &()| sign_out_other_sessions());
    Effect::new(move |_| match sign_out.value().get() {
        Some(Ok(true)) => go_to_sign_in(),
        Some(Ok(false)) => {
            toasts.show("That session was signed out.".to_owned());
            sessions.refetch();
        }
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(error)) => toasts.show(error.to_string()),
        None => {}
    });
    Effect::new(move |_| match others.value().get() {
        Some(Ok(n)) => {
            toasts.show(match n {
                0 => "You were not signed in anywhere else.".to_owned(),
                1 => "Signed out of 1 other session.".to_owned(),
                n => format!("Signed out of {n} other sessions."),
            });
            sessions.refetch();
        }
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(error)) => toasts.show(error.to_string()),
        None => {}
    });
    view! {
        <section class="panel" aria-labelledby="sessions-title">
            <h2 id="sessions-title" class="panel-title">"Where you're signed in"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            let now = list.now;
                            let has_others = list.sessions.iter().any(|s| !s.current);
                            view! {
                                <ul class="session-list">
                                    {list.sessions.into_iter().map(|s| {
                                        let id = s.id.clone();
                                        let label = format!("Sign out of {} ({})", s.device, s.ip_address);
                                        view! {
                                            <li class="session-item">
                                                <span>
                                                    <strong>{s.device.clone()}</strong>
                                                    {s.current.then(|| view! { " " <Badge tone=Tone::Outline label="This device"/> })}
                                                    <span class="cell-sub">{s.ip_address.clone()} " · active " <Timestamp at=Some(s.last_active_at) now/></span>
                                                </span>
                                                <button type="button" class="button button-small" aria-label=label
                                                    disabled=move || sign_out.pending().get()
                                                    on:click=move |_| { sign_out.dispatch(id.clone()); }>
                                                    "Sign out"
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {has_others.then(|| view! {
                                    <button type="button" class="button" disabled=move || others.pending().get()
                                        on:click=move |_| { others.dispatch(()); }>
                                        "Sign out everywhere else"
                                    </button>
                                })}
                            }
                            .into_any()
                        }
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let toasts = expect_context::<Toasts>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let save = Action::new(move |change: &PasswordChange| {
        let change = change.clone();
        async move { change_password(change).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(ended)) => {
            current.set(String::new());
            new.set(String::new());
            let others = match ended {
                0 => String::new(),
                1 => " Your one other session was signed out.".into(),
                n => format!(" Your {n} other sessions were signed out."),
            };
            toasts.show(format!("Password changed.{others}"));
        }
        Some(Err(AppError::Unauthenticated)) => go_to_sign_in(),
        Some(Err(AppError::Validation(_))) | None => {}
        Some(Err(error)) => problem.set(Some(error.to_string())),
    });
    let field = move |f: &'static str| {
        Signal::derive(move || match save.value().get() {
            Some(Err(e)) => e.field_message(f),
            _ => None,
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        save.dispatch(PasswordChange { current_password: current.get_untracked(), new_password: new.get_untracked() });
    };
    view! {
        <section class="panel" aria-labelledby="password-title">
            <h2 id="password-title" class="panel-title">"Change password"</h2>
            <p class="muted">"Changing your password signs you out everywhere else."</p>
            <form class="form narrow-form" method="post" novalidate on:submit=on_submit>
                {move || problem.get().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
                <TextField name="current_password" label="Current password" kind="password" autocomplete="current-password" required=true value=current error=field("current_password")/>
                <TextField name="new_password" label="New password" kind="password" autocomplete="new-password" required=true value=new error=field("new_password") hint=PASSWORD_HINT/>
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}
