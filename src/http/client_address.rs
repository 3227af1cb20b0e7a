//! Who is on the other end of a request: the socket's peer, or, when the
//! peer is one of the configured reverse proxies, the address the proxies
//! say they forwarded for. Only the part of the forwarding chain that
//! trusted proxies added is believed: walking it from the right, the first
//! address that is not a trusted proxy is the client.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;

/// The client's address as text ("unknown" without a peer).
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let chain = forwarded_for(headers);
    chain
        .iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .or(chain.first())
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// The addresses of `Forwarded: for=` (RFC 7239) or, without it,
/// `X-Forwarded-For`, left to right; what does not parse is skipped.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let forwarded: Vec<IpAddr> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .flat_map(|hop| hop.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            k.eq_ignore_ascii_case("for").then(|| parse_node(v))?
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(parse_node)
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:443"`, `192.0.2.1:8080`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.5");
        let xff = headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.9")]);
        // Not behind a trusted proxy: the header is anyone's to forge.
        assert_eq!(
            client_address(Some(ip("198.51.100.1")), &xff, &[proxy]),
            "198.51.100.1"
        );
        // Behind one: the last hop the proxies did not add.
        assert_eq!(client_address(Some(proxy), &xff, &[proxy]), "10.0.0.9");
        let both = [proxy, ip("10.0.0.9")];
        assert_eq!(client_address(Some(proxy), &xff, &both), "203.0.113.7");
        // A client that prepends a forged address does not get it believed.
        let forged = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        assert_eq!(
            client_address(Some(proxy), &forged, &[proxy]),
            "203.0.113.7"
        );
        let std = headers(&[(
            "forwarded",
            "for=\"[2001:db8::1]:443\";proto=https, for=10.0.0.9",
        )]);
        assert_eq!(client_address(Some(proxy), &std, &[proxy]), "10.0.0.9");
        assert_eq!(client_address(Some(proxy), &std, &both), "2001:db8::1");
        assert_eq!(client_address(None, &xff, &[proxy]), "unknown");
    }
}
