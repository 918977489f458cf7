//! The data table every list uses: sticky header, one caption-like label for screen readers.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn DataTable(label: &'static str, columns: &'static [&'static str], children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=label>
            <table class="data-table" aria-label=label>
                <thead>
                    <tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

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
