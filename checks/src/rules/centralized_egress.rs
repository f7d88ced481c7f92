use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{Egress, PathContext, Site, Verdict, route_for};
use crate::net::Ipv4Cidr;
use crate::snapshot::{EndpointType, Route, RouteState, RouteTable, RouteTargetKind, Subnet};

declare_check! {
    /// ## What it does
    /// Follows the task's internet traffic into a centralized egress VPC, after the transit
    /// gateway (PC308 judges the transit gateway both ways): the route table of the egress
    /// attachment's subnet (in the task's Availability Zone) must send the destination to a NAT
    /// gateway, and the route table of that NAT gateway's subnet must send the task's address
    /// back to the same transit gateway. PC304 judges the NAT gateway itself. The egress VPC's
    /// network ACLs are not judged yet (its evidence says so).
    ///
    /// ## Why is this bad
    /// In a centralized egress design the spokes have no NAT gateway of their own: their default
    /// route goes to the transit gateway, which hands the traffic to the egress VPC's attachment
    /// subnets; those route `0.0.0.0/0` to a NAT gateway, and the NAT gateway's public subnet
    /// routes the spokes' ranges back to the transit gateway (AWS whitepaper "Building a
    /// Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized egress to
    /// internet"). Without the first route the packets die in the egress VPC; without the
    /// return route the NAT gateway's replies go to the internet gateway instead of back to
    /// the task, which times out dialling ECR's public address. An internet gateway reached
    /// straight from the attachment subnet translates only addresses with a public IP
    /// (Amazon VPC User Guide, "Enable internet access for a VPC using an internet gateway"),
    /// never a spoke's private addresses.
    ///
    /// ## Example
    /// The egress VPC's public subnet table `rtb-egress-public` has `0.0.0.0/0 → igw-…` but no
    /// `10.0.0.0/8 → tgw-…`.
    ///
    /// ## Fix
    /// Add the route the finding names (AWS CLI and Terraform). A route to a Gateway Load
    /// Balancer endpoint or an appliance (AWS Network Firewall) is reported as unknown: check
    /// what it lets through.
    pub static CHECK = ("PC311", "centralized-egress-route", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let route = site.usable_route(RouteTargetKind::TransitGateway)?;
    if route.state != RouteState::Active {
        return None;
    }
    // PC308 reports where the walk through the transit gateway stops.
    let egress = context.egress_through(&route.target)?;
    Some(judge(context, &route.target, &egress))
}

const READS: [&str; 2] = ["ec2:DescribeRouteTables", "ec2:DescribeNatGateways"];

fn judge(context: &PathContext, gateway: &str, egress: &Egress) -> Verdict {
    let index = context.index;
    let egress_vpc = &egress.egress.resource_id;
    let block = context.public_destination_block();
    let unknown = |title: String, resources: Vec<String>, detail: String| {
        let gap = READS
            .iter()
            .find_map(|api| index.gap_about(&[api], egress_vpc));
        Verdict::Unknown(CHECK.finding(title).resources(resources).detail(match gap {
            Some(gap) => format!("{detail} {}", super::collection_gap::because(gap)),
            None => detail,
        }))
    };
    let Some(subnet) = egress.subnet else {
        let gap = index.gap_about(&["ec2:DescribeSubnets"], egress_vpc);
        let detail = format!(
            "{gateway} hands the task's traffic to {}'s subnets ({}) in {egress_vpc}; none of them is in the snapshot.",
            egress.egress.id,
            egress.egress.subnet_ids.join(", ")
        );
        return Verdict::Unknown(
            CHECK
                .finding(format!("The subnets of egress attachment {} are not in the snapshot: the egress VPC {egress_vpc} cannot be followed", egress.egress.id))
                .resources([egress.egress.id.as_str(), egress_vpc.as_str()])
                .detail(match gap {
                    Some(gap) => format!("{detail} {}", super::collection_gap::because(gap)),
                    None => detail,
                }),
        );
    };
    let Some(table) = index.route_table_for(subnet) else {
        return unknown(
            format!(
                "The route table of {} (egress attachment {}) is not in the snapshot",
                subnet.id, egress.egress.id
            ),
            vec![subnet.id.clone(), egress.egress.id.clone()],
            format!(
                "{gateway} hands the task's traffic to {} in {egress_vpc}; where it goes from there was not read.",
                subnet.id
            ),
        );
    };
    let onward = route_for(index, table, &block);
    let nat = match onward {
        Some(route) if route.state == RouteState::Active => match route.target_kind() {
            RouteTargetKind::NatGateway => match egress.nat {
                Some(nat) => nat,
                None => {
                    return unknown(
                        format!(
                            "NAT gateway {} of the egress VPC {egress_vpc} is not in the snapshot",
                            route.target
                        ),
                        vec![route.target.clone(), table.id.clone()],
                        format!(
                            "{} sends {block} from the egress attachment's subnet {} to {}, which the collector did not return.",
                            table.id, subnet.id, route.target
                        ),
                    );
                }
            },
            RouteTargetKind::InternetGateway => {
                return missing_nat(context, egress, subnet, table, Some(route), &block);
            }
            _ => return beyond(context, egress, table, route),
        },
        route => return missing_nat(context, egress, subnet, table, route, &block),
    };
    // Back: the NAT gateway's subnet must send the task's address to the transit gateway.
    let task_address = context.source_block();
    let Some(nat_table) = index
        .subnet(&nat.subnet_id)
        .and_then(|nat_subnet| index.route_table_for(nat_subnet))
    else {
        return unknown(
            format!(
                "The route table of NAT gateway {}'s subnet {} is not in the snapshot",
                nat.id, nat.subnet_id
            ),
            vec![nat.id.clone(), nat.subnet_id.clone()],
            format!(
                "The replies of {} to the task follow the route table of {}, which was not read.",
                nat.id, nat.subnet_id
            ),
        );
    };
    match route_for(index, nat_table, &task_address) {
        Some(route) if route.state == RouteState::Active && route.target == gateway => {
            Verdict::Pass(format!(
                "{} sends {block} to {}; {} routes {task_address} back to {gateway} (the egress VPC's network ACLs are not judged)",
                table.id, nat.id, nat_table.id
            ))
        }
        route => {
            let spoke_cidr = context
                .placement
                .vpc
                .cidr_blocks
                .first()
                .copied()
                .unwrap_or(task_address);
            let now = describe(route);
            Verdict::Block(
                CHECK
                    .finding(format!("{} (NAT gateway {}'s subnet in the egress VPC) has no route back to {spoke_cidr} through {gateway} ({now})", nat_table.id, nat.id))
                    .resources([nat_table.id.as_str(), nat.id.as_str(), gateway])
                    .detail(format!("The task's traffic reaches {} in {egress_vpc} through {gateway}. The NAT gateway sends the replies to the tasks of {} ({spoke_cidr}) by {}'s route table {}, which has {now} for them: they never reach the task.", nat.id, context.placement.vpc.id, nat.subnet_id, nat_table.id))
                    .fix(
                        format!("aws ec2 create-route --route-table-id {} --destination-cidr-block {} --transit-gateway-id {}", sh(&nat_table.id), sh(&spoke_cidr.to_string()), sh(gateway)),
                        format!("resource \"aws_route\" \"{}_to_{}\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"{}\"\n  transit_gateway_id     = \"{}\"\n}}", label(&nat_table.id), label(&context.placement.vpc.id), hcl(&nat_table.id), hcl(&spoke_cidr.to_string()), hcl(gateway)),
                    ),
            )
        }
    }
}

/// A route as a finding shows it: `10.0.0.0/8 → igw-…`, with `(blackhole)`, or "no route".
fn describe(route: Option<&Route>) -> String {
    match route {
        None => "no route".into(),
        Some(route) => format!(
            "{} → {}{}",
            route.destination,
            route.target,
            if route.state == RouteState::Blackhole {
                " (blackhole)"
            } else {
                ""
            }
        ),
    }
}

/// The egress attachment's subnet does not send the destination to a NAT gateway: no route, a
/// blackhole, or an internet gateway (which does not translate the spoke's private addresses).
fn missing_nat(
    context: &PathContext,
    egress: &Egress,
    subnet: &Subnet,
    table: &RouteTable,
    route: Option<&Route>,
    block: &Ipv4Cidr,
) -> Verdict {
    let egress_vpc = &egress.egress.resource_id;
    let nats: Vec<&str> = context
        .index
        .snapshot
        .nat_gateways
        .iter()
        .filter(|nat| &nat.vpc_id == egress_vpc && nat.state == "available")
        .map(|nat| nat.id.as_str())
        .collect();
    // The NAT gateway of the task's zone, when the egress VPC has one per zone.
    let nat = nats
        .iter()
        .find(|id| {
            context
                .index
                .nat_gateway(id)
                .and_then(|nat| context.index.subnet(&nat.subnet_id))
                .is_some_and(|nat_subnet| nat_subnet.availability_zone == subnet.availability_zone)
        })
        .or(nats.first())
        .copied()
        .unwrap_or("<nat gateway id>");
    let now = describe(route);
    let (cli, why) = match route {
        Some(route) if route.target_kind() == RouteTargetKind::InternetGateway => (
            format!(
                "aws ec2 replace-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {}",
                sh(&table.id),
                sh(nat)
            ),
            format!(
                "{} is an internet gateway: it translates only addresses that have a public IP, not the spoke's private addresses, so the packets are dropped.",
                route.target
            ),
        ),
        _ => (
            format!(
                "aws ec2 create-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {}",
                sh(&table.id),
                sh(nat)
            ),
            "The packets are dropped in the egress VPC.".to_string(),
        ),
    };
    Verdict::Block(
        CHECK
            .finding(format!("{} (the route table of egress attachment {}'s subnets) does not send {block} to a NAT gateway ({now})", table.id, egress.egress.id))
            .resources([table.id.as_str(), egress.egress.id.as_str()])
            .resources((nat != "<nat gateway id>").then(|| nat.to_string()))
            .detail(format!("{} hands the traffic to {} to the egress VPC {egress_vpc} through the subnets of {}, whose route table {} has {now} for {block}. {why}", egress.egress.transit_gateway_id, context.flow.host, egress.egress.id, table.id))
            .fix(
                cli,
                format!("resource \"aws_route\" \"{}_egress\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  nat_gateway_id         = \"{}\"\n}}", label(&table.id), hcl(&table.id), hcl(nat)),
            ),
    )
}

/// The egress attachment's subnet sends the traffic somewhere the snapshot cannot follow: a
/// Gateway Load Balancer endpoint (AWS Network Firewall and other inspection appliances), an
/// appliance's interface or instance, another gateway.
fn beyond(context: &PathContext, egress: &Egress, table: &RouteTable, route: &Route) -> Verdict {
    let appliance = context.index.snapshot.vpc_endpoints.iter().any(|endpoint| {
        endpoint.id == route.target && endpoint.endpoint_type == EndpointType::GatewayLoadBalancer
    });
    let what = if appliance {
        format!(
            "Gateway Load Balancer endpoint {} (an inspection appliance such as AWS Network Firewall)",
            route.target
        )
    } else {
        route.target.clone()
    };
    Verdict::Unknown(
        CHECK
            .finding(format!("Traffic to {} leaves the egress VPC {}'s attachment subnets through {what}: what lies beyond is not visible", context.flow.host, egress.egress.resource_id))
            .resources([route.target.as_str(), table.id.as_str(), egress.egress.id.as_str()])
            .detail(format!("{} routes {} → {}; whether the traffic reaches a NAT gateway and the internet from there cannot be read from the VPC's route tables.", table.id, route.destination, route.target)),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{Route, RouteState, Snapshot};

    fn table<'s>(snapshot: &'s mut Snapshot, id: &str) -> &'s mut crate::snapshot::RouteTable {
        snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == id)
            .unwrap()
    }

    #[test]
    fn a_healthy_centralized_egress_raises_nothing() {
        assert!(findings_of(&scenario("centralized-egress-healthy"), "PC311").is_empty());
        assert!(findings_of(&scenario("nat-path-healthy"), "PC311").is_empty());
    }

    #[test]
    fn a_nat_subnet_without_the_way_back_names_its_table_and_the_route_to_add() {
        let findings = findings_of(
            &scenario("centralized-egress-nat-return-route-missing"),
            "PC311",
        );
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(
                finding.resources,
                ["rtb-egress-public", "nat-0egress", "tgw-0egress"]
            );
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains("--route-table-id rtb-egress-public --destination-cidr-block 10.0.0.0/16 --transit-gateway-id tgw-0egress"), "{}", fix.aws_cli);
        }
    }

    #[test]
    fn attachment_subnets_must_send_the_internet_to_a_nat_gateway() {
        let findings = findings_of(&scenario("centralized-egress-hub-no-nat-route"), "PC311");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "rtb-egress-tgw");
            assert!(
                finding
                    .fix
                    .as_ref()
                    .unwrap()
                    .aws_cli
                    .contains("--nat-gateway-id nat-0egress")
            );
        }
        // Straight to the internet gateway: the spoke's private addresses are not translated.
        let mut snapshot = scenario("centralized-egress-healthy");
        let default = table(&mut snapshot, "rtb-egress-tgw")
            .routes
            .iter_mut()
            .find(|r| r.target == "nat-0egress")
            .unwrap();
        default.target = "igw-0egress".into();
        let findings = findings_of(&snapshot, "PC311");
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| {
            f.severity == Severity::Error
                && f.detail
                    .contains("translates only addresses that have a public IP")
                && f.fix.as_ref().unwrap().aws_cli.contains("replace-route")
        }));
    }

    #[test]
    fn an_inspection_appliance_in_the_egress_vpc_is_a_named_unknown() {
        let mut snapshot = scenario("centralized-egress-healthy");
        let default = table(&mut snapshot, "rtb-egress-tgw")
            .routes
            .iter_mut()
            .find(|r| r.target == "nat-0egress")
            .unwrap();
        default.target = "vpce-0firewall".into();
        let findings = findings_of(&snapshot, "PC311");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Warning && f.resources[0] == "vpce-0firewall")
        );
    }

    #[test]
    fn an_unread_route_table_of_the_egress_vpc_is_unknown() {
        let mut snapshot = scenario("centralized-egress-healthy");
        snapshot.route_tables.retain(|t| t.vpc_id != "vpc-0egress");
        snapshot.gaps.push(crate::snapshot::CollectionGap {
            api: "ec2:DescribeRouteTables".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC311");
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        // A blackhole return route is a block, named.
        let mut snapshot = scenario("centralized-egress-healthy");
        table(&mut snapshot, "rtb-egress-public")
            .routes
            .push(Route {
                destination: "10.0.1.0/24".parse().unwrap(),
                target: "tgw-0egress".into(),
                state: RouteState::Blackhole,
            });
        let findings = findings_of(&snapshot, "PC311");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Error && f.title.contains("(blackhole)"))
        );
    }
}
