//! IPv4 address arithmetic the engine needs: CIDR blocks, protocol and port ranges.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;

/// An IPv4 CIDR block such as `10.0.1.0/24`, always truncated to its network address; the
/// arithmetic is `ipnet`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ipv4Cidr(Ipv4Net);

impl Ipv4Cidr {
    pub const ANY: Ipv4Cidr = Ipv4Cidr::network(Ipv4Addr::UNSPECIFIED, 0);

    /// `addr/prefix_len`, truncated to its network; `prefix_len` is at most 32.
    fn new(addr: Ipv4Addr, prefix_len: u8) -> Self {
        Ipv4Cidr(Ipv4Net::new_assert(addr, prefix_len).trunc())
    }

    /// A block given by its network address (a constant: nothing to truncate).
    const fn network(addr: Ipv4Addr, prefix_len: u8) -> Self {
        Ipv4Cidr(Ipv4Net::new_assert(addr, prefix_len))
    }

    pub fn host(addr: Ipv4Addr) -> Self {
        Ipv4Cidr::new(addr, 32)
    }

    pub fn prefix_len(&self) -> u8 {
        self.0.prefix_len()
    }

    /// Every address of `other` lies inside `self`.
    pub fn contains(&self, other: &Ipv4Cidr) -> bool {
        self.0.contains(&other.0)
    }

    pub fn contains_addr(&self, addr: Ipv4Addr) -> bool {
        self.0.contains(&addr)
    }

    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.0.network() <= other.0.broadcast() && other.0.network() <= self.0.broadcast()
    }

    /// The block's `n`th address from its network address, used to name the VPC resolver
    /// (`base + 2`).
    pub fn nth_address(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.0.network()).wrapping_add(n))
    }

    /// True when the block is private (RFC 1918), shared (RFC 6598) or link-local space.
    pub fn is_non_public(&self) -> bool {
        NON_PUBLIC_SPACE.iter().any(|space| space.contains(self))
    }
}

const NON_PUBLIC_SPACE: [Ipv4Cidr; 5] = [
    Ipv4Cidr::network(Ipv4Addr::new(10, 0, 0, 0), 8),
    Ipv4Cidr::network(Ipv4Addr::new(172, 16, 0, 0), 12),
    Ipv4Cidr::network(Ipv4Addr::new(192, 168, 0, 0), 16),
    Ipv4Cidr::network(Ipv4Addr::new(100, 64, 0, 0), 10),
    Ipv4Cidr::network(Ipv4Addr::new(169, 254, 0, 0), 16),
];

impl FromStr for Ipv4Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (addr, len) = match text.split_once('/') {
            Some((addr, len)) => (addr, len),
            None => (text, "32"),
        };
        let addr: Ipv4Addr = addr
            .parse()
            .map_err(|_| format!("`{text}` is not an IPv4 CIDR block"))?;
        let prefix_len: u8 = len
            .parse()
            .ok()
            .filter(|len| *len <= 32)
            .ok_or_else(|| format!("`{text}` has an invalid prefix length"))?;
        Ok(Ipv4Cidr::new(addr, prefix_len))
    }
}

/// Octet by octet: `Ipv4Addr`'s own `Display` pads through a buffer and dominated the engine's
/// profile, where every hop's evidence names addresses.
fn write_address(f: &mut fmt::Formatter<'_>, address: u32) -> fmt::Result {
    let [a, b, c, d] = address.to_be_bytes();
    write!(f, "{a}.{b}.{c}.{d}")
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_address(f, u32::from(self.0.network()))?;
        write!(f, "/{}", self.0.prefix_len())
    }
}

/// Which way a security group rule or a network ACL entry applies: the API's `Egress` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    /// The direction of an entry whose API `Egress` flag is `egress`.
    pub fn of_egress_flag(egress: bool) -> Self {
        if egress {
            Direction::Egress
        } else {
            Direction::Ingress
        }
    }

    pub fn is_egress(self) -> bool {
        self == Direction::Egress
    }

    /// "outbound" or "inbound", as the console names a network ACL's rules.
    pub fn console_name(self) -> &'static str {
        match self {
            Direction::Egress => "outbound",
            Direction::Ingress => "inbound",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.console_name())
    }
}

/// The set of addresses a flow talks to, as far as the engine knows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressSet {
    /// Known addresses: an ENI's /32, a subnet's block, a prefix list entry.
    Block(Ipv4Cidr),
    /// "Some public address of an AWS service", when the exact address cannot be known offline.
    Public,
    /// "Some public IPv6 address": a dual-stack host's AAAA records, from the global unicast
    /// range `2000::/3`. IPv4 rules never match it; IPv6 rules (`::/0`, `2000::/3`) do.
    PublicIpv6,
}

/// The IPv6 global unicast range, where every public IPv6 address lies (RFC 4291, 2.4).
fn global_unicast() -> ipnet::Ipv6Net {
    ipnet::Ipv6Net::new(std::net::Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3)
        .expect("a /3 is a valid prefix")
}

impl AddressSet {
    /// A rule naming `cidr` covers every address of this set.
    pub fn covered_by(&self, cidr: &Ipv4Cidr) -> bool {
        match self {
            AddressSet::Block(block) => cidr.contains(block),
            AddressSet::Public => cidr.prefix_len() == 0,
            AddressSet::PublicIpv6 => false,
        }
    }

    /// A rule naming `cidr` may cover some address of this set.
    pub fn touched_by(&self, cidr: &Ipv4Cidr) -> bool {
        match self {
            AddressSet::Block(block) => cidr.overlaps(block),
            AddressSet::Public => !cidr.is_non_public(),
            AddressSet::PublicIpv6 => false,
        }
    }

    /// Whether the set is of IPv6 addresses (matched by IPv6 rules only).
    pub fn is_ipv6(&self) -> bool {
        matches!(self, AddressSet::PublicIpv6)
    }

    /// A rule naming the IPv6 block `net` covers every address of this set.
    pub fn covered_by_ipv6(&self, net: &ipnet::Ipv6Net) -> bool {
        self.is_ipv6() && net.trunc().contains(&global_unicast())
    }

    /// A rule naming the IPv6 block `net` may cover some address of this set.
    pub fn touched_by_ipv6(&self, net: &ipnet::Ipv6Net) -> bool {
        let net = net.trunc();
        self.is_ipv6() && (net.contains(&global_unicast()) || global_unicast().contains(&net))
    }
}

impl fmt::Display for AddressSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressSet::Block(block) if block.prefix_len() == 32 => {
                write_address(f, u32::from(block.0.network()))
            }
            AddressSet::Block(block) => write!(f, "{block}"),
            AddressSet::Public => f.write_str("public addresses"),
            AddressSet::PublicIpv6 => f.write_str("public IPv6 addresses"),
        }
    }
}

/// An IP protocol as security groups and network ACLs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Other(u8),
}

impl Protocol {
    pub fn includes(&self, wanted: Protocol) -> bool {
        *self == Protocol::All || *self == wanted
    }

    /// The value AWS CLI commands and Terraform expect.
    pub fn aws_name(&self) -> String {
        match self {
            Protocol::All => "-1".into(),
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Icmp => "icmp".into(),
            Protocol::Other(number) => number.to_string(),
        }
    }
}

impl FromStr for Protocol {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "6" | "tcp" => Protocol::Tcp,
            "17" | "udp" => Protocol::Udp,
            "1" | "icmp" => Protocol::Icmp,
            other => Protocol::Other(
                other
                    .parse()
                    .map_err(|_| format!("`{text}` is not an IP protocol"))?,
            ),
        })
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::All => f.write_str("all"),
            other => f.write_str(&other.aws_name()),
        }
    }
}

/// An inclusive port range.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange {
        from: 0,
        to: u16::MAX,
    };
    pub const HTTPS: PortRange = PortRange { from: 443, to: 443 };
    /// The Linux ephemeral range Fargate and the ECS-optimised AMIs use for client sockets.
    pub const LINUX_EPHEMERAL: PortRange = PortRange {
        from: 32768,
        to: 60999,
    };

    pub fn contains(&self, other: &PortRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }

    pub fn intersection(&self, other: &PortRange) -> Option<PortRange> {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        (from <= to).then_some(PortRange { from, to })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Ipv4Cidr {
        text.parse().unwrap()
    }

    #[test]
    fn containment_and_overlap() {
        assert!(cidr("10.0.0.0/16").contains(&cidr("10.0.1.0/24")));
        assert!(!cidr("10.0.1.0/24").contains(&cidr("10.0.0.0/16")));
        assert!(cidr("10.0.1.0/24").overlaps(&cidr("10.0.0.0/16")));
        assert!(!cidr("10.0.1.0/24").overlaps(&cidr("10.0.2.0/24")));
        assert!(Ipv4Cidr::ANY.contains(&cidr("52.216.0.0/15")));
        assert_eq!(cidr("10.0.1.7/24").to_string(), "10.0.1.0/24");
        assert_eq!(cidr("10.0.1.7").prefix_len(), 32);
    }

    #[test]
    fn rejects_malformed_blocks() {
        for bad in ["", "10.0.0/8", "10.0.0.0/33", "x/8", "10.0.0.0/-1", "::/0"] {
            assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn public_set_is_covered_only_by_the_whole_space() {
        assert!(AddressSet::Public.covered_by(&Ipv4Cidr::ANY));
        assert!(!AddressSet::Public.covered_by(&cidr("52.0.0.0/8")));
        assert!(AddressSet::Public.touched_by(&cidr("52.0.0.0/8")));
        assert!(!AddressSet::Public.touched_by(&cidr("10.0.0.0/8")));
        let v6 = |text: &str| text.parse::<ipnet::Ipv6Net>().unwrap();
        assert!(AddressSet::PublicIpv6.covered_by_ipv6(&v6("::/0")));
        assert!(AddressSet::PublicIpv6.covered_by_ipv6(&v6("2000::/3")));
        assert!(!AddressSet::PublicIpv6.covered_by_ipv6(&v6("2600:1f18::/36")));
        assert!(AddressSet::PublicIpv6.touched_by_ipv6(&v6("2600:1f18::/36")));
        assert!(!AddressSet::PublicIpv6.touched_by_ipv6(&v6("fd00::/8")));
        assert!(!AddressSet::PublicIpv6.covered_by(&Ipv4Cidr::ANY));
        assert!(!AddressSet::Public.covered_by_ipv6(&v6("::/0")));
    }

    #[test]
    fn protocols_parse_aws_spellings() {
        assert_eq!("-1".parse::<Protocol>().unwrap(), Protocol::All);
        assert_eq!("6".parse::<Protocol>().unwrap(), Protocol::Tcp);
        assert_eq!("TCP".parse::<Protocol>().unwrap(), Protocol::Tcp);
        assert_eq!("50".parse::<Protocol>().unwrap(), Protocol::Other(50));
        assert!("bogus".parse::<Protocol>().is_err());
    }

    #[test]
    fn port_ranges() {
        assert!(PortRange::ALL.contains(&PortRange::HTTPS));
        assert_eq!(
            PortRange {
                from: 1024,
                to: 40000
            }
            .intersection(&PortRange::LINUX_EPHEMERAL),
            Some(PortRange {
                from: 32768,
                to: 40000
            })
        );
        assert_eq!(
            PortRange::HTTPS.intersection(&PortRange::LINUX_EPHEMERAL),
            None
        );
    }
}
