//! The top of every page: title, one-line description, and the page's primary action.

use leptos::prelude::*;

#[component]
pub fn PageHeader(
    title: &'static str,
    description: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <div>
                <h1>{title}</h1>
                <p class="page-description">{description}</p>
            </div>
            <div class="page-actions">{children.map(|c| c())}</div>
        </header>
    }
}
