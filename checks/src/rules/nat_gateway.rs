use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict, route_for_public};
use crate::snapshot::{RouteState, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// Follows a default route to a NAT gateway and checks the gateway can reach the internet:
    /// it exists and is `available`, its connectivity type is `public`, and the route table of
    /// the subnet it sits in sends `0.0.0.0/0` to an internet gateway attached to the VPC.
    ///
    /// ## Why is this bad
    /// A NAT gateway placed in a private subnet, a private NAT gateway, or one whose public
    /// subnet lost its internet gateway route forwards packets nowhere: the task sees the same
    /// timeout as with no route at all, and the runbook blames the task's subnet.
    ///
    /// ## Example
    /// `nat-0a1` sits in `subnet-private-a`, whose table routes `0.0.0.0/0` back to `nat-0a1`.
    ///
    /// ## Fix
    /// Route `0.0.0.0/0` from the NAT gateway's subnet to the VPC's internet gateway, or move the
    /// NAT gateway to a public subnet.
    pub static CHECK = ("PC304", "nat-gateway-no-internet", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    site.usable_route(RouteTargetKind::NatGateway).map(|route| {
        judge(
            context,
            &route.target,
            context.subnet_id(),
            context.placement.route_table.map(|table| table.id.as_str()),
        )
    })
}

/// The NAT gateway of a centralized egress VPC: the one the egress attachment's subnet routes
/// the task's traffic to, after the transit gateway (PC308 and PC311 judge the way there).
pub fn through_transit_gateway(context: &PathContext, site: Site) -> Option<Verdict> {
    let route = site.usable_route(RouteTargetKind::TransitGateway)?;
    let egress = context.egress_through(&route.target)?;
    let (nat, subnet) = (egress.nat?, egress.subnet?);
    let table = context
        .index
        .route_table_for(subnet)
        .map(|table| table.id.as_str());
    Some(judge(context, &nat.id, &subnet.id, table))
}

/// Whether NAT gateway `nat_id`, which `from_subnet`'s route table `from_table` sends the
/// task's traffic to, reaches the internet.
fn judge(
    context: &PathContext,
    nat_id: &str,
    from_subnet: &str,
    from_table: Option<&str>,
) -> Verdict {
    let index = context.index;
    let Some(nat) = index.nat_gateway(nat_id) else {
        return Verdict::Unknown(
            CHECK
                .finding(format!("NAT gateway {nat_id} is not in the snapshot"))
                .resource(nat_id)
                .detail("The route names a NAT gateway the collector did not return."),
        );
    };
    let fail = |problem: String, detail: String, cli: String, terraform: String| {
        Verdict::Block(
            CHECK
                .finding(format!("NAT gateway {} {problem}", nat.id))
                .resources([nat.id.as_str(), nat.subnet_id.as_str()])
                .detail(detail)
                .fix(cli, terraform),
        )
    };
    if nat.state != "available" {
        return fail(
            format!("is `{}`", nat.state),
            format!(
                "The default route of {} sends traffic to {}, which is in state `{}` and forwards nothing.",
                from_subnet, nat.id, nat.state
            ),
            format!(
                "aws ec2 describe-nat-gateways --nat-gateway-ids {} --query 'NatGateways[].[State,FailureMessage]'",
                sh(&nat.id)
            ),
            format!(
                "# re-create the aws_nat_gateway {} in a public subnet",
                note(&nat.id)
            ),
        );
    }
    if nat.connectivity_type != "public" {
        return fail(
            "is a private NAT gateway: it has no path to the internet".into(),
            format!("{} has connectivity type `{}`; it translates addresses for other VPCs or on-premises networks only.", nat.id, nat.connectivity_type),
            format!("aws ec2 create-nat-gateway --subnet-id <public subnet id> --allocation-id <eip allocation id>\naws ec2 replace-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id <new nat id>", sh(from_table.unwrap_or("<route table id>"))),
            "resource \"aws_nat_gateway\" \"public\" {\n  connectivity_type = \"public\"\n  subnet_id         = \"<public subnet id>\"\n  allocation_id     = \"<eip allocation id>\"\n}".into(),
        );
    }
    let nat_table = index
        .subnet(&nat.subnet_id)
        .and_then(|subnet| index.route_table_for(subnet));
    let Some(nat_table) = nat_table else {
        return Verdict::Unknown(
            CHECK
                .finding(format!(
                    "The route table of NAT gateway {}'s subnet {} is not in the snapshot",
                    nat.id, nat.subnet_id
                ))
                .resources([nat.id.as_str(), nat.subnet_id.as_str()])
                .detail("Cannot follow the NAT gateway to the internet."),
        );
    };
    let onward = route_for_public(index, nat_table);
    let igw = onward
        .filter(|route| {
            route.state == RouteState::Active
                && route.target_kind() == RouteTargetKind::InternetGateway
        })
        .and_then(|route| index.internet_gateway(&route.target));
    if let Some(igw) = igw.filter(|igw| igw.attached_vpc_ids.contains(&nat.vpc_id)) {
        return Verdict::Pass(format!(
            "{} in {} reaches the internet through {} ({})",
            nat.id, nat.subnet_id, igw.id, nat_table.id
        ));
    }
    if let Some(route) = onward.filter(|route| {
        route.target_kind() == RouteTargetKind::InternetGateway
            && index.internet_gateway(&route.target).is_none()
    }) && let Some(gap) = index.gap_about(&["ec2:DescribeInternetGateways"], &route.target)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether NAT gateway {} reaches the internet is unknown: internet gateway {} could not be read", nat.id, route.target))
                .resources([nat.id.as_str(), route.target.as_str()])
                .detail(super::collection_gap::because(gap)),
        );
    }
    let vpc_igw = index
        .snapshot
        .internet_gateways
        .iter()
        .find(|igw| igw.attached_vpc_ids.contains(&nat.vpc_id))
        .map(|igw| igw.id.as_str())
        .unwrap_or("<internet gateway id>");
    let found = match onward {
        Some(route) => {
            format!("routes 0.0.0.0/0 to {} ({:?})", route.target, route.state).to_lowercase()
        }
        None => "has no default route".into(),
    };
    fail(
        format!(
            "has no route to an internet gateway: its subnet's table {} {found}",
            nat_table.id
        ),
        format!(
            "{} goes to {} in {}. That subnet uses {}, which {found}, so the NAT gateway cannot forward to the internet.",
            if from_subnet == context.subnet_id() {
                "The task's default route".to_string()
            } else {
                format!("The default route of {from_subnet}")
            },
            nat.id,
            nat.subnet_id,
            nat_table.id
        ),
        format!(
            "aws ec2 create-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --gateway-id {}",
            sh(&nat_table.id),
            sh(vpc_igw)
        ),
        format!(
            "resource \"aws_route\" \"{}_internet\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  gateway_id             = \"{}\"\n}}",
            label(&nat_table.id),
            hcl(&nat_table.id),
            hcl(vpc_igw)
        ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    /// The NAT path whose internet gateway could not be read (with `gap`) or does not exist.
    fn igw_unseen(gap: bool) -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        snapshot.internet_gateways.clear();
        if gap {
            snapshot.gaps.push(CollectionGap {
                api: "ec2:DescribeInternetGateways".into(),
                resource: None,
                error_code: "UnauthorizedOperation".into(),
                message: "no".into(),
            });
        }
        snapshot
    }

    #[test]
    fn a_nat_gateway_in_a_subnet_routed_to_the_internet_gateway_passes() {
        assert!(findings_of(&scenario("nat-path-healthy"), "PC304").is_empty());
    }

    #[test]
    fn a_nat_gateway_whose_subnet_lost_its_internet_route_forwards_nowhere() {
        let mut snapshot = scenario("nat-path-healthy");
        let public = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-public")
            .unwrap();
        public.routes.retain(|route| route.target != "igw-0a1");
        let findings = findings_of(&snapshot, "PC304");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["nat-0a1", "subnet-public-a"]);
            assert!(
                finding.title.contains("rtb-public has no default route"),
                "{}",
                finding.title
            );
        }

        let mut snapshot = scenario("nat-path-healthy");
        snapshot.nat_gateways[0].state = "failed".into();
        let findings = findings_of(&snapshot, "PC304");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Error && f.title.contains("nat-0a1 is `failed`"))
        );
    }

    #[test]
    fn the_nat_gateway_of_a_centralized_egress_vpc_is_judged_the_same_way() {
        assert!(findings_of(&scenario("centralized-egress-healthy"), "PC304").is_empty());
        let mut snapshot = scenario("centralized-egress-healthy");
        let public = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-egress-public")
            .unwrap();
        public.routes.retain(|route| route.target != "igw-0egress");
        let findings = findings_of(&snapshot, "PC304");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["nat-0egress", "subnet-egress-public-a"]);
            assert!(
                finding
                    .detail
                    .contains("The default route of subnet-egress-tgw-"),
                "{}",
                finding.detail
            );
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains("--route-table-id rtb-egress-public --destination-cidr-block 0.0.0.0/0 --gateway-id igw-0egress"), "{}", fix.aws_cli);
        }
    }

    #[test]
    fn an_unread_internet_gateway_leaves_the_nat_gateway_unknown() {
        let findings = findings_of(&igw_unseen(true), "PC304");
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Warning && f.resources == ["nat-0a1", "igw-0a1"])
        );
        // Read and absent, the same gateway is a block.
        let findings = findings_of(&igw_unseen(false), "PC304");
        assert!(!findings.is_empty() && findings.iter().all(|f| f.severity == Severity::Error));
    }
}
