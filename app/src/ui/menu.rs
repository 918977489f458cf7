//! The ⋮ actions menu of a row, after the WAI-ARIA menu-button pattern: Enter, Space or the
//! arrow keys open it on the first (or, with ArrowUp, the last) item; arrows, Home and End
//! move; Enter chooses; Escape closes it and returns focus to the button; Tab or a click
//! elsewhere closes it.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// One entry of an [`ActionsMenu`].
#[derive(Clone)]
pub struct MenuItem {
    pub label: &'static str,
    /// Drawn in the danger colour (Delete).
    pub danger: bool,
    pub on_select: Callback<()>,
}

fn items(menu: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let Ok(list) = menu.query_selector_all("[role=menuitem]") else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok()).collect()
}

#[component]
pub fn ActionsMenu(
    /// The button's accessible name, e.g. "Actions for Ada Lovelace".
    label: String,
    /// Unique in the page.
    id: String,
    entries: Vec<MenuItem>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Ul>::new();
    let menu_id = format!("{id}-menu");

    let focus_item = move |index: isize| {
        let Some(menu) = menu.get_untracked() else { return };
        let list = items(&menu);
        if list.is_empty() {
            return;
        }
        let len = list.len() as isize;
        let _ = list[index.rem_euclid(len) as usize].focus();
    };
    let current = move || -> isize {
        let Some(menu) = menu.get_untracked() else { return 0 };
        let active = document().active_element();
        items(&menu).iter().position(|i| Some(i.unchecked_ref::<web_sys::Element>()) == active.as_ref()).map_or(0, |p| p as isize)
    };
    let open_at = move |index: isize| {
        open.set(true);
        // The list is shown by the next render; focus once it is visible.
        request_animation_frame(move || focus_item(index));
    };
    let close = move |refocus: bool| {
        open.set(false);
        if refocus {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };

    let on_button_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" | "Enter" | " " => {
            ev.prevent_default();
            open_at(0);
        }
        "ArrowUp" => {
            ev.prevent_default();
            open_at(-1);
        }
        _ => {}
    };
    let on_menu_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            focus_item(current() + 1);
        }
        "ArrowUp" => {
            ev.prevent_default();
            focus_item(current() - 1);
        }
        "Home" => {
            ev.prevent_default();
            focus_item(0);
        }
        "End" => {
            ev.prevent_default();
            focus_item(-1);
        }
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            close(true);
        }
        "Tab" => close(false),
        _ => {}
    };
    // Focus leaving the whole menu (a click elsewhere, Tab) closes it, if it is open. The
    // browser also sends focusout when the focused button leaves the page (an item navigated
    // away): setting the signal then, even to the value it has, would wake the menu's render
    // effects after the page has disposed of them; hence the check, and `try_`.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let target = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let within = |node: Option<web_sys::HtmlElement>| node.zip(target.as_ref()).is_some_and(|(node, target)| node.contains(Some(target)));
        let inside = within(menu.try_get_untracked().flatten().map(Into::into)) || within(button.try_get_untracked().flatten().map(Into::into));
        if !inside && open.try_get_untracked() == Some(true) {
            open.try_set(false);
        }
    };

    view! {
        <div class="actions-menu" on:focusout=on_focus_out on:click=|ev| ev.stop_propagation()>
            <button
                type="button"
                class="icon-button"
                node_ref=button
                id=id
                aria-label=label.clone()
                aria-haspopup="menu"
                aria-controls=menu_id.clone()
                aria-expanded=move || open.get().to_string()
                on:click=move |_| if open.get_untracked() { close(false) } else { open_at(0) }
                on:keydown=on_button_key
            >
                <span aria-hidden="true">"⋮"</span>
            </button>
            <ul class="menu" role="menu" id=menu_id aria-label=label node_ref=menu hidden=move || !open.get() on:keydown=on_menu_key>
                {entries
                    .into_iter()
                    .map(|entry| {
                        let on_select = entry.on_select;
                        view! {
                            <li role="none">
                                <button
                                    type="button"
                                    role="menuitem"
                                    tabindex="-1"
                                    class="menu-item"
                                    class:menu-item-danger=entry.danger
                                    on:click=move |_| {
                                        // Focus goes back to the button first, so that a dialog
                                        // the item opens returns it there when it closes.
                                        close(true);
                                        on_select.run(());
                                    }
                                >
                                    {entry.label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
