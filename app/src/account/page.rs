//! Your account (`/account`): who you are here, and **Change password**.

use crate::account::api::{change_password, my_account};
use crate::account::types::PasswordChange;
use crate::error::AppError;
use crate::ui::badge::{Badge, Tone};
use crate::ui::field::{TextField, PASSWORD_HINT};
use crate::ui::load::{go_to_sign_in, LoadError};
use crate::ui::page_header::PageHeader;
use crate::ui::toast::Toasts;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());
    view! {
        <Title text="Your account · Roster"/>
        <PageHeader title="Your account" description="Your details in this organization, and your password."/>
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
        <ChangePassword/>
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
