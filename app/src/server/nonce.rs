//! Hands the nonce of a page's inline scripts to the layer that writes its
//! `Content-Security-Policy` header.
//!
//! leptos_axum draws a fresh nonce for every render and puts it on each inline script it writes
//! (the hydration bootstrap, streamed resources, out-of-order chunks, the dev live-reload
//! script). The policy must name that very nonce, and the security-headers layer, which knows
//! the rest of the policy, sees only the request and the finished response. So the layer puts
//! an empty [`NonceSlot`] in the request's extensions and the shell [`publish`]es the render's
//! nonce into it; leptos_axum renders the shell before it answers, so the slot is filled by the
//! time the response reaches the layer.

use leptos::prelude::use_context;
use std::sync::{Arc, OnceLock};

/// Where the page's nonce lands; cloning shares it.
#[derive(Clone, Default)]
pub struct NonceSlot(Arc<OnceLock<String>>);

impl NonceSlot {
    /// The nonce the render used, if this response was rendered by Leptos.
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// Called by the shell during server rendering: the render's nonce into the request's slot.
pub fn publish() {
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let slot = use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<NonceSlot>().cloned());
    if let Some(slot) = slot {
        let _ = slot.0.set(nonce.to_string());
    }
}
