//! Where webhooks may go. A tenant admin names the URL, so the server must
//! not become their way into the operator's network (SSRF): addresses on
//! loopback, private, shared, link-local (cloud metadata) and other
//! special ranges are refused, unless the operator allows a network in
//! the configuration. A host name is checked on the addresses it resolves
//! to, at the moment of connecting (the resolver below), so a name that
//! resolves elsewhere later (DNS rebinding) or a redirect gains nothing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use url::Url;

pub use crate::domain::network::Network;

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("only http and https URLs are delivered to")]
    Scheme,
    #[error(
        "a URL with a user name or password is not accepted; send credentials in the path or rely on the signature"
    )]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} is a loopback, private, link-local or otherwise internal address")]
    Internal(IpAddr),
}

/// The operator's rule for webhook targets.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub allow: Arc<Vec<Network>>,
}

impl Policy {
    pub fn new(allow: Vec<Network>) -> Self {
        Self {
            allow: Arc::new(allow),
        }
    }

    /// May a request go to `ip`?
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        if self.allow.iter().any(|n| n.contains(ip)) || is_public(ip) {
            Ok(())
        } else {
            Err(Refused::Internal(ip))
        }
    }

    /// What can be said of `url` before resolving it: scheme, no
    /// credentials, a host, and a literal address checked.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::Credentials);
        }
        match url.host() {
            None => Err(Refused::NoHost),
            Some(url::Host::Ipv4(a)) => self.check_ip(IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => self.check_ip(IpAddr::V6(a)),
            Some(url::Host::Domain(_)) => Ok(()),
        }
    }

    /// Resolves `host` and keeps the addresses allowed; an error when
    /// none is (the connection is then never opened).
    pub async fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
        let allowed: Vec<SocketAddr> = found
            .iter()
            .copied()
            .filter(|a| self.check_ip(a.ip()).is_ok())
            .collect();
        if allowed.is_empty() {
            let why = match found.first() {
                Some(a) => Refused::Internal(a.ip()).to_string(),
                None => format!("{host} resolves to no address"),
            };
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                why,
            ));
        }
        Ok(allowed)
    }
}

/// Is `ip` an ordinary public unicast address?
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => {
            // Addresses that carry an IPv4 address are judged by it.
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = a.segments();
            // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_public_v4(Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                ));
            }
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || a.is_unique_local()
                || a.is_unicast_link_local()
                // IPv4-compatible (deprecated) ::a.b.c.d, 6to4 and documentation.
                || (s[0..6] == [0, 0, 0, 0, 0, 0])
                || s[0] == 0x2002
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                // Site-local (deprecated).
                || (s[0] & 0xffc0) == 0xfec0)
        }
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    !(a.is_private()
        || a.is_loopback()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o[0] == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        // IETF protocol assignments, 192.0.0.0/24.
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        // Benchmarking, 198.18.0.0/15.
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        // Reserved, 240.0.0.0/4.
        || o[0] >= 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_and_public_ones_pass() {
        let p = Policy::default();
        for bad in [
            "127.0.0.1",
            "127.9.9.9",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
        ] {
            assert!(p.check_ip(ip(bad)).is_err(), "{bad} must be refused");
        }
        for good in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(p.check_ip(ip(good)).is_ok(), "{good} must pass");
        }
    }

    #[test]
    fn the_operator_may_allow_a_network() {
        let p = Policy::new(vec![Network::parse("127.0.0.1").unwrap()]);
        assert!(p.check_ip(ip("127.0.0.1")).is_ok());
        assert!(p.check_ip(ip("127.0.0.2")).is_err());
        let p = Policy::new(vec![Network::parse("10.0.0.0/8").unwrap()]);
        assert!(p.check_ip(ip("10.200.1.1")).is_ok());
        assert!(p.check_ip(ip("11.0.0.1")).is_ok());
        assert!(p.check_ip(ip("192.168.0.1")).is_err());
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("nope").is_none());
        assert!(Network::parse("::/0").is_some());
    }

    #[test]
    fn urls_are_checked_before_resolving() {
        let p = Policy::default();
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(p.check_url(&u("ftp://example.com/")), Err(Refused::Scheme));
        assert_eq!(
            p.check_url(&u("https://a:b@example.com/")),
            Err(Refused::Credentials)
        );
        assert!(p.check_url(&u("http://169.254.169.254/latest")).is_err());
        assert!(p.check_url(&u("http://[::1]:8080/")).is_err());
        assert!(p.check_url(&u("https://hooks.example.com/x")).is_ok());
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        let p = Policy::default();
        let e = p.resolve("localhost", 80).await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
    }
}
