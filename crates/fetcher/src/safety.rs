//! Which addresses the fetcher may connect to. Feeds and pages come from the public web; a feed
//! that points at (or redirects to, or resolves to) a private, loopback or link-local address is
//! refused unless the config allows it, so that a feed list cannot be used to probe the network the
//! fetcher runs in.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// What kind of address an IP is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Routable on the internet.
    Public,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918, carrier-grade NAT (`100.64.0.0/10`), IPv6 unique local (`fc00::/7`).
    Private,
    /// `169.254.0.0/16`, `fe80::/10` (cloud metadata services live here).
    LinkLocal,
    /// Unspecified, broadcast, multicast and reserved ranges: never fetched.
    Reserved,
}

/// Classify an IP address.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                AddressClass::Loopback
            } else if v6.is_unspecified() || seg[0] & 0xff00 == 0xff00 {
                AddressClass::Reserved
            } else if seg[0] & 0xffc0 == 0xfe80 {
                AddressClass::LinkLocal
            } else if seg[0] & 0xfe00 == 0xfc00 {
                AddressClass::Private
            } else if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                // NAT64: judge the embedded IPv4 address.
                let [a, b] = seg[6].to_be_bytes();
                let [c, d] = seg[7].to_be_bytes();
                classify_v4(Ipv4Addr::new(a, b, c, d))
            } else {
                AddressClass::Public
            }
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let o = ip.octets();
    if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_private() || (o[0] == 100 && (o[1] & 0xc0) == 64) {
        AddressClass::Private
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if o[0] == 0 || ip.is_broadcast() || ip.is_multicast() || o[0] >= 240 {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// Which non-public addresses the config allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressPolicy {
    /// Allow loopback addresses (local test servers, the demo feed).
    pub allow_loopback: bool,
    /// Allow private, link-local and loopback addresses (feeds inside a private network).
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Everything allowed (tests, trusted networks).
    pub const ALLOW_ALL: AddressPolicy = AddressPolicy {
        allow_loopback: true,
        allow_private: true,
    };

    /// True when the fetcher may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        match classify(ip) {
            AddressClass::Public => true,
            AddressClass::Loopback => self.allow_loopback || self.allow_private,
            AddressClass::Private | AddressClass::LinkLocal => self.allow_private,
            AddressClass::Reserved => false,
        }
    }

    /// Check a URL before connecting: the scheme, and the host when it is a literal IP (names are
    /// checked after resolution by [`GuardedResolver`]).
    pub fn check_url(&self, url: &url::Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused(format!("scheme {:?} is not fetched", url.scheme())));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(Refused("url has no host".into())),
        };
        self.check_ip(ip)
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        if self.allows(ip) {
            Ok(())
        } else {
            Err(Refused(format!(
                "address {ip} is {:?} and not allowed by fetcher.allow_private_addresses / allow_loopback",
                classify(ip)
            )))
        }
    }
}

/// A connection refused by the address policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused: {0}")]
pub struct Refused(pub String);

/// A DNS resolver that drops addresses the policy refuses, so that a public name resolving to a
/// private address is refused too.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// The policy applied to every resolved address.
    pub policy: AddressPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = filter_addrs(&policy, &addrs);
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = Box::new(Refused(format!(
                    "{host} resolves only to refused addresses {:?}",
                    addrs.iter().map(|a| a.ip()).collect::<Vec<_>>()
                )));
                return Err(err);
            }
            let it: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(it)
        })
    }
}

/// The addresses the policy allows, in their original order.
pub fn filter_addrs(policy: &AddressPolicy, addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    addrs
        .iter()
        .copied()
        .filter(|a| policy.allows(a.ip()))
        .collect()
}

/// True when `err` (or one of its sources) is a policy refusal.
pub fn is_refusal(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<Refused>().is_some() {
            return true;
        }
        cur = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn classifies_the_ranges_that_matter() {
        assert_eq!(classify(ip("93.184.216.34")), AddressClass::Public);
        assert_eq!(classify(ip("127.0.0.1")), AddressClass::Loopback);
        assert_eq!(classify(ip("127.5.6.7")), AddressClass::Loopback);
        assert_eq!(classify(ip("10.1.2.3")), AddressClass::Private);
        assert_eq!(classify(ip("172.16.0.1")), AddressClass::Private);
        assert_eq!(classify(ip("172.32.0.1")), AddressClass::Public);
        assert_eq!(classify(ip("192.168.1.1")), AddressClass::Private);
        assert_eq!(classify(ip("100.64.0.1")), AddressClass::Private);
        assert_eq!(classify(ip("169.254.169.254")), AddressClass::LinkLocal);
        assert_eq!(classify(ip("0.0.0.0")), AddressClass::Reserved);
        assert_eq!(classify(ip("224.0.0.1")), AddressClass::Reserved);
        assert_eq!(classify(ip("::1")), AddressClass::Loopback);
        assert_eq!(classify(ip("fe80::1")), AddressClass::LinkLocal);
        assert_eq!(classify(ip("fd00::1")), AddressClass::Private);
        assert_eq!(classify(ip("::ffff:127.0.0.1")), AddressClass::Loopback);
        assert_eq!(classify(ip("::ffff:10.0.0.1")), AddressClass::Private);
        assert_eq!(classify(ip("64:ff9b::a9fe:a9fe")), AddressClass::LinkLocal);
        assert_eq!(classify(ip("2606:4700::1111")), AddressClass::Public);
    }

    #[test]
    fn policy_allows_only_what_the_config_says() {
        let strict = AddressPolicy::default();
        assert!(strict.allows(ip("8.8.8.8")));
        assert!(!strict.allows(ip("127.0.0.1")));
        assert!(!strict.allows(ip("169.254.169.254")));
        let loopback = AddressPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        assert!(loopback.allows(ip("127.0.0.1")));
        assert!(!loopback.allows(ip("192.168.0.1")));
        assert!(AddressPolicy::ALLOW_ALL.allows(ip("192.168.0.1")));
        assert!(!AddressPolicy::ALLOW_ALL.allows(ip("0.0.0.0")));
    }

    #[test]
    fn literal_ip_urls_are_checked() {
        let strict = AddressPolicy::default();
        let u = |s: &str| url::Url::parse(s).expect("url");
        assert!(strict.check_url(&u("http://127.0.0.1:8080/feed")).is_err());
        assert!(strict.check_url(&u("http://[::1]/feed")).is_err());
        assert!(strict.check_url(&u("http://10.0.0.1/")).is_err());
        assert!(strict.check_url(&u("https://example.com/feed")).is_ok());
        assert!(strict.check_url(&u("file:///etc/passwd")).is_err());
        let sa = |s: &str| s.parse::<SocketAddr>().expect("sa");
        assert_eq!(
            filter_addrs(&strict, &[sa("127.0.0.1:0"), sa("93.184.216.34:0")]),
            vec![sa("93.184.216.34:0")]
        );
    }
}
