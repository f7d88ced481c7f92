use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, PeerSpec, Site, Verdict, route_for, sg_allows};
use crate::net::{AddressSet, Direction, Ipv4Cidr, PortRange, Protocol};
use crate::snapshot::{RouteState, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// When the VPC's DHCP options name custom DNS servers, walks the DNS flow to each of them
    /// from the task: a route from the task's subnet, and a security group rule allowing
    /// UDP or TCP port 53 to the server. A server is reachable when both hold (a route that
    /// leaves the VPC, through a transit gateway or a VPN, counts as reachable: what lies
    /// beyond is not visible).
    ///
    /// ## Why is this bad
    /// Every name a task dials is resolved through those servers before any connection: with
    /// none reachable, nothing resolves and the task fails with `dial tcp: lookup ... i/o
    /// timeout` whatever the endpoints, routes and roles say.
    ///
    /// ## Example
    /// DHCP options with `domain-name-servers = 192.168.0.2` (on premises), a VPC with no route
    /// to `192.168.0.0/16`, and a task group that allows only TCP 443 out.
    ///
    /// ## Fix
    /// Route the servers' network (to the transit gateway or VPN) and allow UDP and TCP 53 to
    /// them in the task's security group; or use `AmazonProvidedDNS`.
    pub static CHECK = ("PC109", "dns-server-unreachable", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    if !matches!(
        site,
        Site::InterfaceEndpoint(_) | Site::GatewayEndpoint(_) | Site::Internet(_)
    ) {
        return None;
    }
    let servers = context.custom_dns_servers();
    if servers.is_empty() {
        return None;
    }
    let mut unreachable = Vec::new();
    for server in &servers {
        let Ok(address) = server.parse::<std::net::Ipv4Addr>() else {
            return None;
        };
        match why_unreachable(context, address) {
            Ok(()) => return None,
            Err(why) => unreachable.push((address, why)),
        }
    }
    let groups = context
        .task_groups()
        .0
        .first()
        .map(|group| group.id.clone())?;
    let first = unreachable[0].0;
    let listed: Vec<String> = unreachable
        .iter()
        .map(|(address, why)| format!("{address}: {why}"))
        .collect();
    let vpc = &context.placement.vpc.id;
    let options = context
        .placement
        .vpc
        .dhcp_options_id
        .as_deref()
        .unwrap_or_default();
    let cidr = format!("{first}/32");
    Some(Verdict::Block(
        CHECK
            .finding(format!(
                "The task cannot reach its DNS server{} {} (from DHCP options {options})",
                if servers.len() > 1 { "s" } else { "" },
                servers.join(", ")
            ))
            .resources([vpc.as_str(), options, groups.as_str()])
            .resources(context.placement.route_table.map(|table| table.id.clone()))
            .detail(format!(
                "{vpc} resolves names through {}; from {}: {}. No name resolves, so {} is never dialled.",
                servers.join(", "),
                context.subnet_id(),
                listed.join("; "),
                context.flow.host
            ))
            .fix(
                format!(
                    "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions 'IpProtocol=udp,FromPort=53,ToPort=53,IpRanges=[{{CidrIp={cidr}}}]' 'IpProtocol=tcp,FromPort=53,ToPort=53,IpRanges=[{{CidrIp={cidr}}}]'\n# and route {cidr} (the servers' network) to the transit gateway or VPN that reaches them",
                    sh(&groups)
                ),
                format!(
                    "resource \"aws_vpc_security_group_egress_rule\" \"{}_dns_udp\" {{\n  security_group_id = \"{}\"\n  ip_protocol       = \"udp\"\n  from_port         = 53\n  to_port           = 53\n  cidr_ipv4         = \"{}\"\n}}\n# the same with ip_protocol = \"tcp\", and an aws_route for the servers' network",
                    label(&groups),
                    hcl(&groups),
                    hcl(&cidr)
                ),
            ),
    ))
}

/// Why the task cannot send DNS to `address`, or `Ok` when a route and a rule allow it.
fn why_unreachable(context: &PathContext, address: std::net::Ipv4Addr) -> Result<(), String> {
    let index = context.index;
    let block = Ipv4Cidr::host(address);
    let Some(table) = context.placement.route_table else {
        return Ok(());
    };
    match route_for(index, table, &block) {
        None => return Err(format!("{} has no route to it", table.id)),
        Some(route) if route.state == RouteState::Blackhole => {
            return Err(format!(
                "{} routes it to {}, a blackhole",
                table.id, route.target
            ));
        }
        Some(route) if route.target_kind() == RouteTargetKind::VpcEndpoint => {
            return Err(format!("{} routes it to a gateway endpoint", table.id));
        }
        Some(_) => {}
    }
    let (groups, missing) = context.task_groups();
    if !missing.is_empty() {
        return Ok(());
    }
    let peer = PeerSpec {
        addresses: vec![AddressSet::Block(block)],
        groups: &[],
        prefix_list: None,
    };
    let port = PortRange { from: 53, to: 53 };
    let allowed = [Protocol::Udp, Protocol::Tcp].into_iter().any(|protocol| {
        sg_allows(index, &groups, Direction::Egress, &peer, protocol, &port).is_some()
    });
    if allowed {
        Ok(())
    } else {
        let ids: Vec<&str> = groups.iter().map(|group| group.id.as_str()).collect();
        Err(format!(
            "{} allow{} no UDP or TCP 53 to it",
            ids.join(", "),
            if ids.len() == 1 { "s" } else { "" }
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn the_amazon_resolver_or_a_reachable_server_raise_nothing() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC109").is_empty());
        assert!(findings_of(&scenario("custom-dns"), "PC109").is_empty());
    }

    #[test]
    fn a_server_with_no_route_and_no_port_53_is_an_error_naming_it() {
        let findings = findings_of(&scenario("custom-dns-unreachable"), "PC109");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert!(finding.title.contains("192.168.0.2"));
            assert!(
                finding.detail.contains("has no route to it"),
                "{}",
                finding.detail
            );
        }
    }
}
