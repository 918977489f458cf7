//! Toasts: a short message after an action ("Ada Lovelace was deactivated."), announced by
//! screen readers through a polite live region, dismissed after a few seconds or by hand.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<(u64, String)>>,
    next: StoredValue<u64>,
}

const SHOWN_FOR: Duration = Duration::from_secs(6);

impl Toasts {
    /// Makes the toaster available to every page under the layout.
    pub fn provide() -> Toasts {
        let toasts = Toasts { items: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
        provide_context(toasts);
        toasts
    }

    pub fn show(&self, message: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|items| items.push((id, message.into())));
        let items = self.items;
        set_timeout(move || items.update(|items| items.retain(|(i, _)| *i != id)), SHOWN_FOR);
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|(i, _)| *i != id));
    }
}

/// The live region the toasts appear in; always in the page, so that it is announced.
#[component]
pub fn ToastRegion(toasts: Toasts) -> impl IntoView {
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|(id, _)| *id let:item>
                <div class="toast">
                    <span>{item.1.clone()}</span>
                    <button type="button" class="toast-close" aria-label="Dismiss" on:click=move |_| toasts.dismiss(item.0)>
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
