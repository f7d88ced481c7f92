use super::fixes::{PeerKind, https_rule, rules_summary};
use crate::declare_check;
use crate::facts::PeerSpec;
use crate::facts::{PathContext, Site, Verdict};
use crate::net::{AddressSet, Direction, Ipv4Cidr};
use crate::snapshot::{EndpointInterface, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// Checks that the task's security groups allow outbound TCP 443 to where the flow goes: an
    /// interface endpoint's network interfaces (by CIDR, or by a rule referencing the
    /// endpoint's security group), or the public addresses of the service on a NAT or internet
    /// path, and the public IPv6 addresses of ECR's dual-stack registry host on its IPv6 path.
    ///
    /// ## Why is this bad
    /// Security groups deny all egress that no rule allows. A task group that allows only its
    /// database port, or only the VPC CIDR while the path is public, cannot open the connection:
    /// the stopped reason shows `i/o timeout` to the endpoint's private IP or a public IP.
    ///
    /// ## Example
    /// Task egress `tcp 5432 → sg-db` only, with `ecr.api`/`ecr.dkr` interface endpoints.
    ///
    /// ## Fix
    /// Add an egress rule for TCP 443 to the endpoint's security group (interface endpoints) or
    /// to `0.0.0.0/0` (NAT or internet path); to `::/0` for the IPv6 path of ECR's dual-stack
    /// registry host (security groups match IPv6 only by IPv6 rules:
    /// <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>).
    pub static CHECK = ("PC402", "sg-egress-blocked", Error);
}

/// The task's security groups, towards the endpoint interface or the path's public destinations.
pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::EndpointInterface(endpoint, eni) => Some(to_endpoint(context, endpoint, eni)),
        Site::Internet(_) => Some(to_public(context, &context.public_destinations())),
        Site::Internet6(_) => Some(to_public(context, &[AddressSet::PublicIpv6])),
        _ => None,
    }
}

fn to_endpoint(context: &PathContext, endpoint: &VpcEndpoint, eni: &EndpointInterface) -> Verdict {
    // Rules naming the endpoint's groups match only where group references reach (the same
    // VPC, a peering connection); across a transit gateway only addresses do.
    let references = context.group_references_reach(endpoint);
    let peer = PeerSpec {
        addresses: vec![AddressSet::Block(Ipv4Cidr::host(eni.private_ip))],
        groups: if references {
            &endpoint.security_group_ids
        } else {
            &[]
        },
        prefix_list: None,
    };
    let endpoint_vpc_cidr = || {
        context
            .index
            .vpc(&endpoint.vpc_id)
            .and_then(|vpc| vpc.cidr_blocks.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let (peer_kind, peer_id) = match endpoint.security_group_ids.first() {
        Some(group) if references => (PeerKind::Group, group.clone()),
        _ => (PeerKind::Cidr, endpoint_vpc_cidr()),
    };
    evaluate(
        context,
        &peer,
        &format!(
            "{} ({}, {} in {})",
            endpoint.id,
            endpoint.short_service(),
            eni.private_ip,
            eni.subnet_id
        ),
        &endpoint.id,
        peer_kind,
        &peer_id,
    )
}

fn to_public(context: &PathContext, destinations: &[AddressSet]) -> Verdict {
    let peer = PeerSpec {
        addresses: destinations.to_vec(),
        groups: &[],
        prefix_list: None,
    };
    let names: Vec<String> = destinations.iter().map(ToString::to_string).collect();
    let (peer_kind, peer_id) = if destinations.iter().any(AddressSet::is_ipv6) {
        (PeerKind::Ipv6Cidr, "::/0")
    } else {
        (PeerKind::Cidr, "0.0.0.0/0")
    };
    evaluate(
        context,
        &peer,
        &format!("{} at {}", context.flow.host, names.join(", ")),
        "",
        peer_kind,
        peer_id,
    )
}

fn evaluate(
    context: &PathContext,
    peer: &PeerSpec,
    destination: &str,
    resource: &str,
    peer_kind: PeerKind,
    peer_id: &str,
) -> Verdict {
    let (groups, missing) = context.task_groups();
    if let Some(rules) = super::fixes::https_allowed_by(context, &groups, Direction::Egress, peer) {
        return Verdict::Pass(format!("egress to {destination} allowed by {rules}"));
    }
    if !missing.is_empty() || groups.is_empty() {
        return Verdict::Unknown(super::collection_gap::missing_groups(context, &missing));
    }
    let group_ids: Vec<&str> = groups.iter().map(|group| group.id.as_str()).collect();
    let (cli, terraform) = https_rule(
        group_ids[0],
        Direction::Egress,
        peer_kind,
        peer_id,
        &format!("{} for ECS pulls", context.flow.kind.id()),
    );
    Verdict::Block(
        CHECK
            .finding(format!("{} security group {} does not allow TCP 443 to {destination}", context.source_kind(), group_ids.join(", ")))
            .resources(group_ids.iter().copied())
            .resource(resource)
            .detail(format!(
                "{} goes to {destination}. No egress rule of the task's groups allows TCP 443 there. Egress rules: {}.",
                context.flow.kind.describe(),
                rules_summary(&groups, Direction::Egress)
            ))
            .fix(cli, terraform),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, SecurityGroup, Snapshot};

    fn app(snapshot: &mut Snapshot) -> &mut SecurityGroup {
        snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-app")
            .unwrap()
    }

    #[test]
    fn a_task_group_allowing_443_to_where_the_flows_go_passes() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC402").is_empty());
        assert!(findings_of(&scenario("nat-path-healthy"), "PC402").is_empty());
    }

    #[test]
    fn a_task_group_without_443_to_the_endpoints_group_blocks_them() {
        let mut snapshot = scenario("healthy-endpoints");
        app(&mut snapshot)
            .egress
            .retain(|rule| rule.rule_id.as_deref() != Some("sgr-app-endpoints"));
        let findings = findings_of(&snapshot, "PC402");
        let mut endpoints: Vec<&str> = Vec::new();
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "sg-app");
            endpoints.push(&finding.resources[1]);
        }
        endpoints.sort();
        endpoints.dedup();
        assert_eq!(endpoints, ["vpce-ecrapi", "vpce-ecrdkr", "vpce-logs"]);
    }

    #[test]
    fn a_task_group_without_443_out_blocks_the_nat_path() {
        let mut snapshot = scenario("nat-path-healthy");
        app(&mut snapshot).egress.clear();
        let findings = findings_of(&snapshot, "PC402");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["sg-app"]);
        }
    }

    #[test]
    fn an_unread_task_group_is_unknown_never_blocked() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot
            .security_groups
            .retain(|group| group.id != "sg-app");
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeSecurityGroups".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        assert!(findings_of(&snapshot, "PC402").is_empty());
        let unknown = findings_of(&snapshot, "PC901");
        assert!(unknown.iter().all(|f| f.severity == Severity::Warning));
        assert!(unknown.iter().any(|f| f.resources == ["sg-app"]));
    }

    #[test]
    fn a_task_group_without_443_to_ipv6_blocks_the_dual_stack_registry_path() {
        let findings = findings_of(&scenario("dual-stack-sg-egress-no-ipv6"), "PC402");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.resources, ["sg-app"]);
        let fix = finding.fix.as_ref().unwrap();
        assert!(
            fix.aws_cli.contains("Ipv6Ranges=[{CidrIpv6=::/0"),
            "{}",
            fix.aws_cli
        );
        assert!(
            fix.terraform
                .contains("cidr_ipv6                    = \"::/0\"")
        );
        assert!(findings_of(&scenario("dual-stack-healthy"), "PC402").is_empty());
    }

    #[test]
    fn a_broken_ipv6_path_is_no_error_when_the_ipv4_path_works() {
        // The same dual-stack tasks with a working NAT path: IPv6 egress missing is harmless.
        let mut snapshot = scenario("dual-stack-sg-egress-no-ipv6");
        let nat = scenario("nat-path-healthy");
        snapshot.nat_gateways = nat.nat_gateways.clone();
        snapshot.route_tables = nat.route_tables.clone();
        app(&mut snapshot).egress = nat
            .security_groups
            .iter()
            .find(|g| g.id == "sg-app")
            .unwrap()
            .egress
            .clone();
        let report = crate::engine::diagnose(&snapshot);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
