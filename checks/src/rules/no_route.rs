use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};

declare_check! {
    /// ## What it does
    /// Reports a flow that no VPC endpoint serves and for which the task subnet's route table
    /// has no route out of the VPC (no default route to a NAT gateway or internet gateway).
    ///
    /// ## Why is this bad
    /// Without an endpoint, the service's name resolves to public addresses; without a route to
    /// them the connection times out (`dial tcp <public ip>:443: i/o timeout`, or
    /// `context canceled`).
    ///
    /// ## Example
    /// An isolated subnet with only the `local` route, running a task whose image is on Docker
    /// Hub.
    ///
    /// ## Fix
    /// Add the missing VPC endpoint (for AWS services in the task's region), or route
    /// `0.0.0.0/0` through a NAT gateway.
    pub static CHECK = ("PC302", "no-internet-route", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::Internet(None) | Site::Nowhere => Some(judge(context)),
        _ => None,
    }
}

fn judge(context: &PathContext) -> Verdict {
    let subnet = context.subnet_id();
    let vpc = &context.placement.vpc.id;
    if let Some(verdict) = super::collection_gap::unread_route_table(context, &CHECK) {
        return verdict;
    }
    let table = context
        .placement
        .route_table
        .map(|table| table.id.as_str())
        .unwrap_or("<route table>");
    let ipv6_exit = ipv6_default_route(context);
    if let Some(gateway) = ipv6_exit
        && crate::flows::is_dual_stack_registry(&context.flow.host)
    {
        // ECR's dual-stack host answers over IPv6; the engine walks IPv4 only.
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether {} is reachable over IPv6 through {gateway} is not checked", context.flow.host))
                .resources([table, subnet, gateway])
                .detail(format!(
                    "{}. {table} has no IPv4 route out of the VPC, but routes ::/0 to {gateway}, and ECR's dual-stack registry host {} has IPv6 addresses: whether the task's IPv6 address, security groups and network ACLs let the pull through is not modelled.",
                    context.flow.because, context.flow.host
                )),
        );
    }
    let auth_note = ipv4_only_auth_note(context, ipv6_exit);
    let nat = context
        .index
        .snapshot
        .nat_gateways
        .iter()
        .find(|nat| {
            &nat.vpc_id == vpc && nat.state == "available" && nat.connectivity_type == "public"
        })
        .map(|nat| nat.id.as_str());
    let nat_id = nat.unwrap_or("<nat gateway id>");
    let title = match &auth_note {
        Some(_) => format!(
            "Route table {table} of {subnet} has no IPv4 route to {}: registry auth needs IPv4 even for a dual-stack image",
            context.flow.host
        ),
        None => format!(
            "Route table {table} of {subnet} has no route to the internet for {}",
            context.flow.host
        ),
    };
    Verdict::Block(
        CHECK
            .finding(title)
            .resources([table, subnet])
            .resources(nat)
            .detail(format!(
                "{}, so the task needs {} ({}). {table} has no default route to a NAT or internet gateway{}.{}",
                context.flow.because,
                context.flow.kind.describe(),
                context.flow.host,
                match nat {
                    Some(nat) => format!("; {nat} is available in {vpc}"),
                    None => format!(" and {vpc} has no available public NAT gateway"),
                },
                auth_note.map(|note| format!(" {note}")).unwrap_or_default()
            ))
            .fix(
                // The placeholder stays unquoted, for the engineer to replace.
                format!("aws ec2 create-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {}", sh(table), nat.map(sh).unwrap_or_else(|| nat_id.to_string())),
                format!(
                    "resource \"aws_route\" \"{}_default\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  nat_gateway_id         = \"{}\"\n}}",
                    label(table),
                    hcl(table),
                    hcl(nat_id)
                ),
            ),
    )
}

/// The IPv6 default route (`::/0`) of the placement's route table to an egress-only or internet
/// gateway, when it has one: the gateway's id.
pub(crate) fn ipv6_default_route<'a>(context: &PathContext<'a, '_>) -> Option<&'a str> {
    context
        .placement
        .route_table?
        .routes
        .iter()
        .find_map(|route| {
            let crate::snapshot::RouteDestination::Ipv6(cidr) = &route.destination else {
                return None;
            };
            (cidr == "::/0"
                && route.state != crate::snapshot::RouteState::Blackhole
                && (route.target.starts_with("eigw-") || route.target.starts_with("igw-")))
            .then_some(route.target.as_str())
        })
}

/// For the ECR auth flow of a task with a dual-stack image: why an IPv6 path does not help.
/// Registry auth (`ecr:GetAuthorizationToken`) goes to `api.ecr.REGION.amazonaws.com`, which has
/// IPv4 addresses only, whatever host the image names
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html>: IPv6 requests need
/// the dual-stack hosts, which the agent does not use for auth).
pub(crate) fn ipv4_only_auth_note(
    context: &PathContext,
    ipv6_exit: Option<&str>,
) -> Option<String> {
    if context.flow.kind != crate::flows::FlowKind::EcrAuth {
        return None;
    }
    let definition = context.target.definition?;
    let images = crate::flows::dual_stack_images(definition, &context.flow.region);
    let image = images.first()?;
    let ipv6 = ipv6_exit
        .map(|gateway| format!(" The IPv6 route ::/0 → {gateway} does not carry it."))
        .unwrap_or_default();
    Some(format!(
        "Registry auth needs IPv4 even for a dual-stack image: {image} is pulled from ECR's dual-stack host (ECR's own registry, IPv4 and IPv6), but the agent gets its token from {}, which has IPv4 addresses only.{ipv6} Give the subnet an IPv4 path to it: the ecr.api interface endpoint, or a NAT gateway route.",
        context.flow.host
    ))
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    /// The NAT path running a ghcr.io image (no VPC endpoint serves it); with `default_route`
    /// false, the private subnets' table keeps only its local route.
    fn ghcr(default_route: bool) -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        snapshot.task_definitions[0].containers[0].image = "ghcr.io/example/web:1.4.2".into();
        if !default_route {
            let private = snapshot
                .route_tables
                .iter_mut()
                .find(|t| t.id == "rtb-private")
                .unwrap();
            private.routes.retain(|route| route.target == "local");
        }
        snapshot
    }

    #[test]
    fn a_default_route_through_the_nat_gateway_reaches_an_external_registry() {
        assert!(findings_of(&ghcr(true), "PC302").is_empty());
        assert!(findings_of(&scenario("healthy-endpoints"), "PC302").is_empty());
    }

    #[test]
    fn a_subnet_with_only_the_local_route_cannot_reach_an_external_registry() {
        let findings = findings_of(&ghcr(false), "PC302");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        for (finding, subnet) in findings
            .iter()
            .zip(["subnet-private-a", "subnet-private-b"])
        {
            assert_eq!(finding.severity, Severity::Error);
            // The VPC's available NAT gateway is what the fix routes to.
            assert_eq!(finding.resources, ["rtb-private", subnet, "nat-0a1"]);
            assert!(
                finding
                    .title
                    .contains("no route to the internet for ghcr.io")
            );
        }
    }

    #[test]
    fn an_unread_route_table_is_unknown_not_missing() {
        let mut snapshot = ghcr(true);
        snapshot.route_tables.clear();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeRouteTables".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC302");
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        assert!(findings.iter().any(|f| f.resources == ["subnet-private-a"]));
    }
}
