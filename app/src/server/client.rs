//! Where a request comes from, as sessions and login attempts record it.

use super::state::Settings;
use http::request::Parts;
use leptos::prelude::use_context;
use std::net::SocketAddr;

/// The client's address and user agent.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip_address: String,
    pub user_agent: String,
}

impl ClientInfo {
    /// The client of the request being answered.
    pub fn of_request(settings: &Settings) -> ClientInfo {
        match use_context::<Parts>() {
            Some(parts) => ClientInfo::from_parts(settings, &parts),
            None => ClientInfo::default(),
        }
    }

    pub fn from_parts(settings: &Settings, parts: &Parts) -> ClientInfo {
        let forwarded = settings
            .trust_proxy_headers
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|ip| ip.trim().to_owned())
            .filter(|ip| !ip.is_empty());
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string());
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(512)
            .collect();
        ClientInfo { ip_address: forwarded.or(peer).unwrap_or_else(|| "unknown".into()), user_agent }
    }

    /// Browser and operating system, for the Device column of Sessions.
    pub fn device(&self) -> String {
        let Some(ua) = woothee::parser::Parser::new().parse(&self.user_agent) else {
            return "Unknown device".into();
        };
        let known = |v: &str| v != woothee::woothee::VALUE_UNKNOWN && !v.is_empty();
        match (known(ua.name), known(ua.os)) {
            (false, false) => "Unknown device".into(),
            (true, false) => ua.name.to_owned(),
            (false, true) => format!("Unknown browser on {}", ua.os),
            (true, true) => format!("{} on {}", ua.name, ua.os),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_browser_and_os() {
        let client = ClientInfo {
            ip_address: "127.0.0.1".into(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36".into(),
        };
        assert_eq!(client.device(), "Chrome on Linux");
        assert_eq!(ClientInfo::default().device(), "Unknown device");
    }
}
