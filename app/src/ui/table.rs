//! What every list table shares: the row that says the list is empty, and what to do.

use leptos::prelude::*;
use leptos_router::components::A;

/// The single row shown when a list is empty: what is missing and what to do, with a
/// **Clear filters** link when filters emptied it.
#[component]
pub fn EmptyRow(
    columns: usize,
    title: &'static str,
    hint: &'static str,
    /// The list without its filters.
    #[prop(default = None)]
    clear_href: Option<String>,
) -> impl IntoView {
    let clear = clear_href.map(|href| view! { <p><A href=href attr:class="button">"Clear filters"</A></p> });
    view! {
        <tr class="empty-row">
            <td colspan=columns.to_string()>
                <p class="empty-title">{title}</p>
                <p class="empty-hint">{hint}</p>
                {clear}
            </td>
        </tr>
    }
}
