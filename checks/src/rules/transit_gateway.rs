use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict, route_for, tgw_route_for};
use crate::net::Ipv4Cidr;
use crate::snapshot::{
    EndpointInterface, RouteState, RouteTargetKind, TransitGatewayAttachment,
    TransitGatewayRouteTable, VpcEndpoint,
};

declare_check! {
    /// ## What it does
    /// Follows the task's traffic to an interface endpoint in another VPC through the transit
    /// gateway, both ways: the task VPC's attachment and the transit gateway route table it is
    /// associated with (a route to the endpoint's address, to the endpoint VPC's attachment, not
    /// a blackhole), then back: the endpoint subnet's route table (the task's address to the
    /// same transit gateway) and the route table of the endpoint VPC's attachment (the task's
    /// address to the task VPC's attachment).
    ///
    /// The same for a subnet whose route to the internet goes to a transit gateway (centralized
    /// egress): the task VPC's attachment's route table must send the public destination
    /// (`0.0.0.0/0`) to a VPC attachment (the egress VPC's), and the egress attachment's route
    /// table must send the task's address back to the task VPC's attachment. Inside the egress
    /// VPC, PC311 and PC304 take over. An attachment of another kind (VPN, Direct Connect,
    /// peering) or an egress VPC that could not be read is unknown, named; so is a route table
    /// whose narrower routes take part of the public space elsewhere when the flow's address is
    /// not known. A route back to the task VPC's own attachment is a loop (an error).
    ///
    /// ## Why is this bad
    /// A transit gateway routes each attachment's traffic by the route table associated with that
    /// attachment (Amazon VPC Transit Gateways, "Transit gateway route tables"). A missing or
    /// blackhole route either way drops the connection: the request leaves and the reply never
    /// comes back, and the task times out dialling the endpoint's private address. The AWS
    /// runbooks stop at the transit gateway; this check walks through it.
    ///
    /// ## Example
    /// The hub attachment's route table `tgw-rtb-hub` lost the propagation of the spoke, so it
    /// has no route to `10.0.0.0/16`. Or, with centralized egress, the egress attachment's route
    /// table `tgw-rtb-egress` has only `0.0.0.0/0`: the replies to the spoke are dropped
    /// (the AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network
    /// Infrastructure", "Centralized egress to internet", gives the egress route table a route
    /// to each spoke).
    ///
    /// ## Fix
    /// Add the route (or enable the propagation) in the transit gateway route table the finding
    /// names, or the return route in the endpoint subnet's route table.
    pub static CHECK = ("PC308", "transit-gateway-route", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let Site::EndpointInterface(endpoint, eni) = site else {
        return None;
    };
    let route = context.route_to_remote(endpoint)?;
    (route.state == RouteState::Active && route.target_kind() == RouteTargetKind::TransitGateway)
        .then(|| judge(context, endpoint, eni, &route.target))
}

/// The subnet's route to the internet through a transit gateway (centralized egress): the
/// transit gateway both ways, between the task's VPC and the VPC attachment its route table
/// sends the public destination to.
pub fn internet(context: &PathContext, site: Site) -> Option<Verdict> {
    let Site::Internet(Some(route)) = site else {
        return None;
    };
    (route.state == RouteState::Active && route.target_kind() == RouteTargetKind::TransitGateway)
        .then(|| judge_egress(context, &route.target))
}

/// The egress VPC's attachment a fix should name: the one other VPC attachment of `gateway`
/// with a NAT gateway, else a placeholder.
fn egress_attachment<'a>(
    snapshot: &'a crate::snapshot::Snapshot,
    gateway: &str,
    task_vpc: &str,
) -> &'a str {
    let candidates: Vec<&TransitGatewayAttachment> = snapshot
        .transit_gateway_attachments
        .iter()
        .filter(|attachment| {
            attachment.transit_gateway_id == gateway
                && attachment.resource_type == "vpc"
                && attachment.resource_id != task_vpc
                && snapshot
                    .nat_gateways
                    .iter()
                    .any(|nat| nat.vpc_id == attachment.resource_id)
        })
        .collect();
    match candidates.as_slice() {
        [one] => one.id.as_str(),
        _ => "<egress VPC attachment id>",
    }
}

fn unavailable(attachment: &TransitGatewayAttachment, between: String) -> Option<Verdict> {
    (!attachment.state.eq_ignore_ascii_case("available")).then(|| {
        Verdict::Block(
            CHECK
                .finding(format!("Transit gateway attachment {} of {} is {}, not available", attachment.id, attachment.resource_id, attachment.state))
                .resources([attachment.id.as_str(), attachment.transit_gateway_id.as_str()])
                .detail(format!("Traffic {between} crosses {} through {}, which carries nothing until it is available (a cross-account attachment waits for acceptance).", attachment.transit_gateway_id, attachment.id)),
        )
    })
}

fn judge_egress(context: &PathContext, gateway: &str) -> Verdict {
    let index = context.index;
    let snapshot = index.snapshot;
    let task_vpc = &context.placement.vpc.id;
    let unknown = |title: String,
                   resources: Vec<String>,
                   detail: String,
                   gap: Option<&crate::snapshot::CollectionGap>| {
        Verdict::Unknown(CHECK.finding(title).resources(resources).detail(match gap {
            Some(gap) => format!("{detail} {}", super::collection_gap::because(gap)),
            None => detail,
        }))
    };
    let Some(spoke) = context.transit_gateway_attachment(gateway, task_vpc) else {
        let gap = READS
            .iter()
            .find_map(|api| index.gap_about(&[api], gateway).or_else(|| index.gap(api)));
        return unknown(
            format!(
                "Traffic to {} leaves through {gateway}: no attachment of {task_vpc} to it is in the snapshot, so the path beyond is unknown",
                context.flow.host
            ),
            vec![gateway.to_string(), task_vpc.clone()],
            format!(
                "The route to the internet goes to {gateway}. Where the transit gateway sends it depends on the route table associated with {task_vpc}'s attachment, which was not read (a transit gateway shared from another account is read with that account's role)."
            ),
            gap,
        );
    };
    if let Some(verdict) = unavailable(spoke, format!("from {task_vpc} to the internet")) {
        return verdict;
    }
    let table = match table_of(context, spoke) {
        Ok(table) => table,
        Err(verdict) => return *verdict,
    };
    let block = context.public_destination_block();
    let route = tgw_route_for(table, &block)
        .filter(|route| route.state == RouteState::Active && !route.attachment_ids.is_empty());
    let Some(route) = route else {
        let egress = egress_attachment(snapshot, gateway, task_vpc);
        let now = match tgw_route_for(table, &block) {
            Some(route) if route.state == RouteState::Blackhole => {
                format!("a blackhole route {}", route.destination)
            }
            _ => "no route".to_string(),
        };
        return Verdict::Block(
            CHECK
                .finding(format!("Transit gateway route table {} has no route to {block} for the traffic to {} ({now})", table.id, context.flow.host))
                .resources([table.id.as_str(), spoke.id.as_str()])
                .resources((egress != "<egress VPC attachment id>").then(|| egress.to_string()))
                .detail(format!("{} sends {} to {gateway}; traffic entering it from {} ({task_vpc}) is routed by {}, which has {now} for {block}, so the packets are dropped before any egress VPC.", context.placement.route_table.map_or(context.subnet_id(), |t| t.id.as_str()), context.flow.kind.describe(), spoke.id, table.id))
                .fix(
                    format!("aws ec2 create-transit-gateway-route --transit-gateway-route-table-id {} --destination-cidr-block 0.0.0.0/0 --transit-gateway-attachment-id {}", sh(&table.id), sh(egress)),
                    format!("resource \"aws_ec2_transit_gateway_route\" \"{}_default\" {{\n  transit_gateway_route_table_id = \"{}\"\n  destination_cidr_block         = \"0.0.0.0/0\"\n  transit_gateway_attachment_id  = \"{}\"\n}}", label(&table.id), hcl(&table.id), hcl(egress)),
                ),
        );
    };
    let split: Vec<String> = context
        .public_tgw_routes_split(table, route)
        .iter()
        .map(|other| match other.attachment_ids.first() {
            Some(attachment) if other.state != RouteState::Blackhole => {
                format!("{} → {attachment}", other.destination)
            }
            _ => format!("{} (blackhole)", other.destination),
        })
        .collect();
    if !split.is_empty() {
        return unknown(
            format!(
                "{} sends part of the public address space elsewhere than {}: whether the traffic to {} takes the egress path depends on the address it resolves to",
                table.id, route.destination, context.flow.host
            ),
            vec![table.id.clone(), spoke.id.clone()],
            format!(
                "{} resolves to public addresses not known here (no stopped reason names one), and {} has narrower routes for public space: {}.",
                context.flow.host,
                table.id,
                split.join(", ")
            ),
            None,
        );
    }
    let target = &route.attachment_ids[0];
    let Some(egress) = snapshot
        .transit_gateway_attachments
        .iter()
        .find(|attachment| &attachment.id == target)
    else {
        let gap = index.gap_about(&READS, target);
        return unknown(
            format!(
                "{} sends {block} to attachment {target}, which is not in the snapshot: the path beyond is unknown",
                table.id
            ),
            vec![table.id.clone(), target.clone()],
            format!(
                "Traffic from {task_vpc} to {} follows {} → {target}; what that attachment leads to was not read.",
                context.flow.host, route.destination
            ),
            gap,
        );
    };
    if egress.resource_type != "vpc" {
        return unknown(
            format!(
                "{} sends {block} to {} attachment {}: the path beyond it is not visible",
                table.id, egress.resource_type, egress.id
            ),
            vec![
                table.id.clone(),
                egress.id.clone(),
                egress.resource_id.clone(),
            ],
            format!(
                "Traffic from {task_vpc} to {} leaves {gateway} through {} ({} {}); whether it reaches the internet from there cannot be read from this account's APIs.",
                context.flow.host, egress.id, egress.resource_type, egress.resource_id
            ),
            None,
        );
    }
    if egress.resource_id == *task_vpc {
        // The route sends the traffic back to the VPC it came from: it loops, and never reaches
        // an egress VPC (a spoke route table that propagates its own attachment's routes, or a
        // static route pointed at the wrong attachment).
        let to = egress_attachment(snapshot, gateway, task_vpc);
        return Verdict::Block(
            CHECK
                .finding(format!(
                    "Transit gateway route table {} sends {} back to {task_vpc}'s own attachment {}: the traffic to {} loops",
                    table.id, route.destination, egress.id, context.flow.host
                ))
                .resources([table.id.as_str(), egress.id.as_str()])
                .resources((to != "<egress VPC attachment id>").then(|| to.to_string()))
                .detail(format!(
                    "Traffic from {task_vpc} enters {gateway} through {} and is routed by {}, whose route {} leads to {} ({task_vpc}) again, so it never reaches an egress VPC and the connection times out.",
                    spoke.id, table.id, route.destination, egress.id
                ))
                .fix(
                    format!(
                        "aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id {} --destination-cidr-block {} --transit-gateway-attachment-id {}",
                        sh(&table.id),
                        sh(&route.destination.to_string()),
                        sh(to)
                    ),
                    format!(
                        "resource \"aws_ec2_transit_gateway_route\" \"{}_default\" {{\n  transit_gateway_route_table_id = \"{}\"\n  destination_cidr_block         = \"{}\"\n  transit_gateway_attachment_id  = \"{}\"\n}}",
                        label(&table.id),
                        hcl(&table.id),
                        hcl(&route.destination.to_string()),
                        hcl(to)
                    ),
                ),
        );
    }
    if let Some(verdict) = unavailable(
        egress,
        format!("from {task_vpc} to the egress VPC {}", egress.resource_id),
    ) {
        return verdict;
    }
    if index.vpc(&egress.resource_id).is_none() {
        let gap = index.gap_about(&["ec2:DescribeVpcs"], &egress.resource_id);
        return unknown(
            format!(
                "The egress VPC {} behind {} could not be read: whether it reaches the internet is unknown",
                egress.resource_id, egress.id
            ),
            vec![
                egress.resource_id.clone(),
                egress.id.clone(),
                table.id.clone(),
            ],
            format!(
                "{} sends {block} to {} ({}); its route tables and NAT gateways are not in the snapshot.",
                table.id, egress.id, egress.resource_id
            ),
            gap,
        );
    }
    let back = match leg(context, egress, &context.source_block(), spoke) {
        Ok(evidence) => evidence,
        Err(verdict) => return *verdict,
    };
    Verdict::Pass(format!(
        "{} routes {block} to {} ({}); {back}",
        table.id, egress.id, egress.resource_id
    ))
}

const READS: [&str; 3] = [
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayVpcAttachments",
    "ec2:SearchTransitGatewayRoutes",
];

fn judge(
    context: &PathContext,
    endpoint: &VpcEndpoint,
    eni: &EndpointInterface,
    gateway: &str,
) -> Verdict {
    let index = context.index;
    let snapshot = index.snapshot;
    let task_vpc = &context.placement.vpc.id;
    let attachment_of = |vpc: &str| {
        snapshot
            .transit_gateway_attachments
            .iter()
            .find(|attachment| {
                attachment.transit_gateway_id == gateway
                    && attachment.resource_type == "vpc"
                    && attachment.resource_id == vpc
            })
    };
    let unknown = |what: String, resources: Vec<String>| {
        let gap = READS
            .iter()
            .find_map(|api| index.gap_about(&[api], gateway).or_else(|| index.gap(api)));
        Verdict::Unknown(
            CHECK
                .finding(format!("{what}: the transit gateway's side is unknown"))
                .resources(resources)
                .detail(match gap {
                    Some(gap) => super::collection_gap::because(gap),
                    None => format!("{what}. The snapshot does not hold it (a transit gateway shared from another account is read with that account's role)."),
                }),
        )
    };
    let (Some(spoke), Some(hub)) = (attachment_of(task_vpc), attachment_of(&endpoint.vpc_id))
    else {
        let missing = if attachment_of(task_vpc).is_none() {
            task_vpc
        } else {
            &endpoint.vpc_id
        };
        return unknown(
            format!("No attachment of {missing} to {gateway} is in the snapshot"),
            vec![gateway.to_string(), missing.clone()],
        );
    };
    for attachment in [spoke, hub] {
        if !attachment.state.eq_ignore_ascii_case("available") {
            return Verdict::Block(
                CHECK
                    .finding(format!("Transit gateway attachment {} of {} is {}, not available", attachment.id, attachment.resource_id, attachment.state))
                    .resources([attachment.id.as_str(), gateway])
                    .detail(format!("Traffic between {task_vpc} and {} crosses {gateway} through {}, which carries nothing until it is available (a cross-account attachment waits for acceptance).", endpoint.vpc_id, attachment.id)),
            );
        }
    }
    let task_address = context.source_block();
    let eni_address = Ipv4Cidr::host(eni.private_ip);
    // There: the spoke attachment's route table to the endpoint's address.
    let there = match leg(context, spoke, &eni_address, hub) {
        Ok(evidence) => evidence,
        Err(verdict) => return *verdict,
    };
    // Back, in the endpoint's VPC: its subnet's route table to the task's address.
    let Some(subnet) = index.subnet(&eni.subnet_id) else {
        return unknown(
            format!(
                "Subnet {} of {} is not in the snapshot",
                eni.subnet_id, endpoint.id
            ),
            vec![eni.subnet_id.clone()],
        );
    };
    let Some(hub_table) = index.route_table_for(subnet) else {
        return unknown(
            format!("The route table of {} is not in the snapshot", subnet.id),
            vec![subnet.id.clone()],
        );
    };
    match route_for(index, hub_table, &task_address) {
        Some(route) if route.state == RouteState::Active && route.target == gateway => {}
        route => {
            let spoke_cidr = context
                .placement
                .vpc
                .cidr_blocks
                .first()
                .map(ToString::to_string)
                .unwrap_or_else(|| task_address.to_string());
            let now = route.map_or("no route".to_string(), |route| {
                format!(
                    "{} → {}{}",
                    route.destination,
                    route.target,
                    if route.state == RouteState::Blackhole {
                        " (blackhole)"
                    } else {
                        ""
                    }
                )
            });
            return Verdict::Block(
                CHECK
                    .finding(format!("{} has no route back to {task_address} through {gateway} ({now})", hub_table.id))
                    .resources([hub_table.id.as_str(), gateway])
                    .detail(format!("Replies from {}'s interface {} in {} follow {}'s route table {}, which must send the task's address {task_address} back to {gateway}; it has {now}.", endpoint.id, eni.private_ip, subnet.id, subnet.id, hub_table.id))
                    .fix(
                        format!("aws ec2 create-route --route-table-id {} --destination-cidr-block {} --transit-gateway-id {}", sh(&hub_table.id), sh(&spoke_cidr), sh(gateway)),
                        format!("resource \"aws_route\" \"{}_to_{}\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"{}\"\n  transit_gateway_id     = \"{}\"\n}}", label(&hub_table.id), label(task_vpc), hcl(&hub_table.id), hcl(&spoke_cidr), hcl(gateway)),
                    ),
            );
        }
    }
    // Back through the transit gateway: the hub attachment's route table to the task.
    let back = match leg(context, hub, &task_address, spoke) {
        Ok(evidence) => evidence,
        Err(verdict) => return *verdict,
    };
    Verdict::Pass(format!(
        "{there}; {} routes {task_address} to {gateway}; {back}",
        hub_table.id
    ))
}

/// The transit gateway route table associated with `from`, or the verdict that stops the walk:
/// unknown when it was not read, a block when the attachment is associated with none.
fn table_of<'a>(
    context: &PathContext<'a, '_>,
    from: &TransitGatewayAttachment,
) -> Result<&'a TransitGatewayRouteTable, Box<Verdict>> {
    let gateway = &from.transit_gateway_id;
    if let Some(table) = context.transit_gateway_route_table(from) {
        return Ok(table);
    }
    let gap = from
        .association_route_table_id
        .as_deref()
        .and_then(|table| context.index.gap_about(&READS, table))
        .or_else(|| READS.iter().find_map(|api| context.index.gap(api)));
    let finding = CHECK
        .finding(format!(
            "The transit gateway route table of attachment {} is not in the snapshot",
            from.id
        ))
        .resources([from.id.as_str(), gateway.as_str()]);
    Err(Box::new(match (gap, from.association_route_table_id.is_some()) {
        (Some(gap), _) => Verdict::Unknown(finding.detail(super::collection_gap::because(gap))),
        (None, true) => Verdict::Unknown(finding.detail("Its associated route table was not read.")),
        (None, false) => Verdict::Block(
            CHECK
                .finding(format!("Transit gateway attachment {} ({}) is associated with no route table", from.id, from.resource_id))
                .resources([from.id.as_str(), gateway.as_str()])
                .detail(format!("{gateway} routes the traffic entering from {} by the route table associated with it; with none, it drops everything.", from.id))
                .fix(
                    format!("aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id <route table id> --transit-gateway-attachment-id {}", sh(&from.id)),
                    format!("resource \"aws_ec2_transit_gateway_route_table_association\" \"{}\" {{\n  transit_gateway_attachment_id  = \"{}\"\n  transit_gateway_route_table_id = \"<route table id>\"\n}}", label(&from.id), hcl(&from.id)),
                ),
        ),
    }))
}

/// One direction through the transit gateway: the route table associated with `from` must send
/// `destination` to `to`. The evidence, or the verdict that stops the walk.
fn leg(
    context: &PathContext,
    from: &TransitGatewayAttachment,
    destination: &Ipv4Cidr,
    to: &TransitGatewayAttachment,
) -> Result<String, Box<Verdict>> {
    let gateway = &from.transit_gateway_id;
    let table = table_of(context, from)?;
    match tgw_route_for(table, destination) {
        Some(route)
            if route.state == RouteState::Active && route.attachment_ids.contains(&to.id) =>
        {
            Ok(format!(
                "{} routes {destination} to {} ({})",
                table.id, to.id, to.resource_id
            ))
        }
        route => {
            let now = match route {
                None => "no route".to_string(),
                Some(route) if route.state == RouteState::Blackhole => {
                    format!("a blackhole route {}", route.destination)
                }
                Some(route) => format!(
                    "{} → {}",
                    route.destination,
                    route.attachment_ids.join(", ")
                ),
            };
            let cidr = context
                .index
                .vpc(&to.resource_id)
                .and_then(|vpc| vpc.cidr_blocks.first())
                .map(ToString::to_string)
                .unwrap_or_else(|| destination.to_string());
            Err(Box::new(Verdict::Block(
                CHECK
                    .finding(match route {
                        None => format!("Transit gateway route table {} has no route to {} ({cidr})", table.id, to.id),
                        Some(_) => format!("Transit gateway route table {} does not route {cidr} to {} ({now})", table.id, to.id),
                    })
                    .resources([table.id.as_str(), from.id.as_str(), to.id.as_str()])
                    .detail(format!("Traffic entering {gateway} from {} ({}) is routed by {}, which must send {}'s range {cidr} to {}; it has {now}, so the packets are dropped.", from.id, from.resource_id, table.id, to.resource_id, to.id))
                    .fix(
                        format!("aws ec2 create-transit-gateway-route --transit-gateway-route-table-id {} --destination-cidr-block {} --transit-gateway-attachment-id {}\n# or propagate the attachment's routes: aws ec2 enable-transit-gateway-route-table-propagation with the same route table and attachment", sh(&table.id), sh(&cidr), sh(&to.id)),
                        format!("resource \"aws_ec2_transit_gateway_route\" \"{}_{}\" {{\n  transit_gateway_route_table_id = \"{}\"\n  destination_cidr_block         = \"{}\"\n  transit_gateway_attachment_id  = \"{}\"\n}}", label(&table.id), label(&to.id), hcl(&table.id), hcl(&cidr), hcl(&to.id)),
                    ),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn narrower_public_routes_elsewhere_leave_the_egress_unknown() {
        let mut snapshot = scenario("centralized-egress-healthy");
        for table in &mut snapshot.transit_gateway_route_tables {
            if table.id == "tgw-rtb-spokes" {
                let mut half = table.routes[0].clone();
                half.destination = "0.0.0.0/1".parse().unwrap();
                half.attachment_ids = vec!["tgw-attach-spoke".into()];
                table.routes.push(half);
            }
        }
        let findings = findings_of(&snapshot, "PC308");
        assert!(
            findings
                .iter()
                .any(|f| f.title.contains("part of the public address space")),
            "{findings:?}"
        );
        // The flows to names of unknown addresses are unknown; S3's prefix list lies in
        // 0.0.0.0/1, which goes back to the spoke: that one loops.
        for finding in &findings {
            if finding.title.contains("part of the public address space") {
                assert_eq!(finding.severity, Severity::Warning, "{finding:?}");
            } else {
                assert!(finding.title.contains("loops"), "{finding:?}");
            }
        }
    }

    #[test]
    fn a_route_back_to_the_task_vpcs_own_attachment_is_a_loop() {
        let mut snapshot = scenario("centralized-egress-healthy");
        for table in &mut snapshot.transit_gateway_route_tables {
            for route in &mut table.routes {
                if route.destination.to_string() == "0.0.0.0/0" {
                    route.attachment_ids = vec!["tgw-attach-spoke".into()];
                }
            }
        }
        let findings = findings_of(&snapshot, "PC308");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Error && f.title.contains("loops")),
            "{findings:?}"
        );
    }

    #[test]
    fn routes_both_ways_through_the_transit_gateway_pass() {
        assert!(findings_of(&scenario("hub-spoke-healthy"), "PC308").is_empty());
    }

    #[test]
    fn a_hub_route_table_without_the_way_back_names_it_and_the_route_to_add() {
        let findings = findings_of(&scenario("hub-tgw-return-route-missing"), "PC308");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(
                finding.resources,
                ["tgw-rtb-hub", "tgw-attach-hub", "tgw-attach-spoke"]
            );
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains("--transit-gateway-route-table-id tgw-rtb-hub --destination-cidr-block 10.0.0.0/16 --transit-gateway-attachment-id tgw-attach-spoke"), "{}", fix.aws_cli);
        }
    }

    #[test]
    fn the_hub_subnets_route_back_and_a_blackhole_are_checked_too() {
        let mut snapshot = scenario("hub-spoke-healthy");
        let table = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-hub")
            .unwrap();
        table.routes.retain(|route| route.target != "tgw-0hub");
        let findings = findings_of(&snapshot, "PC308");
        assert!(
            !findings.is_empty() && findings.iter().all(|f| f.resources[0] == "rtb-hub"),
            "{findings:#?}"
        );

        let mut snapshot = scenario("hub-spoke-healthy");
        let table = snapshot
            .transit_gateway_route_tables
            .iter_mut()
            .find(|t| t.id == "tgw-rtb-spokes")
            .unwrap();
        table.routes[0].state = crate::snapshot::RouteState::Blackhole;
        table.routes[0].attachment_ids.clear();
        let findings = findings_of(&snapshot, "PC308");
        assert!(
            !findings.is_empty() && findings.iter().all(|f| f.title.contains("blackhole")),
            "{findings:#?}"
        );
    }

    #[test]
    fn centralized_egress_is_walked_through_the_transit_gateway_both_ways() {
        assert!(findings_of(&scenario("centralized-egress-healthy"), "PC308").is_empty());
        let findings = findings_of(
            &scenario("centralized-egress-tgw-return-route-missing"),
            "PC308",
        );
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(
                finding.resources,
                ["tgw-rtb-egress", "tgw-attach-egress", "tgw-attach-spoke"]
            );
        }
        // The spoke's table without its default route: the fix names the egress attachment.
        let mut snapshot = scenario("centralized-egress-healthy");
        let table = snapshot
            .transit_gateway_route_tables
            .iter_mut()
            .find(|t| t.id == "tgw-rtb-spokes")
            .unwrap();
        table.routes[0].state = crate::snapshot::RouteState::Blackhole;
        table.routes[0].attachment_ids.clear();
        let findings = findings_of(&snapshot, "PC308");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert!(finding.title.contains("blackhole"), "{}", finding.title);
            assert!(finding.fix.as_ref().unwrap().aws_cli.contains("--transit-gateway-route-table-id tgw-rtb-spokes --destination-cidr-block 0.0.0.0/0 --transit-gateway-attachment-id tgw-attach-egress"));
        }
        // An egress VPC of another account (not read) is unknown, naming it and why.
        let mut snapshot = scenario("centralized-egress-healthy");
        snapshot.vpcs.retain(|vpc| vpc.id != "vpc-0egress");
        snapshot.gaps.push(crate::snapshot::CollectionGap {
            api: "ec2:DescribeVpcs".into(),
            resource: Some("vpc-0egress".into()),
            error_code: "CrossAccount".into(),
            message:
                "vpc-0egress, reached through tgw-attach-egress, belongs to account 444455556666"
                    .into(),
        });
        let findings = findings_of(&snapshot, "PC308");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(finding.resources[0], "vpc-0egress");
            assert!(
                finding.detail.contains("444455556666"),
                "{}",
                finding.detail
            );
        }
    }

    #[test]
    fn transit_gateway_data_not_read_is_unknown() {
        let mut snapshot = scenario("hub-spoke-healthy");
        snapshot.transit_gateway_route_tables.clear();
        snapshot.gaps.push(crate::snapshot::CollectionGap {
            api: "ec2:SearchTransitGatewayRoutes".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC308");
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    }
}
