//! The data table every list uses: sticky header, one caption-like label for screen readers.

use leptos::prelude::*;

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

/// The single row shown when a list is empty: what is missing and what to do.
#[component]
pub fn EmptyRow(columns: usize, title: &'static str, hint: &'static str) -> impl IntoView {
    view! {
        <tr class="empty-row">
            <td colspan=columns.to_string()>
                <p class="empty-title">{title}</p>
                <p class="empty-hint">{hint}</p>
            </td>
        </tr>
    }
}
