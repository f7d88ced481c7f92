use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict, route_for};
use crate::net::Ipv4Cidr;
use crate::snapshot::{EndpointInterface, EndpointType, Route, RouteState, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// Reports a hop the account's APIs cannot see through: traffic routed to a VPC peering
    /// connection, a virtual private gateway, a network interface (firewall appliance) or a
    /// Gateway Load Balancer endpoint. A route to a transit gateway is walked instead (PC308,
    /// then the centralized egress VPC: PC311, PC304), and is unknown there when it cannot be.
    ///
    /// ## Why is this bad
    /// It is not necessarily bad: a centralised egress VPC is common. But what happens beyond
    /// that hop (the firewall's rules, the other VPC's NAT) is outside this account's VPC
    /// description, so the tool reports the hop as unknown rather than guessing.
    ///
    /// ## Example
    /// `0.0.0.0/0 → tgw-0a1` to a shared egress VPC.
    ///
    /// ## Fix
    /// Check the egress path beyond the named resource, or add VPC endpoints so the pull does
    /// not depend on it.
    pub static CHECK = ("PC306", "route-beyond-view", Warning);
}

/// A route to anything but an internet or NAT gateway or a transit gateway (a peering, an
/// instance): what lies beyond is not in the snapshot.
pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let (route, gateway_kinds): (_, &[RouteTargetKind]) = match site {
        Site::Internet(Some(route)) => (
            route,
            // A transit gateway is followed by PC308 (transit-gateway-route), which is unknown
            // where it cannot follow it.
            &[
                RouteTargetKind::InternetGateway,
                RouteTargetKind::NatGateway,
                RouteTargetKind::TransitGateway,
            ],
        ),
        // IPv6 leaves through an egress-only or internet gateway (a NAT gateway only translates
        // 64:ff9b::/96, never ::/0).
        Site::Internet6(Some(route)) => (
            route,
            &[
                RouteTargetKind::InternetGateway,
                RouteTargetKind::EgressOnlyInternetGateway,
            ],
        ),
        _ => return None,
    };
    let gateway = gateway_kinds.contains(&route.target_kind());
    // A route to an instance the snapshot holds is walked as a NAT instance (PC310).
    let known_instance = context.index.instance_for_route(route).is_some();
    (route.state != RouteState::Blackhole && !gateway && !known_instance)
        .then(|| judge(context, route))
}

fn judge(context: &PathContext, route: &Route) -> Verdict {
    // AWS Network Firewall and other inspection appliances sit behind Gateway Load Balancer
    // endpoints: named as such, not guessed through.
    let appliance = context.index.snapshot.vpc_endpoints.iter().any(|endpoint| {
        endpoint.id == route.target && endpoint.endpoint_type == EndpointType::GatewayLoadBalancer
    });
    let title = if appliance {
        format!(
            "Traffic to {} goes through Gateway Load Balancer endpoint {} (an inspection appliance such as AWS Network Firewall): what it lets through is not visible",
            context.flow.host, route.target
        )
    } else {
        format!(
            "Traffic to {} leaves through {}: the path beyond it is not visible",
            context.flow.host, route.target
        )
    };
    Verdict::Unknown(
        CHECK
            .finding(title)
            .resource(&route.target)
            .resources(context.placement.route_table.map(|table| table.id.clone()))
            .detail(format!(
                "The route {} → {} carries {} out of {}; whether it reaches the internet from there cannot be read from this account's VPC APIs.",
                route.destination,
                route.target,
                context.flow.kind.describe(),
                context.placement.vpc.id
            )),
    )
}

/// Interface endpoint addresses are inside the VPC, so the `local` route normally carries them;
/// a more specific route (an inspection appliance) takes them elsewhere.
pub fn to_endpoint_interface(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        // An endpoint of another VPC: PC307 and the transit gateway and peering checks walk it.
        Site::EndpointInterface(endpoint, _) if endpoint.vpc_id != context.placement.vpc.id => None,
        Site::EndpointInterface(_, eni) => Some(check_local(context, eni)),
        _ => None,
    }
}

fn check_local(context: &PathContext, eni: &EndpointInterface) -> Verdict {
    let Some(table) = context.placement.route_table else {
        return Verdict::Pass("local route (route table not in the snapshot)".into());
    };
    match route_for(context.index, table, &Ipv4Cidr::host(eni.private_ip)) {
        Some(route) if route.target_kind() != RouteTargetKind::Local => judge(context, route),
        _ => Verdict::Pass(format!(
            "{} reaches {} by the local route",
            table.id, eni.private_ip
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{Route, RouteState, RouteTable, Snapshot};

    fn private(snapshot: &mut Snapshot) -> &mut RouteTable {
        snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-private")
            .unwrap()
    }

    #[test]
    fn a_nat_or_local_route_is_fully_visible() {
        assert!(findings_of(&scenario("nat-path-healthy"), "PC306").is_empty());
        assert!(findings_of(&scenario("healthy-endpoints"), "PC306").is_empty());
    }

    #[test]
    fn a_default_route_to_an_unread_transit_gateway_is_unknown_beyond_it() {
        let mut snapshot = scenario("nat-path-healthy");
        let default = private(&mut snapshot)
            .routes
            .iter_mut()
            .find(|r| r.target == "nat-0a1")
            .unwrap();
        default.target = "tgw-0egress".into();
        // The transit gateway check walks it, and says what it could not see.
        assert!(findings_of(&snapshot, "PC306").is_empty());
        let findings = findings_of(&snapshot, "PC308");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(finding.resources, ["tgw-0egress", "vpc-0a1"]);
        }
    }

    #[test]
    fn a_route_to_a_gateway_load_balancer_endpoint_names_the_appliance() {
        let mut snapshot = scenario("nat-path-healthy");
        let default = private(&mut snapshot)
            .routes
            .iter_mut()
            .find(|r| r.target == "nat-0a1")
            .unwrap();
        default.target = "vpce-0firewall".into();
        snapshot.vpc_endpoints.push(crate::snapshot::VpcEndpoint {
            id: "vpce-0firewall".into(),
            vpc_id: "vpc-0a1".into(),
            service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0firewall".into(),
            endpoint_type: crate::snapshot::EndpointType::GatewayLoadBalancer,
            state: "available".into(),
            private_dns_enabled: false,
            subnet_ids: vec![],
            network_interfaces: vec![],
            security_group_ids: vec![],
            route_table_ids: vec![],
            policy: None,
            dns_names: vec![],
        });
        let findings = findings_of(&snapshot, "PC306");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert!(
                finding
                    .title
                    .contains("Gateway Load Balancer endpoint vpce-0firewall"),
                "{}",
                finding.title
            );
        }
    }

    #[test]
    fn an_appliance_route_to_the_endpoint_subnets_is_unknown_not_local() {
        let mut snapshot = scenario("healthy-endpoints");
        private(&mut snapshot).routes.push(Route {
            destination: "10.0.8.0/21".parse().unwrap(),
            target: "eni-0firewall".into(),
            state: RouteState::Active,
        });
        let findings = findings_of(&snapshot, "PC306");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(finding.resources, ["eni-0firewall", "rtb-private"]);
        }
    }
}
