//! The rule-matching primitives every check shares: security groups, network ACLs, routes.

use super::Index;
use crate::net::{AddressSet, Direction, Ipv4Cidr, PortRange, Protocol};
use crate::snapshot::{
    NaclEntry, NetworkAcl, Peer, Route, RouteDestination, RouteTable, RuleAction, SecurityGroup,
    SgRule,
};

/// The far side of a connection as a security group rule can name it.
#[derive(Debug, Clone, Default)]
pub struct PeerSpec<'x> {
    /// Every address that must be allowed (each may be matched by a different rule).
    pub addresses: Vec<AddressSet>,
    /// Security groups the peer carries (a rule referencing one of them matches).
    pub groups: &'x [String],
    /// The prefix list the destination belongs to (a rule referencing it matches).
    pub prefix_list: Option<&'x str>,
}

/// The rules (group, rule) that together allow `protocol`/`ports` to every address of the peer,
/// or `None` when some address is not allowed by any rule of any group.
pub fn sg_allows<'a>(
    index: &Index<'a>,
    groups: &[&'a SecurityGroup],
    direction: Direction,
    peer: &PeerSpec,
    protocol: Protocol,
    ports: &PortRange,
) -> Option<Vec<(&'a SecurityGroup, &'a SgRule)>> {
    let rules: Vec<(&'a SecurityGroup, &'a SgRule)> = groups
        .iter()
        .flat_map(|group| {
            let rules = if direction.is_egress() {
                &group.egress
            } else {
                &group.ingress
            };
            rules.iter().map(move |rule| (*group, rule))
        })
        .filter(|(_, rule)| rule.allows(protocol, ports))
        .collect();
    if let Some(whole) = rules.iter().find(|(_, rule)| match &rule.peer {
        Peer::SecurityGroup(id) => peer.groups.contains(id),
        Peer::PrefixList(id) => Some(id.as_str()) == peer.prefix_list,
        _ => false,
    }) {
        return Some(vec![*whole]);
    }
    let mut matched = Vec::new();
    for address in &peer.addresses {
        let rule = *rules.iter().find(|(_, rule)| match &rule.peer {
            Peer::Cidr(cidr) => address.covered_by(cidr),
            Peer::Ipv6(text) => text
                .parse::<ipnet::Ipv6Net>()
                .is_ok_and(|net| address.covered_by_ipv6(&net)),
            Peer::PrefixList(id) => index
                .prefix_list_cidrs(id)
                .is_some_and(|cidrs| cidrs.iter().any(|cidr| address.covered_by(cidr))),
            _ => false,
        })?;
        if !matched.contains(&rule) {
            matched.push(rule);
        }
    }
    (!matched.is_empty()).then_some(matched)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NaclDecision {
    /// Every port allowed; the rule numbers that allowed them.
    Allowed(Vec<u16>),
    /// Some port denied by this rule (`None`: the implicit `*` deny at the end).
    Denied {
        rule: Option<u16>,
        ports: PortRange,
        partial: bool,
    },
}

/// Evaluates a network ACL the way AWS does: lowest rule number first, first match decides,
/// implicit deny at the end. Every port of `ports` must be allowed for every peer address.
pub fn nacl_decision(
    acl: &NetworkAcl,
    direction: Direction,
    peer: &AddressSet,
    protocol: Protocol,
    ports: PortRange,
) -> NaclDecision {
    let mut entries: Vec<&NaclEntry> = acl
        .entries
        .iter()
        .filter(|entry| Direction::of_egress_flag(entry.egress) == direction)
        .collect();
    entries.sort_by_key(|entry| entry.rule_number);
    let mut undecided = vec![ports];
    let mut allowed_by = Vec::new();
    for entry in entries {
        // An IPv4 entry judges IPv4 peers, an IPv6 entry (`ipv6_cidr`) IPv6 peers.
        let (covers, touches) = match (peer.is_ipv6(), entry.cidr, &entry.ipv6_cidr) {
            (false, Some(cidr), _) => (peer.covered_by(&cidr), peer.touched_by(&cidr)),
            (true, _, Some(text)) => match text.parse::<ipnet::Ipv6Net>() {
                Ok(net) => (peer.covered_by_ipv6(&net), peer.touched_by_ipv6(&net)),
                Err(_) => continue,
            },
            _ => continue,
        };
        if !entry.protocol.includes(protocol) {
            continue;
        }
        let entry_ports = if entry.protocol == Protocol::All {
            PortRange::ALL
        } else {
            entry.port_range.unwrap_or(PortRange::ALL)
        };
        let hit = undecided
            .iter()
            .find_map(|range| range.intersection(&entry_ports));
        let Some(hit) = hit else { continue };
        match entry.action {
            RuleAction::Deny if covers || touches => {
                return NaclDecision::Denied {
                    rule: Some(entry.rule_number),
                    ports: hit,
                    partial: !covers,
                };
            }
            RuleAction::Allow if covers => {
                undecided = undecided
                    .iter()
                    .flat_map(|range| subtract(*range, entry_ports))
                    .collect();
                allowed_by.push(entry.rule_number);
                if undecided.is_empty() {
                    return NaclDecision::Allowed(allowed_by);
                }
            }
            _ => {}
        }
    }
    NaclDecision::Denied {
        rule: None,
        ports: undecided[0],
        partial: false,
    }
}

fn subtract(range: PortRange, cut: PortRange) -> Vec<PortRange> {
    let Some(overlap) = range.intersection(&cut) else {
        return vec![range];
    };
    let mut rest = Vec::new();
    if overlap.from > range.from {
        rest.push(PortRange {
            from: range.from,
            to: overlap.from - 1,
        });
    }
    if overlap.to < range.to {
        rest.push(PortRange {
            from: overlap.to + 1,
            to: range.to,
        });
    }
    rest
}

/// Longest-prefix match of `block` in the table; prefix-list routes count as their CIDRs.
pub fn route_for<'a>(index: &Index, table: &'a RouteTable, block: &Ipv4Cidr) -> Option<&'a Route> {
    table
        .routes
        .iter()
        .filter_map(|route| {
            let length = match &route.destination {
                RouteDestination::Cidr(cidr) => cidr.contains(block).then_some(cidr.prefix_len()),
                RouteDestination::PrefixList(id) => index
                    .prefix_list_cidrs(id)?
                    .iter()
                    .filter(|cidr| cidr.contains(block))
                    .map(Ipv4Cidr::prefix_len)
                    .max(),
                RouteDestination::Ipv6(_) => None,
            }?;
            Some((length, route))
        })
        .max_by_key(|(length, _)| *length)
        .map(|(_, route)| route)
}

/// The IPv6 route of the table that carries traffic to `peer` (public IPv6 addresses): the
/// longest IPv6 destination that covers them (`::/0`, `2000::/3`).
pub fn route_for_ipv6<'a>(table: &'a RouteTable, peer: &AddressSet) -> Option<&'a Route> {
    table
        .routes
        .iter()
        .filter_map(|route| {
            let RouteDestination::Ipv6(text) = &route.destination else {
                return None;
            };
            let net: ipnet::Ipv6Net = text.parse().ok()?;
            peer.covered_by_ipv6(&net)
                .then_some((net.prefix_len(), route))
        })
        .max_by_key(|(length, _)| *length)
        .map(|(_, route)| route)
}

/// The route of the table that carries NAT64 traffic: the one for `64:ff9b::/96`, the prefix
/// DNS64 synthesises IPv4-only names into, when it goes to a NAT gateway.
pub fn nat64_route(table: &RouteTable) -> Option<&Route> {
    let prefix: ipnet::Ipv6Net = "64:ff9b::/96".parse().expect("a valid prefix");
    table.routes.iter().find(|route| {
        matches!(&route.destination, RouteDestination::Ipv6(text)
            if text.parse::<ipnet::Ipv6Net>().is_ok_and(|net| net.trunc().contains(&prefix)))
            && route.state != crate::snapshot::RouteState::Blackhole
            && route.target_kind() == crate::snapshot::RouteTargetKind::NatGateway
    })
}

/// The route that carries traffic to an arbitrary public address: the default route.
pub fn route_for_public<'a>(index: &Index, table: &'a RouteTable) -> Option<&'a Route> {
    route_for(index, table, &Ipv4Cidr::ANY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        rule_number: u16,
        egress: bool,
        action: RuleAction,
        cidr: &str,
        ports: Option<(u16, u16)>,
    ) -> NaclEntry {
        NaclEntry {
            rule_number,
            egress,
            protocol: if ports.is_some() {
                Protocol::Tcp
            } else {
                Protocol::All
            },
            action,
            // An IPv6 block is an IPv6 entry, as DescribeNetworkAcls gives it.
            cidr: (!cidr.contains(':')).then(|| cidr.parse().unwrap()),
            ipv6_cidr: cidr.contains(':').then(|| cidr.to_string()),
            port_range: ports.map(|(from, to)| PortRange { from, to }),
        }
    }

    #[test]
    fn ipv6_entries_judge_ipv6_peers_and_ipv4_entries_ipv4_peers() {
        let https = PortRange::HTTPS;
        let v6 = AddressSet::PublicIpv6;
        // IPv4 allow-all does not let IPv6 through: the implicit deny decides.
        let only_v4 = acl(vec![entry(100, true, RuleAction::Allow, "0.0.0.0/0", None)]);
        assert_eq!(
            nacl_decision(&only_v4, Direction::Egress, &v6, Protocol::Tcp, https),
            NaclDecision::Denied {
                rule: None,
                ports: https,
                partial: false
            }
        );
        let both = acl(vec![
            entry(100, true, RuleAction::Allow, "0.0.0.0/0", None),
            entry(101, true, RuleAction::Allow, "::/0", None),
        ]);
        assert_eq!(
            nacl_decision(&both, Direction::Egress, &v6, Protocol::Tcp, https),
            NaclDecision::Allowed(vec![101])
        );
        assert_eq!(
            nacl_decision(
                &both,
                Direction::Egress,
                &AddressSet::Public,
                Protocol::Tcp,
                https
            ),
            NaclDecision::Allowed(vec![100])
        );
        // A deny of part of the public IPv6 range, numbered first, denies (partially).
        let denied = acl(vec![
            entry(
                90,
                true,
                RuleAction::Deny,
                "2600:1f18::/32",
                Some((443, 443)),
            ),
            entry(101, true, RuleAction::Allow, "::/0", None),
        ]);
        assert!(matches!(
            nacl_decision(&denied, Direction::Egress, &v6, Protocol::Tcp, https),
            NaclDecision::Denied {
                rule: Some(90),
                partial: true,
                ..
            }
        ));
        // A private IPv6 range does not touch public addresses.
        let private = acl(vec![
            entry(90, true, RuleAction::Deny, "fd00::/8", None),
            entry(101, true, RuleAction::Allow, "::/0", None),
        ]);
        assert_eq!(
            nacl_decision(&private, Direction::Egress, &v6, Protocol::Tcp, https),
            NaclDecision::Allowed(vec![101])
        );
    }

    #[test]
    fn the_ipv6_route_is_the_longest_ipv6_destination_covering_public_addresses() {
        let table: RouteTable = serde_json::from_value(serde_json::json!({
            "id": "rtb-1", "vpc_id": "vpc-1",
            "routes": [
                {"destination": "0.0.0.0/0", "target": "nat-1"},
                {"destination": "::/0", "target": "eigw-1"},
                {"destination": "2000::/3", "target": "igw-1"},
                {"destination": "2600:1f18::/32", "target": "tgw-1"},
                {"destination": "64:ff9b::/96", "target": "nat-1"},
            ],
        }))
        .unwrap();
        let route = route_for_ipv6(&table, &AddressSet::PublicIpv6).unwrap();
        assert_eq!(route.target, "igw-1");
        assert_eq!(
            nat64_route(&table).unwrap().destination.to_string(),
            "64:ff9b::/96"
        );
        let mut without = table.clone();
        without
            .routes
            .retain(|route| !route.target.starts_with("igw") && !route.target.starts_with("eigw"));
        assert!(route_for_ipv6(&without, &AddressSet::PublicIpv6).is_none());
    }

    fn acl(entries: Vec<NaclEntry>) -> NetworkAcl {
        NetworkAcl {
            id: "acl-1".into(),
            vpc_id: "vpc-1".into(),
            is_default: false,
            subnet_ids: vec![],
            entries,
        }
    }

    fn host(ip: &str) -> AddressSet {
        AddressSet::Block(ip.parse().unwrap())
    }

    #[test]
    fn lowest_rule_number_wins() {
        let acl = acl(vec![
            entry(200, true, RuleAction::Allow, "0.0.0.0/0", None),
            entry(100, true, RuleAction::Deny, "10.0.0.0/8", Some((443, 443))),
        ]);
        assert_eq!(
            nacl_decision(
                &acl,
                Direction::Egress,
                &host("10.0.3.4"),
                Protocol::Tcp,
                PortRange::HTTPS
            ),
            NaclDecision::Denied {
                rule: Some(100),
                ports: PortRange::HTTPS,
                partial: false
            }
        );
        assert_eq!(
            nacl_decision(
                &acl,
                Direction::Egress,
                &host("52.1.1.1"),
                Protocol::Tcp,
                PortRange::HTTPS
            ),
            NaclDecision::Allowed(vec![200])
        );
    }

    #[test]
    fn ephemeral_range_needs_every_port() {
        let narrow = acl(vec![entry(
            100,
            false,
            RuleAction::Allow,
            "0.0.0.0/0",
            Some((49152, 65535)),
        )]);
        assert_eq!(
            nacl_decision(
                &narrow,
                Direction::Ingress,
                &host("10.0.3.4"),
                Protocol::Tcp,
                PortRange::LINUX_EPHEMERAL
            ),
            NaclDecision::Denied {
                rule: None,
                ports: PortRange {
                    from: 32768,
                    to: 49151
                },
                partial: false
            }
        );
        let split = acl(vec![
            entry(
                100,
                false,
                RuleAction::Allow,
                "0.0.0.0/0",
                Some((1024, 40000)),
            ),
            entry(
                110,
                false,
                RuleAction::Allow,
                "10.0.0.0/16",
                Some((40001, 65535)),
            ),
        ]);
        assert_eq!(
            nacl_decision(
                &split,
                Direction::Ingress,
                &host("10.0.3.4"),
                Protocol::Tcp,
                PortRange::LINUX_EPHEMERAL
            ),
            NaclDecision::Allowed(vec![100, 110])
        );
    }

    #[test]
    fn a_deny_touching_part_of_a_subnet_blocks_it() {
        let acl = acl(vec![
            entry(50, true, RuleAction::Deny, "10.0.1.128/25", None),
            entry(100, true, RuleAction::Allow, "0.0.0.0/0", None),
        ]);
        assert_eq!(
            nacl_decision(
                &acl,
                Direction::Egress,
                &AddressSet::Block("10.0.1.0/24".parse().unwrap()),
                Protocol::Tcp,
                PortRange::HTTPS
            ),
            NaclDecision::Denied {
                rule: Some(50),
                ports: PortRange::HTTPS,
                partial: true
            }
        );
        assert!(matches!(
            nacl_decision(
                &acl,
                Direction::Egress,
                &AddressSet::Public,
                Protocol::Tcp,
                PortRange::HTTPS
            ),
            NaclDecision::Allowed(_)
        ));
    }

    #[test]
    fn subtraction() {
        assert_eq!(
            subtract(
                PortRange { from: 10, to: 20 },
                PortRange { from: 12, to: 15 }
            ),
            vec![
                PortRange { from: 10, to: 11 },
                PortRange { from: 16, to: 20 }
            ]
        );
        assert_eq!(
            subtract(PortRange { from: 10, to: 20 }, PortRange::ALL),
            vec![]
        );
    }
}
