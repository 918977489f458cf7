//! Previous and Next of a keyset list: links (so they work before the WASM and can be opened
//! in a new tab), or disabled buttons at either end; nothing when there is one page.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Pager(
    /// The previous page's URL; `None` on the first page.
    prev: Option<String>,
    /// The next page's URL; `None` on the last page.
    next: Option<String>,
) -> impl IntoView {
    let page_link = |href: Option<String>, label: &'static str, rel: &'static str| match href {
        Some(href) => view! { <A href=href attr:class="button" attr:rel=rel>{label}</A> }.into_any(),
        None => view! { <span class="button" aria-disabled="true">{label}</span> }.into_any(),
    };
    (prev.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                <p class="pager-count"></p>
                <div class="pager-links">
                    {page_link(prev, "Previous", "prev")}
                    {page_link(next, "Next", "next")}
                </div>
            </nav>
        }
    })
}
