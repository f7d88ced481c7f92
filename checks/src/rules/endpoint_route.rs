use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict, route_for};
use crate::net::Ipv4Cidr;
use crate::snapshot::{EndpointInterface, RouteState, RouteTargetKind, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// For an interface endpoint in another VPC (a hub's shared endpoint, answered by a private
    /// hosted zone), checks that the task subnet's route table sends the endpoint's addresses
    /// to a transit gateway or a peering connection.
    ///
    /// ## Why is this bad
    /// The endpoint's addresses are outside the task's VPC: without a route (a default route to
    /// the transit gateway, or the hub's CIDR) the packets have nowhere to go and the task
    /// times out dialling the endpoint's private address.
    ///
    /// ## Example
    /// A spoke route table with only its `local` route and the S3 gateway endpoint's prefix
    /// list, while `api.ecr.us-east-1.amazonaws.com` resolves to `10.1.10.5` in the hub.
    ///
    /// ## Fix
    /// Route the hub's CIDR (or `0.0.0.0/0`) to the transit gateway the VPC is attached to.
    pub static CHECK = ("PC307", "route-to-endpoint-missing", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::EndpointInterface(endpoint, eni) if endpoint.vpc_id != context.placement.vpc.id => {
            Some(judge(context, endpoint, eni))
        }
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint, eni: &EndpointInterface) -> Verdict {
    let Some(table) = context.placement.route_table else {
        return super::collection_gap::unread_route_table(context, &CHECK).unwrap_or_else(|| {
            Verdict::Unknown(
                CHECK
                    .finding(format!(
                        "The route table of {} is not in the snapshot",
                        context.subnet_id()
                    ))
                    .resource(context.subnet_id()),
            )
        });
    };
    let address = eni.private_ip;
    match route_for(context.index, table, &Ipv4Cidr::host(address)) {
        Some(route) if route.state == RouteState::Active => match route.target_kind() {
            RouteTargetKind::TransitGateway | RouteTargetKind::VpcPeering => Verdict::Pass(format!(
                "{} routes {address} ({}) to {}",
                table.id, endpoint.id, route.target
            )),
            RouteTargetKind::Local => Verdict::Block(
                CHECK
                    .finding(format!("{} sends {address} ({}, in {}) to its local route: the address overlaps the task's VPC", table.id, endpoint.id, endpoint.vpc_id))
                    .resources([table.id.as_str(), endpoint.id.as_str()])
                    .detail(format!("{} in {} is inside {}'s own CIDR, so the task's VPC keeps the traffic and never sends it to {}.", address, endpoint.vpc_id, context.placement.vpc.id, endpoint.vpc_id)),
            ),
            _ => super::route_beyond::check(context, Site::Internet(Some(route)))
                .unwrap_or_else(|| Verdict::Pass(format!("{} routes {address} to {}", table.id, route.target))),
        },
        route => missing(context, endpoint, table.id.as_str(), address, route.map(|r| r.target.as_str())),
    }
}

fn missing(
    context: &PathContext,
    endpoint: &VpcEndpoint,
    table: &str,
    address: std::net::Ipv4Addr,
    blackhole: Option<&str>,
) -> Verdict {
    let vpc = &context.placement.vpc.id;
    let hub_cidr = context
        .index
        .vpc(&endpoint.vpc_id)
        .and_then(|hub| hub.cidr_blocks.first())
        .map(ToString::to_string)
        .unwrap_or_else(|| format!("{address}/32"));
    let gateway = context
        .index
        .snapshot
        .transit_gateway_attachments
        .iter()
        .find(|attachment| &attachment.resource_id == vpc)
        .map(|attachment| attachment.transit_gateway_id.clone())
        .unwrap_or_else(|| "<transit gateway id>".into());
    let (title, why) = match blackhole {
        Some(target) => (
            format!(
                "{table} routes {address} ({}) to {target}, a blackhole",
                endpoint.id
            ),
            format!("the route's target {target} no longer exists"),
        ),
        None => (
            format!(
                "{table} has no route to {address} ({} in {})",
                endpoint.id, endpoint.vpc_id
            ),
            "no route covers it".to_string(),
        ),
    };
    Verdict::Block(
        CHECK
            .finding(title)
            .resources([table, endpoint.id.as_str()])
            .detail(format!(
                "{} resolves to {}'s interface {address} in {}; from {} the route table {table} must send it to the transit gateway or peering connection that reaches {}, but {why}.",
                context.flow.host, endpoint.id, endpoint.vpc_id, context.subnet_id(), endpoint.vpc_id
            ))
            .fix(
                format!(
                    "aws ec2 create-route --route-table-id {} --destination-cidr-block {} --transit-gateway-id {}",
                    sh(table),
                    sh(&hub_cidr),
                    sh(&gateway)
                ),
                format!(
                    "resource \"aws_route\" \"{}_to_{}\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"{}\"\n  transit_gateway_id     = \"{}\"\n}}",
                    label(table),
                    label(&endpoint.vpc_id),
                    hcl(table),
                    hcl(&hub_cidr),
                    hcl(&gateway)
                ),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn a_default_route_to_the_transit_gateway_reaches_the_hub() {
        assert!(findings_of(&scenario("hub-spoke-healthy"), "PC307").is_empty());
    }

    #[test]
    fn a_spoke_without_a_route_to_the_hub_names_its_route_table() {
        let findings = findings_of(&scenario("hub-spoke-route-missing"), "PC307");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "rtb-private");
            let fix = finding.fix.as_ref().unwrap();
            assert!(
                fix.aws_cli
                    .contains("--destination-cidr-block 10.1.0.0/16 --transit-gateway-id tgw-0hub"),
                "{}",
                fix.aws_cli
            );
        }
    }
}
