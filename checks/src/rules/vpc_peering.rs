use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict, route_for};
use crate::snapshot::{EndpointInterface, RouteState, RouteTargetKind, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// Follows the task's traffic to an interface endpoint in a peered VPC: the peering
    /// connection is active and joins the two VPCs, and the endpoint subnet's route table sends
    /// the task's address back through the same connection.
    ///
    /// ## Why is this bad
    /// Peering is not transitive and carries only what both sides route to it (Amazon VPC
    /// Peering Guide, "Update your route tables for a VPC peering connection"): without the
    /// return route the replies are dropped and the task times out.
    ///
    /// ## Example
    /// A hub route table with no route to the spoke's `10.0.0.0/16` through `pcx-…`.
    ///
    /// ## Fix
    /// Accept the connection if it is pending; add the return route in the endpoint subnet's
    /// route table.
    pub static CHECK = ("PC309", "vpc-peering-route", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let Site::EndpointInterface(endpoint, eni) = site else {
        return None;
    };
    let route = context.route_to_remote(endpoint)?;
    (route.state == RouteState::Active && route.target_kind() == RouteTargetKind::VpcPeering)
        .then(|| judge(context, endpoint, eni, &route.target))
}

fn judge(
    context: &PathContext,
    endpoint: &VpcEndpoint,
    eni: &EndpointInterface,
    peering_id: &str,
) -> Verdict {
    let index = context.index;
    let task_vpc = &context.placement.vpc.id;
    let Some(peering) = index
        .snapshot
        .vpc_peering_connections
        .iter()
        .find(|peering| peering.id == peering_id)
    else {
        let gap = index.gap_about(&["ec2:DescribeVpcPeeringConnections"], peering_id);
        return Verdict::Unknown(
            CHECK
                .finding(format!("Peering connection {peering_id} is not in the snapshot: the way to {} is unknown", endpoint.id))
                .resources([peering_id, endpoint.id.as_str()])
                .detail(gap.map_or_else(|| "The connection was not read.".to_string(), super::collection_gap::because)),
        );
    };
    let joins = [&peering.requester_vpc_id, &peering.accepter_vpc_id];
    if !joins.contains(&task_vpc) || !joins.contains(&&endpoint.vpc_id) {
        return Verdict::Block(
            CHECK
                .finding(format!(
                    "Peering connection {peering_id} joins {} and {}, not {task_vpc} and {}",
                    peering.requester_vpc_id, peering.accepter_vpc_id, endpoint.vpc_id
                ))
                .resources([peering_id, endpoint.id.as_str()])
                .detail("Peering is not transitive: traffic to a third VPC through it is dropped."),
        );
    }
    if !peering.status.eq_ignore_ascii_case("active") {
        return Verdict::Block(
            CHECK
                .finding(format!("Peering connection {peering_id} is {}, not active", peering.status))
                .resources([peering_id])
                .detail("A peering connection carries traffic only once accepted and active.")
                .fix(
                    format!("aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {}", sh(peering_id)),
                    format!("resource \"aws_vpc_peering_connection_accepter\" \"{}\" {{\n  vpc_peering_connection_id = \"{}\"\n  auto_accept               = true\n}}", label(peering_id), hcl(peering_id)),
                ),
        );
    }
    let task_address = context.source_block();
    let table = index
        .subnet(&eni.subnet_id)
        .and_then(|subnet| index.route_table_for(subnet));
    let Some(table) = table else {
        return Verdict::Unknown(
            CHECK
                .finding(format!(
                    "The route table of {} is not in the snapshot",
                    eni.subnet_id
                ))
                .resource(eni.subnet_id.as_str()),
        );
    };
    match route_for(index, table, &task_address) {
        Some(route) if route.state == RouteState::Active && route.target == peering_id => {
            Verdict::Pass(format!(
                "{peering_id} is active; {} routes {task_address} back to it",
                table.id
            ))
        }
        _ => {
            let cidr = context
                .placement
                .vpc
                .cidr_blocks
                .first()
                .map(ToString::to_string)
                .unwrap_or_else(|| task_address.to_string());
            Verdict::Block(
                CHECK
                    .finding(format!("{} has no route back to {task_address} through {peering_id}", table.id))
                    .resources([table.id.as_str(), peering_id])
                    .detail(format!("Replies from {} in {} follow {}, which must send {task_address} to {peering_id}.", eni.private_ip, eni.subnet_id, table.id))
                    .fix(
                        format!("aws ec2 create-route --route-table-id {} --destination-cidr-block {} --vpc-peering-connection-id {}", sh(&table.id), sh(&cidr), sh(peering_id)),
                        format!("resource \"aws_route\" \"{}_to_{}\" {{\n  route_table_id            = \"{}\"\n  destination_cidr_block    = \"{}\"\n  vpc_peering_connection_id = \"{}\"\n}}", label(&table.id), label(task_vpc), hcl(&table.id), hcl(&cidr), hcl(peering_id)),
                    ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{Snapshot, VpcPeeringConnection};

    /// The hub reached through a peering connection instead of the transit gateway.
    fn peered() -> Snapshot {
        let mut snapshot = scenario("hub-spoke-healthy");
        for table in &mut snapshot.route_tables {
            for route in &mut table.routes {
                if route.target == "tgw-0hub" {
                    route.target = "pcx-0hub".into();
                }
            }
        }
        snapshot.vpc_peering_connections.push(VpcPeeringConnection {
            id: "pcx-0hub".into(),
            requester_vpc_id: "vpc-0a1".into(),
            accepter_vpc_id: "vpc-0hub".into(),
            status: "active".into(),
        });
        snapshot
    }

    #[test]
    fn an_active_peering_with_routes_both_ways_passes() {
        assert!(findings_of(&peered(), "PC309").is_empty());
        assert!(findings_of(&peered(), "PC308").is_empty());
    }

    #[test]
    fn a_pending_peering_or_a_missing_return_route_blocks() {
        let mut pending = peered();
        pending.vpc_peering_connections[0].status = "pending-acceptance".into();
        let findings = findings_of(&pending, "PC309");
        assert!(
            !findings.is_empty()
                && findings
                    .iter()
                    .all(|f| f.severity == Severity::Error && f.resources == ["pcx-0hub"])
        );

        let mut one_way = peered();
        let hub = one_way
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-hub")
            .unwrap();
        hub.routes.retain(|route| route.target != "pcx-0hub");
        let findings = findings_of(&one_way, "PC309");
        assert!(
            !findings.is_empty() && findings.iter().all(|f| f.resources[0] == "rtb-hub"),
            "{findings:#?}"
        );
    }
}
