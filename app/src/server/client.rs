//! Where a request comes from, as sessions and login attempts record it.

use super::state::Settings;
use http::request::Parts;
use leptos::prelude::use_context;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

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
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let ip = peer.map(|peer| client_ip(peer, forwarded, &settings.trusted_proxies));
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(512)
            .collect();
        ClientInfo { ip_address: ip.map_or_else(|| "unknown".into(), |ip| ip.to_string()), user_agent }
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

/// The client's address: the socket's peer, unless the peer is a trusted proxy; then the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Each proxy appends
/// the address it received from, so entries to the left of the first untrusted one were
/// written by the client and prove nothing; the left-most, which some read, is whatever the
/// client liked. A malformed entry ends the walk at the last address known to be true.
///
/// An IPv4 client of a dual-stack (`[::]`) listener arrives as `::ffff:a.b.c.d`: it is read as
/// the IPv4 address it is, before the trusted proxies (IPv4 CIDRs, mostly) are consulted.
pub fn client_ip<'a>(peer: IpAddr, forwarded: impl DoubleEndedIterator<Item = &'a str>, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = forwarded.flat_map(|header| header.split(',')).collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        match parse_forwarded(entry) {
            Some(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The key a per-address limit counts `ip_address` under: the address itself for IPv4, its
/// /64 network for IPv6, since one host or home is routinely handed a whole /64 and could
/// otherwise take a fresh budget from each of its 2^64 addresses.
pub fn throttle_key(ip_address: &str) -> String {
    match ip_address.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip_address.to_owned(),
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port (`[::1]:80`, `10.0.0.1:80`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
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

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn an_ipv4_peer_of_a_dual_stack_listener_is_read_as_ipv4_before_the_proxy_check() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap_or_default()];
        // A trusted proxy reaching a `[::]` listener over IPv4.
        assert_eq!(client_ip(ip("::ffff:10.0.0.2"), ["198.51.100.4"].into_iter(), &trusted), ip("198.51.100.4"));
        assert_eq!(client_ip(ip("::ffff:203.0.113.9"), ["1.2.3.4"].into_iter(), &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_and_ipv4_ones_by_their_address() {
        assert_eq!(throttle_key("2001:db8:1:2:aaaa::1"), throttle_key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(throttle_key("2001:db8:1:2::1"), throttle_key("2001:db8:1:3::1"));
        assert_eq!(throttle_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(throttle_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(throttle_key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(throttle_key("unknown"), "unknown");
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap_or_default()];
        // A client talking to us directly writes what it likes: ignored.
        assert_eq!(client_ip(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &[]), ip("203.0.113.9"));
        // Through our proxy: the right-most entry that is not a proxy of ours.
        assert_eq!(client_ip(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.4, 10.0.0.3"].into_iter(), &trusted), ip("198.51.100.4"));
        // Over several headers, the last header's entries come last.
        assert_eq!(client_ip(ip("10.0.0.2"), ["6.6.6.6", "198.51.100.4:5123"].into_iter(), &trusted), ip("198.51.100.4"));
        // A proxy that sent no header, or garbage: the last address known to be true.
        assert_eq!(client_ip(ip("10.0.0.2"), std::iter::empty(), &trusted), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.2"), ["6.6.6.6, nonsense"].into_iter(), &trusted), ip("10.0.0.2"));
    }
}
