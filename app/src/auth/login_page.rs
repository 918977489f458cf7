//! The sign-in page. A plain form that works before (and without) the WASM; once hydrated it
//! submits in place and shows messages beside the fields.

use crate::auth::api::{login_options, Login};
use crate::auth::types::SignInProblem;
use crate::error::AppError;
use crate::ui::field::TextField;
use crate::ui::auth_card::AuthCard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let options = Resource::new(|| (), |_| login_options());
    let query = use_query_map();
    let error = move || login.value().get().and_then(Result::err);
    // Without WASM a failed sign-in comes back as /login?error=…; an ended session as
    // /login?session=ended.
    let general = move || match error() {
        Some(AppError::Validation(_)) => None,
        Some(err) => Some(err.to_string()),
        None => {
            let q = query.read();
            SignInProblem::from_query(q.get_str("error"), q.get_str("session")).map(|p| p.message().to_owned())
        }
    };
    let field = move |name: &'static str| move || error().and_then(|e| e.field_message(name));

    view! {
        <Title text="Sign in · Roster"/>
        <AuthCard>
            <h1>"Sign in"</h1>
            <p class="page-description">"Manage the people in your organization."</p>
            <ActionForm action=login attr:class="form" attr:novalidate="">
                {move || general().map(|message| view! { <div class="notice notice-error" role="alert">{message}</div> })}
                <TextField name="email" label="Email" kind="email" autocomplete="username" required=true error=Signal::derive(field("email"))/>
                <TextField name="password" label="Password" kind="password" autocomplete="current-password" required=true error=Signal::derive(field("password"))/>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        options.await.ok().filter(|o| o.ask_organization).map(|_| view! {
                            <TextField name="organization" label="Organization" autocomplete="organization" required=true
                                error=Signal::derive(|| None::<String>)/>
                        })
                    })}
                </Suspense>
                <button type="submit" class="button button-primary button-block" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </AuthCard>
    }
}
