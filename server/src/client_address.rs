//! The client's address: the connection's peer, or, when that peer is one of the configured
//! `TRUSTED_PROXIES`, the address the proxies say they received the request from
//! (`X-Forwarded-For`, read from the right, skipping the trusted proxies themselves). A header
//! from anyone else is ignored: a client cannot choose its own address.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// One trusted proxy address or network (`10.0.0.0/8`, `::1`, `192.168.1.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(text: &str) -> Result<Network, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or network"))?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?} has a prefix length that is not 0 to {bits}"))?,
        };
        Ok(Network { address, prefix })
    }

    fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address seen through an IPv6 socket is read as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// A comma-separated list of addresses and networks; empty trusts no proxy.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(Network::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(address))
    }

    /// The client's address given the connection's peer and the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>().map(canonical) else {
                // Whatever a client wrote before the proxies cannot be believed.
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// The client's address for this request ("unknown" when the server was not given the
/// connection, as in in-process tests).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| {
                    state
                        .trusted_proxies
                        .client(info.0.ip(), &parts.headers)
                        .to_string()
                })
                .unwrap_or_else(|| "unknown".to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("header"),
            );
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), &headers(&["198.51.100.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_address_it_received_from() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").expect("list");
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers(&["198.51.100.1"])),
            ip("198.51.100.1")
        );
        // A client writing its own header gets its real address, one hop before the proxy.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers(&["1.1.1.1, 198.51.100.1"])),
            ip("198.51.100.1")
        );
        // Chained trusted proxies are skipped.
        assert_eq!(
            proxies.client(ip("::1"), &headers(&["198.51.100.1", "10.0.0.5"])),
            ip("198.51.100.1")
        );
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers(&["nonsense"])),
            ip("10.1.2.3")
        );
        // An untrusted peer's header means nothing.
        assert_eq!(
            proxies.client(ip("192.0.2.1"), &headers(&["10.0.0.1"])),
            ip("192.0.2.1")
        );
        // IPv4 through an IPv6 socket.
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), &headers(&["198.51.100.2"])),
            ip("198.51.100.2")
        );
    }

    #[test]
    fn the_list_is_checked() {
        assert!(TrustedProxies::parse("").expect("empty").0.is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
        assert!(TrustedProxies::parse("0.0.0.0/0").is_ok());
        let all = TrustedProxies::parse("0.0.0.0/0").expect("all");
        assert!(all.trusts(ip("8.8.8.8")));
    }
}
