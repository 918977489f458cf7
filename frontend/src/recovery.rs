//! What the page does when the client panics, instead of dying silently.
//!
//! On wasm a panic aborts the module: every button of the page stops answering. The commonest
//! cause is a deploy: an open tab asks for a page's chunk (`/pkg/…`) that the new version has
//! replaced, the load fails, and Leptos 0.8 panics (its fallible chunk loader is only on the
//! 0.9 branch). So a failed chunk reloads the page once, which fetches the new version; if the
//! reloaded page fails again within a minute, or anything else panics, the page says so with a
//! Reload link rather than reloading in a loop. Nothing here calls back into the WASM: after
//! the hook returns the module is gone, and a plain link still works.

use wasm_bindgen::JsCast;

/// What `wasm_split`'s loader panics with when a chunk does not load (it is checked by the
/// browser test that deletes a chunk under an open page, so a new wording cannot pass unseen).
const CHUNK_FAILED: &str = "load callback should succeed";
/// When this tab last reloaded itself, in `sessionStorage` (milliseconds since the epoch).
const RELOADED_AT: &str = "roster-reloaded-at";
const LOOP_WINDOW_MS: f64 = 60_000.0;

pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let chunk_failed = info.to_string().contains(CHUNK_FAILED);
        if !(chunk_failed && reload_once()) {
            show_notice(if chunk_failed { Notice::NewVersion } else { Notice::Broken });
        }
    }));
}

enum Notice {
    NewVersion,
    Broken,
}

/// Reloads unless this tab already did within the window (or cannot remember that it did).
fn reload_once() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let Ok(Some(storage)) = window.session_storage() else { return false };
    let now = js_sys::Date::now();
    let last = storage.get_item(RELOADED_AT).ok().flatten().and_then(|t| t.parse::<f64>().ok());
    if last.is_some_and(|last| now - last < LOOP_WINDOW_MS) {
        return false;
    }
    storage.set_item(RELOADED_AT, &now.to_string()).is_ok() && window.location().reload().is_ok()
}

fn show_notice(notice: Notice) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(body) = document.body() else { return };
    let text = match notice {
        Notice::NewVersion => {
            "Roster could not load part of this page, perhaps because a new version was just installed. \
             Reload the page to continue; if this keeps happening, tell your administrator."
        }
        Notice::Broken => "Something went wrong on this page and it stopped responding. Reload the page to continue.",
    };
    let Ok(notice) = document.create_element("div") else { return };
    notice.set_class_name("app-failure");
    let _ = notice.set_attribute("role", "alert");
    if let Ok(paragraph) = document.create_element("p") {
        paragraph.set_text_content(Some(text));
        let _ = notice.append_child(&paragraph);
    }
    if let Ok(link) = document.create_element("a") {
        link.set_class_name("button button-primary");
        let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_else(|| "/".to_owned());
        let _ = link.set_attribute("href", &href);
        link.set_text_content(Some("Reload"));
        let _ = notice.append_child(&link);
    }
    let _ = body.prepend_with_node_1(&notice);
    // Keyboard users land on Reload, the one thing the page can still do.
    if let Some(link) = notice.last_element_child().and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = link.focus();
    }
}
