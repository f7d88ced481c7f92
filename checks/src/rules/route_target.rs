use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::snapshot::{Route, RouteState, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// Checks that the route carrying the flow leads somewhere: it is not a `blackhole` (its
    /// target was deleted), and an internet gateway it names is attached to the task's VPC. The
    /// IPv6 route of ECR's dual-stack registry host (`::/0` to an egress-only or internet
    /// gateway) is judged the same way. When the flow's public address is not known (no prefix
    /// list, no address in a stopped reason) and narrower routes of the table take part of the
    /// public space elsewhere (`0.0.0.0/1 → …`, a blackhole), the route is unknown, naming them:
    /// which one carries the flow depends on the address its name resolves to.
    ///
    /// ## Why is this bad
    /// A route whose NAT gateway or ENI was deleted stays in the table as `blackhole` and drops
    /// every packet; an internet gateway detached from the VPC does the same.
    ///
    /// ## Example
    /// `0.0.0.0/0 → nat-0old` in state `blackhole` after the NAT gateway was replaced.
    ///
    /// ## Fix
    /// Point the route at a live target (`aws ec2 replace-route`), or attach the gateway.
    pub static CHECK = ("PC303", "route-target-unusable", Error);
}

/// The internet path's route: blocked when it is a blackhole, else the evidence that the subnet
/// routes there.
pub fn route(context: &PathContext, site: Site) -> Option<Verdict> {
    let (Site::Internet(Some(route)) | Site::Internet6(Some(route))) = site else {
        return None;
    };
    if route.state == RouteState::Blackhole {
        return Some(blackhole(context, route));
    }
    if let Some(table) = context.placement.route_table {
        let split = context.public_routes_split(table, route);
        if !split.is_empty() {
            return Some(split_verdict(context, table, route, &split));
        }
    }
    Some(Verdict::Pass(format!(
        "{} routes {} to {}",
        context
            .placement
            .route_table
            .map(|t| t.id.as_str())
            .unwrap_or("?"),
        route.destination,
        route.target
    )))
}

/// Narrower routes take part of the public space elsewhere: which one carries the flow depends
/// on the address its name resolves to, which no stopped reason gave. Unknown, naming them.
fn split_verdict(
    context: &PathContext,
    table: &crate::snapshot::RouteTable,
    chosen: &Route,
    split: &[&Route],
) -> Verdict {
    let routes: Vec<String> = split
        .iter()
        .map(|route| {
            let state = if route.state == RouteState::Blackhole {
                " (blackhole)"
            } else {
                ""
            };
            format!("{} → {}{state}", route.destination, route.target)
        })
        .collect();
    Verdict::Unknown(
        CHECK
            .finding(format!(
                "{} sends part of the public address space elsewhere than {} → {}: whether {} goes through it depends on the address it resolves to",
                table.id, chosen.destination, chosen.target, context.flow.host
            ))
            .resources(
                std::iter::once(table.id.clone())
                    .chain(split.iter().map(|route| route.target.clone()))
                    .collect::<Vec<_>>(),
            )
            .detail(format!(
                "{} resolves to public addresses not known here (no stopped reason names one), and {} has narrower routes for public space: {}. An address they cover leaves through them, not through {}.",
                context.flow.host,
                table.id,
                routes.join(", "),
                chosen.target
            )),
    )
}

fn blackhole(context: &PathContext, route: &Route) -> Verdict {
    let table = context
        .placement
        .route_table
        .map(|table| table.id.as_str())
        .unwrap_or_default();
    Verdict::Block(
        CHECK
            .finding(format!("Route {} → {} in {table} is a blackhole: its target no longer exists", route.destination, route.target))
            .resources([table, route.target.as_str()])
            .detail(format!(
                "{} traffic from {} matches {} in {table}, whose target {} was deleted; the route drops every packet.",
                context.flow.host,
                context.subnet_id(),
                route.destination,
                route.target
            ))
            .fix(
                match &route.destination {
                    // An IPv6 route goes to an egress-only (or internet) gateway.
                    crate::snapshot::RouteDestination::Ipv6(destination) => format!("aws ec2 replace-route --route-table-id {} --destination-ipv6-cidr-block {} --egress-only-internet-gateway-id <live egress-only internet gateway id>", sh(table), sh(destination)),
                    destination => format!("aws ec2 replace-route --route-table-id {} --destination-cidr-block {} --nat-gateway-id <live nat gateway id>", sh(table), sh(&destination.to_string())),
                },
                format!("# in the aws_route for {} {}: point {} at a live target", note(table), note(&route.destination.to_string()), if matches!(route.destination, crate::snapshot::RouteDestination::Ipv6(_)) { "egress_only_gateway_id (or gateway_id)" } else { "nat_gateway_id (or gateway_id)" }),
            ),
    )
}

pub fn internet_gateway(context: &PathContext, site: Site) -> Option<Verdict> {
    site.usable_route(RouteTargetKind::InternetGateway)
        .map(|route| internet_gateway_verdict(context, route))
}

fn internet_gateway_verdict(context: &PathContext, route: &Route) -> Verdict {
    let vpc = &context.placement.vpc.id;
    let unread = context
        .index
        .gap_about(&["ec2:DescribeInternetGateways"], &route.target);
    match (context.index.internet_gateway(&route.target), unread) {
        (Some(gateway), _) if gateway.attached_vpc_ids.contains(vpc) => {
            Verdict::Pass(format!("{} is attached to {vpc}", gateway.id))
        }
        (None, Some(gap)) => Verdict::Unknown(
                CHECK
                    .finding(format!("Whether internet gateway {} is attached to {vpc} is unknown: it could not be read", route.target))
                    .resources([route.target.as_str(), vpc.as_str()])
                    .detail(super::collection_gap::because(gap)),
        ),
        (found, _) => {
            let problem = if found.is_some() {
                "is not attached to"
            } else {
                "does not exist in the snapshot for"
            };
            Verdict::Block(
                CHECK
                    .finding(format!("Internet gateway {} {problem} {vpc}", route.target))
                    .resources([route.target.as_str(), vpc.as_str()])
                    .detail(format!("The route {} of {} sends traffic to {}, which {problem} {vpc}.", route.destination, context.subnet_id(), route.target))
                    .fix(
                        format!("aws ec2 attach-internet-gateway --internet-gateway-id {} --vpc-id {}", sh(&route.target), sh(vpc)),
                        format!("resource \"aws_internet_gateway_attachment\" \"{}\" {{\n  internet_gateway_id = \"{}\"\n  vpc_id              = \"{}\"\n}}", super::fixes::label(&route.target), hcl(&route.target), hcl(vpc)),
                    ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, RouteState, Snapshot};

    #[test]
    fn narrower_public_routes_elsewhere_leave_an_unknown_public_host_unknown() {
        let mut snapshot = scenario("nat-path-healthy");
        let table = snapshot
            .route_tables
            .iter_mut()
            .find(|table| table.id == "rtb-private")
            .unwrap();
        let default = table
            .routes
            .iter()
            .find(|route| route.destination.to_string() == "0.0.0.0/0")
            .unwrap()
            .clone();
        for half in ["0.0.0.0/1", "128.0.0.0/1"] {
            let mut route = default.clone();
            route.destination = crate::snapshot::RouteDestination::Cidr(half.parse().unwrap());
            route.state = RouteState::Blackhole;
            table.routes.push(route);
        }
        let findings = findings_of(&snapshot, "PC303");
        assert!(
            findings
                .iter()
                .any(|f| f.title.contains("part of the public address space")),
            "{findings:?}"
        );
        // Healthy without them.
        assert!(findings_of(&scenario("nat-path-healthy"), "PC303").is_empty());
    }

    /// The NAT scenario's service moved to the public subnet with a public IP: its traffic
    /// leaves through igw-0a1.
    fn public() -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        let network = snapshot.services[0].network.as_mut().unwrap();
        network.subnet_ids = vec!["subnet-public-a".into()];
        network.assign_public_ip = true;
        snapshot
    }

    #[test]
    fn a_live_route_to_an_attached_gateway_passes() {
        assert!(findings_of(&scenario("nat-path-healthy"), "PC303").is_empty());
        assert!(findings_of(&public(), "PC303").is_empty());
    }

    #[test]
    fn a_blackholed_default_route_drops_every_packet() {
        let mut snapshot = scenario("nat-path-healthy");
        let private = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-private")
            .unwrap();
        let default = private
            .routes
            .iter_mut()
            .find(|r| r.target == "nat-0a1")
            .unwrap();
        default.state = RouteState::Blackhole;
        let findings = findings_of(&snapshot, "PC303");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["rtb-private", "nat-0a1"]);
            assert!(
                finding.title.contains("is a blackhole"),
                "{}",
                finding.title
            );
        }
    }

    #[test]
    fn a_detached_internet_gateway_blocks_and_an_unread_one_is_unknown() {
        let mut snapshot = public();
        snapshot.internet_gateways[0].attached_vpc_ids.clear();
        let findings = findings_of(&snapshot, "PC303");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(
                finding.title,
                "Internet gateway igw-0a1 is not attached to vpc-0a1"
            );
            assert_eq!(finding.resources, ["igw-0a1", "vpc-0a1"]);
        }

        let mut snapshot = public();
        snapshot.internet_gateways.clear();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeInternetGateways".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC303");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Warning && f.resources == ["igw-0a1", "vpc-0a1"])
        );
    }

    #[test]
    fn a_blackholed_ipv6_route_blocks_the_dual_stack_registry_path() {
        let mut snapshot = scenario("dual-stack-healthy");
        let table = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-private")
            .unwrap();
        for route in &mut table.routes {
            if route.destination.to_string() == "::/0" {
                route.state = RouteState::Blackhole;
            }
        }
        let findings = findings_of(&snapshot, "PC303");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["rtb-private", "eigw-0a1"]);
            let fix = finding.fix.as_ref().unwrap();
            assert!(
                fix.aws_cli.contains(
                    "--destination-ipv6-cidr-block ::/0 --egress-only-internet-gateway-id"
                )
            );
        }
        assert!(findings_of(&scenario("dual-stack-healthy"), "PC303").is_empty());
    }
}
