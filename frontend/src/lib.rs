//! The browser half of Roster: take over the server-rendered page.

mod recovery;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    recovery::install_panic_hook();
    // What `leptos::mount::hydrate_lazy` does, plus a mark when it is done. Pages are chunks of
    // their own (`cargo leptos build --split`), so hydration is asynchronous: it waits for the
    // current page's chunk, which the HTML already preloads. Only then does every button of
    // the page answer, and only then is the document marked `data-hydrated` (browser tests
    // and the hydration benchmark wait for it).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else { return };
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
