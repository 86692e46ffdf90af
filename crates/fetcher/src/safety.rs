//! Which addresses the fetcher may connect to. Feeds and pages come from the public web; a feed
//! that points at (or redirects to, or resolves to) a private, loopback or link-local address is
//! refused, so that a feed list — or a publisher, through an item link or a redirect — cannot make
//! the fetcher probe the network it runs in.
//!
//! Two ways through, both explicit:
//! - per feed ([`FeedAccess`]): the feed's own host and port ([`Origin`]) may be loopback or
//!   private; every other non-public address stays refused for that feed's links and redirects;
//!   link-local and cloud metadata addresses only when named one by one;
//! - globally ([`AddressPolicy`]): an operator override for every feed at once, logged when on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// What kind of address an IP is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressClass {
    /// Routable on the internet.
    Public,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918, carrier-grade NAT (`100.64.0.0/10`), benchmarking (`198.18.0.0/15`), IPv6 unique
    /// local (`fc00::/7`).
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// A cloud metadata service ([`METADATA_ADDRESSES`]): instance credentials live there.
    Metadata,
    /// Unspecified, broadcast, multicast and reserved ranges: never fetched.
    Reserved,
}

impl AddressClass {
    /// Name used in metric labels and refusal reasons.
    pub fn label(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link_local",
            AddressClass::Metadata => "metadata",
            AddressClass::Reserved => "reserved",
        }
    }
}

/// Addresses of cloud metadata services (AWS, GCP, Azure, OpenStack, DigitalOcean: 169.254.169.254;
/// AWS ECS task metadata: 169.254.170.2; AWS over IPv6: fd00:ec2::254; Alibaba Cloud:
/// 100.100.100.200; Oracle Cloud's legacy address: 192.0.0.192). Some sit in ranges that would
/// otherwise count as private, so they are a class of their own: a feed allowed private addresses
/// still cannot reach them.
pub const METADATA_ADDRESSES: &[IpAddr] = &[
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)),
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)),
    IpAddr::V4(Ipv4Addr::new(192, 0, 0, 192)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
];

/// The address a connection to `ip` reaches: the IPv4 address inside an IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`) or NAT64
/// (`64:ff9b::a.b.c.d`, `64:ff9b:1::/48`) address, else `ip` itself.
pub fn effective(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else { return ip };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return IpAddr::V4(v4);
    }
    let seg = v6.segments();
    let tail = || {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    };
    let compatible = seg[..6] == [0; 6] && !v6.is_unspecified() && !v6.is_loopback();
    let translated = seg[..6] == [0, 0, 0, 0, 0xffff, 0];
    let nat64 = seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || seg[..3] == [0x64, 0xff9b, 1];
    if compatible || translated || nat64 {
        tail()
    } else {
        ip
    }
}

/// Classify an IP address (by the address a connection to it reaches, see [`effective`]).
pub fn classify(ip: IpAddr) -> AddressClass {
    let ip = effective(ip);
    if METADATA_ADDRESSES.contains(&ip) {
        return AddressClass::Metadata;
    }
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if v6.is_loopback() {
                AddressClass::Loopback
            } else if v6.is_unspecified() || seg[0] & 0xff00 == 0xff00 {
                AddressClass::Reserved
            } else if seg[0] & 0xffc0 == 0xfe80 {
                AddressClass::LinkLocal
            } else if seg[0] & 0xfe00 == 0xfc00 {
                AddressClass::Private
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
    } else if ip.is_private()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
    {
        AddressClass::Private
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if o[0] == 0
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] >= 240
        || (o[0], o[1], o[2]) == (192, 0, 0)
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The global switches: which non-public addresses *every* feed, link and redirect may reach. Off
/// by default and in every shipped config; a feed on an internal host gets a [`FeedAccess`]
/// instead. Link-local and metadata addresses are never allowed by these switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressPolicy {
    /// Public addresses only (the default).
    #[default]
    PublicOnly,
    /// Loopback addresses too (`fetcher.allow_loopback`).
    Loopback,
    /// Private and loopback addresses too (`fetcher.allow_private_addresses`, or a feed's
    /// `allow_private` on its own origin); link-local and metadata addresses still refused.
    Private,
}

impl AddressPolicy {
    /// The policy of the two config switches; the private one implies loopback.
    pub fn from_switches(allow_loopback: bool, allow_private: bool) -> Self {
        match (allow_loopback, allow_private) {
            (_, true) => AddressPolicy::Private,
            (true, false) => AddressPolicy::Loopback,
            (false, false) => AddressPolicy::PublicOnly,
        }
    }

    /// True when more than public addresses are allowed.
    pub fn is_override(&self) -> bool {
        *self != AddressPolicy::PublicOnly
    }

    /// True when the fetcher may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.check_ip(ip, &[]).is_ok()
    }

    /// Check one address; `named` are link-local or metadata addresses explicitly allowed.
    pub fn check_ip(&self, ip: IpAddr, named: &[IpAddr]) -> Result<(), Refused> {
        let class = classify(ip);
        let ok = match class {
            AddressClass::Public => true,
            AddressClass::Loopback => self.is_override(),
            AddressClass::Private => *self == AddressPolicy::Private,
            // Named by the address a connection reaches, so `::ffff:169.254.169.254` matches a
            // named 169.254.169.254 and nothing else does.
            AddressClass::LinkLocal | AddressClass::Metadata => {
                named.iter().any(|n| effective(*n) == effective(ip))
            }
            AddressClass::Reserved => false,
        };
        if ok {
            Ok(())
        } else {
            let what = match class {
                AddressClass::Metadata => "a cloud metadata address".to_string(),
                c => c.label().replace('_', "-"),
            };
            Err(Refused {
                kind: Refusal::Address(class),
                reason: format!("address {ip} is {what}"),
            })
        }
    }

    /// Check a URL before connecting: the scheme, and the host when it is a literal IP (names are
    /// checked after resolution by [`GuardedResolver`]). The URL parser has already turned
    /// decimal, hex and octal IPv4 forms (`http://2852039166/`) into addresses.
    pub fn check_url(&self, url: &url::Url) -> Result<(), Refused> {
        self.check_url_named(url, &[])
    }

    /// [`AddressPolicy::check_url`] with link-local or metadata addresses explicitly allowed.
    pub fn check_url_named(&self, url: &url::Url, named: &[IpAddr]) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused {
                kind: Refusal::Scheme,
                reason: format!("scheme {:?} is not fetched", url.scheme()),
            });
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => {
                return Err(Refused {
                    kind: Refusal::Scheme,
                    reason: "url has no host".into(),
                })
            }
        };
        self.check_ip(ip, named)
    }
}

/// What a feed may reach beyond the public internet, on its own host only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FeedAccess {
    /// The feed's own host and port ([`Origin`]) may be a loopback or private address (for the
    /// feed, its article pages and redirects among them).
    pub allow_private: bool,
    /// Link-local or cloud metadata addresses the feed's own host may resolve to, one by one.
    pub allow_link_local: Vec<IpAddr>,
}

impl FeedAccess {
    /// True when the feed has no allowance (the global policy alone applies).
    pub fn is_none(&self) -> bool {
        !self.allow_private && self.allow_link_local.is_empty()
    }
}

/// A host and port: what a feed's allowance is bound to. Hosts compare as the URL parser
/// normalises them (lower-case names, IPv4 in dotted form); `localhost` and `127.0.0.1` are two
/// hosts, and so are `http://h/` and `https://h/` (ports 80 and 443).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    host: url::Host<String>,
    port: u16,
}

impl Origin {
    /// The origin of a URL, if it has a host and a known port.
    pub fn of(url: &url::Url) -> Option<Origin> {
        Some(Origin {
            host: url.host()?.to_owned(),
            port: url.port_or_known_default()?,
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    /// Not `http`/`https`, or no host.
    Scheme,
    /// The address (literal or resolved) is of a class the policy refuses.
    Address(AddressClass),
}

impl Refusal {
    /// Every refusal that can happen.
    pub const ALL: [Refusal; 6] = [
        Refusal::Scheme,
        Refusal::Address(AddressClass::Loopback),
        Refusal::Address(AddressClass::Private),
        Refusal::Address(AddressClass::LinkLocal),
        Refusal::Address(AddressClass::Metadata),
        Refusal::Address(AddressClass::Reserved),
    ];

    /// Name used in the `reason` label of `newsflow_fetcher_refused_total`.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Scheme => "scheme",
            Refusal::Address(c) => c.label(),
        }
    }
}

/// A connection refused by the address policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused: {reason}")]
pub struct Refused {
    /// What was refused.
    pub kind: Refusal,
    /// Why, naming the address.
    pub reason: String,
}

/// A DNS resolver that drops addresses the policy refuses, so that a public name resolving to a
/// private address is refused too. The connector connects to exactly the addresses returned here,
/// so nothing can change between the check and the connection (no second lookup to rebind).
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// The policy applied to every resolved address.
    pub policy: AddressPolicy,
    /// Link-local or metadata addresses allowed by name.
    pub named: Arc<[IpAddr]>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (policy, named) = (self.policy, self.named.clone());
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut first_refusal = None;
            let mut allowed = Vec::new();
            for a in &addrs {
                match policy.check_ip(a.ip(), &named) {
                    Ok(()) => allowed.push(*a),
                    Err(r) => {
                        first_refusal.get_or_insert(r);
                    }
                }
            }
            if allowed.is_empty() {
                let (kind, why) = match first_refusal {
                    Some(r) => (r.kind, r.reason),
                    None => (
                        Refusal::Address(AddressClass::Reserved),
                        "no address".into(),
                    ),
                };
                let err: Box<dyn std::error::Error + Send + Sync> = Box::new(Refused {
                    kind,
                    reason: format!(
                        "{host} resolves only to refused addresses {:?} ({why})",
                        addrs.iter().map(|a| a.ip()).collect::<Vec<_>>()
                    ),
                });
                return Err(err);
            }
            let it: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(it)
        })
    }
}

/// The policy refusal in `err` (or one of its sources), if any.
pub fn find_refusal<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r);
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn u(s: &str) -> url::Url {
        url::Url::parse(s).expect("url")
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
        assert_eq!(classify(ip("198.18.0.1")), AddressClass::Private);
        assert_eq!(classify(ip("169.254.1.1")), AddressClass::LinkLocal);
        assert_eq!(classify(ip("0.0.0.0")), AddressClass::Reserved);
        assert_eq!(classify(ip("224.0.0.1")), AddressClass::Reserved);
        assert_eq!(classify(ip("192.0.0.8")), AddressClass::Reserved);
        assert_eq!(classify(ip("::1")), AddressClass::Loopback);
        assert_eq!(classify(ip("::")), AddressClass::Reserved);
        assert_eq!(classify(ip("fe80::1")), AddressClass::LinkLocal);
        assert_eq!(classify(ip("fd00::1")), AddressClass::Private);
        assert_eq!(classify(ip("::ffff:127.0.0.1")), AddressClass::Loopback);
        assert_eq!(classify(ip("::ffff:10.0.0.1")), AddressClass::Private);
        assert_eq!(classify(ip("2606:4700::1111")), AddressClass::Public);
    }

    #[test]
    fn metadata_addresses_in_every_spelling() {
        for s in [
            "169.254.169.254",
            "169.254.170.2",
            "100.100.100.200",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "::ffff:a9fe:a9fe",
            "::169.254.169.254",
            "::ffff:0:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a9fe:a9fe",
        ] {
            assert_eq!(classify(ip(s)), AddressClass::Metadata, "{s}");
        }
        // Neighbours of metadata addresses keep their range's class.
        assert_eq!(classify(ip("fd00:ec2::253")), AddressClass::Private);
        assert_eq!(classify(ip("169.254.169.253")), AddressClass::LinkLocal);
        // Decimal, hex, octal and shortened IPv4 in URLs are parsed to the same address.
        let strict = AddressPolicy::default();
        for s in [
            "http://2852039166/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://0xA9.0xFE.0xA9.0xFE/",
            "http://0251.0376.0251.0376/",
            "http://0251.254.43518/",
            "http://169.254.43518/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[fd00:ec2::254]/",
            "http://[FD00:EC2:0:0:0:0:0:254]/",
        ] {
            let r = strict.check_url(&u(s)).expect_err(s);
            assert_eq!(r.kind, Refusal::Address(AddressClass::Metadata), "{s}");
            // Not even the global switches let them through.
            let r = AddressPolicy::Private.check_url(&u(s)).expect_err(s);
            assert_eq!(r.kind.label(), "metadata", "{s}: {r}");
        }
        for s in ["http://2130706433/", "http://0x7f000001/", "http://0177.1/"] {
            let r = strict.check_url(&u(s)).expect_err(s);
            assert_eq!(r.kind, Refusal::Address(AddressClass::Loopback), "{s}");
        }
    }

    #[test]
    fn link_local_and_metadata_only_when_named() {
        let all = AddressPolicy::Private;
        assert!(all.check_ip(ip("169.254.169.254"), &[]).is_err());
        assert!(all.check_ip(ip("fe80::1"), &[]).is_err());
        let named = [ip("169.254.169.254")];
        assert!(all.check_ip(ip("169.254.169.254"), &named).is_ok());
        assert!(all.check_ip(ip("::ffff:169.254.169.254"), &named).is_ok());
        // Naming one address allows that one only.
        assert!(all.check_ip(ip("fd00:ec2::254"), &named).is_err());
        assert!(all.check_ip(ip("169.254.1.1"), &named).is_err());
        // Naming does not open other classes.
        let strict = AddressPolicy::default();
        assert!(strict.check_ip(ip("127.0.0.1"), &named).is_err());
        assert!(strict.check_ip(ip("0.0.0.0"), &[ip("0.0.0.0")]).is_err());
    }

    #[test]
    fn policy_allows_only_what_the_config_says() {
        let strict = AddressPolicy::default();
        assert!(strict.allows(ip("8.8.8.8")));
        assert!(!strict.allows(ip("127.0.0.1")));
        assert!(!strict.allows(ip("169.254.169.254")));
        let loopback = AddressPolicy::Loopback;
        assert!(loopback.allows(ip("127.0.0.1")));
        assert!(!loopback.allows(ip("192.168.0.1")));
        assert!(AddressPolicy::Private.allows(ip("192.168.0.1")));
        assert!(!AddressPolicy::Private.allows(ip("0.0.0.0")));
        assert!(!AddressPolicy::Private.allows(ip("169.254.1.1")));
    }

    #[test]
    fn literal_ip_urls_are_checked() {
        let strict = AddressPolicy::default();
        assert!(strict.check_url(&u("http://127.0.0.1:8080/feed")).is_err());
        assert!(strict.check_url(&u("http://[::1]/feed")).is_err());
        assert!(strict.check_url(&u("http://10.0.0.1/")).is_err());
        assert!(strict.check_url(&u("https://example.com/feed")).is_ok());
        let r = strict
            .check_url(&u("file:///etc/passwd"))
            .expect_err("file");
        assert_eq!(r.kind.label(), "scheme");
    }

    #[test]
    fn origins_are_host_and_port() {
        let o = |s: &str| Origin::of(&u(s)).expect("origin");
        assert_eq!(
            o("http://127.0.0.1:8089/feed.xml"),
            o("http://127.0.0.1:8089/a/b")
        );
        assert_eq!(o("http://Demo-Feed:80/x"), o("http://demo-feed/y"));
        assert_ne!(o("http://127.0.0.1:8089/"), o("http://127.0.0.2:8089/"));
        assert_ne!(o("http://127.0.0.1:8089/"), o("http://127.0.0.1:8090/"));
        assert_ne!(o("http://h/"), o("https://h/"));
        assert_ne!(o("http://localhost:8089/"), o("http://127.0.0.1:8089/"));
        // The parser's IPv4 forms name the same host.
        assert_eq!(o("http://2130706433:8089/"), o("http://127.0.0.1:8089/"));
        assert_eq!(o("http://[::1]:8089/").to_string(), "[::1]:8089");
    }
}
