use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict, route_for_public};
use crate::snapshot::{Ec2Instance, Route, RouteState, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// When the subnet's route out goes to an instance (or its network interface), checks that
    /// the instance can be a NAT instance: running, with its source/destination check off, a
    /// public address, and its own subnet routed to an internet gateway attached to the VPC.
    ///
    /// ## Why is this bad
    /// An instance with the source/destination check on drops every packet not addressed to
    /// itself, so it forwards nothing (Amazon VPC User Guide, "NAT instances": "disable
    /// source/destination checking"). Without a public address or an internet route it has
    /// nowhere to send what it translates. The task then times out dialling ECR's public
    /// addresses.
    ///
    /// ## Example
    /// A NAT instance launched from a generic AMI by a template that left `source_dest_check` at
    /// its default (`true`).
    ///
    /// ## Fix
    /// Turn the source/destination check off (`source_dest_check = false`), give the instance a
    /// public or Elastic IP, and route its subnet to the internet gateway; or replace it with a
    /// NAT gateway.
    pub static CHECK = ("PC310", "nat-instance", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let Site::Internet(Some(route)) = site else {
        return None;
    };
    if route.state == RouteState::Blackhole {
        return None;
    }
    let instance = context.index.instance_for_route(route)?;
    Some(judge(context, route, instance))
}

fn judge(context: &PathContext, route: &Route, instance: &Ec2Instance) -> Verdict {
    let index = context.index;
    let id = instance.id.as_str();
    let block = |problem: String, detail: String, cli: String, terraform: String| {
        Verdict::Block(
            CHECK
                .finding(format!("NAT instance {id} {problem}"))
                .resources([id, route.target.as_str()])
                .resources(context.placement.route_table.map(|table| table.id.clone()))
                .detail(detail)
                .fix(cli, terraform),
        )
    };
    if !instance.state.eq_ignore_ascii_case("running") {
        return block(
            format!("is {}", instance.state),
            format!(
                "The route {} → {} sends the task's traffic to {id}, which is {} and forwards nothing.",
                route.destination, route.target, instance.state
            ),
            format!("aws ec2 start-instances --instance-ids {}", sh(id)),
            format!("# the aws_instance {} must be running", note(id)),
        );
    }
    if instance.source_dest_check {
        return block(
            "has its source/destination check on: it drops what it should forward".into(),
            format!(
                "The route {} → {} in {} sends the task's traffic to {id}. With the source/destination check on, EC2 delivers to the instance only packets addressed to it, so it cannot act as a NAT instance.",
                route.destination,
                route.target,
                context
                    .placement
                    .route_table
                    .map_or("the subnet's route table", |t| t.id.as_str())
            ),
            format!(
                "aws ec2 modify-instance-attribute --instance-id {} --no-source-dest-check",
                sh(id)
            ),
            format!(
                "# on the aws_instance {}\nsource_dest_check = false",
                note(id)
            ),
        );
    }
    if instance.public_ip.is_none() {
        return block(
            "has no public address".into(),
            format!(
                "{id} translates the task's traffic to its own address, which must be public (or an Elastic IP) for the internet to answer."
            ),
            format!(
                "aws ec2 allocate-address --domain vpc\naws ec2 associate-address --instance-id {} --allocation-id <eipalloc id>",
                sh(id)
            ),
            format!(
                "resource \"aws_eip\" \"{}\" {{\n  instance = \"{}\"\n  domain   = \"vpc\"\n}}",
                label(id),
                hcl(id)
            ),
        );
    }
    let table = index
        .subnet(&instance.subnet_id)
        .and_then(|subnet| index.route_table_for(subnet));
    let Some(table) = table else {
        return Verdict::Unknown(
            CHECK
                .finding(format!(
                    "The route table of NAT instance {id}'s subnet {} is not in the snapshot",
                    instance.subnet_id
                ))
                .resources([id, instance.subnet_id.as_str()]),
        );
    };
    let vpc = index
        .subnet(&instance.subnet_id)
        .map(|subnet| subnet.vpc_id.as_str())
        .unwrap_or_default();
    let onward = route_for_public(index, table).filter(|route| {
        route.state == RouteState::Active && route.target_kind() == RouteTargetKind::InternetGateway
    });
    if let Some(route) = onward
        && index.internet_gateway(&route.target).is_none()
        && let Some(gap) = index.gap_about(&["ec2:DescribeInternetGateways"], &route.target)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether NAT instance {id} reaches the internet is unknown: internet gateway {} could not be read", route.target))
                .resources([id, route.target.as_str()])
                .detail(super::collection_gap::because(gap)),
        );
    }
    match onward.and_then(|route| index.internet_gateway(&route.target)) {
        Some(igw) if igw.attached_vpc_ids.iter().any(|attached| attached == vpc) => {
            Verdict::Pass(format!(
                "{id} (source/destination check off, {}) in {} reaches the internet through {} ({})",
                instance
                    .public_ip
                    .map(|ip| ip.to_string())
                    .unwrap_or_default(),
                instance.subnet_id,
                igw.id,
                table.id
            ))
        }
        _ => block(
            format!(
                "has no route to an internet gateway: its subnet's table {} has none",
                table.id
            ),
            format!(
                "{id} is in {}, whose route table {} does not send 0.0.0.0/0 to an internet gateway attached to {vpc}.",
                instance.subnet_id, table.id
            ),
            format!(
                "aws ec2 create-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --gateway-id <igw id>",
                sh(&table.id)
            ),
            format!(
                "resource \"aws_route\" \"{}_internet\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  gateway_id             = \"<igw id>\"\n}}",
                label(&table.id),
                hcl(&table.id)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn a_running_nat_instance_with_the_check_off_carries_the_flows() {
        let snapshot = scenario("nat-instance-healthy");
        assert!(findings_of(&snapshot, "PC310").is_empty());
        assert!(
            findings_of(&snapshot, "PC306").is_empty(),
            "the instance is walked, not unknown"
        );
    }

    #[test]
    fn the_source_dest_check_on_blocks_every_flow_naming_the_instance() {
        let findings = findings_of(&scenario("nat-instance-source-dest-check"), "PC310");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "i-0nat");
            assert!(
                finding
                    .fix
                    .as_ref()
                    .unwrap()
                    .aws_cli
                    .contains("--no-source-dest-check")
            );
        }
    }

    #[test]
    fn a_route_to_the_instances_interface_finds_it_and_no_public_address_blocks() {
        let mut snapshot = scenario("nat-instance-healthy");
        let table = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-private")
            .unwrap();
        table.routes[1].target = "eni-0nat".into();
        assert!(findings_of(&snapshot, "PC310").is_empty());
        snapshot.ec2_instances[0].public_ip = None;
        let findings = findings_of(&snapshot, "PC310");
        assert!(
            !findings.is_empty()
                && findings
                    .iter()
                    .all(|f| f.title.contains("no public address"))
        );
    }
}
