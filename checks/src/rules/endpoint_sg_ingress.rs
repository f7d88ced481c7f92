use super::fixes::{PeerKind, https_rule, rules_summary};
use crate::declare_check;
use crate::facts::PeerSpec;
use crate::facts::{PathContext, Site, Verdict};
use crate::net::{AddressSet, Direction};
use crate::snapshot::{EndpointInterface, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// Checks that an interface endpoint's security groups allow inbound TCP 443 from the task:
    /// a rule referencing one of the task's security groups, or a CIDR covering the task's IP
    /// (the whole subnet for a service, whose tasks take any address in it).
    ///
    /// ## Why is this bad
    /// Endpoints are often created with the VPC's default security group, which allows inbound
    /// traffic only from itself. DNS then resolves the endpoint, and the connection to its
    /// private IP times out: `dial tcp 10.x.x.x:443: i/o timeout`.
    ///
    /// ## Example
    /// `ecr.dkr` endpoint with `sg-default` (ingress: all from `sg-default`); task in `sg-app`.
    ///
    /// ## Fix
    /// Allow TCP 443 from the task's security group on the endpoint's security group.
    pub static CHECK = ("PC403", "endpoint-sg-ingress-missing", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::EndpointInterface(endpoint, eni) => Some(judge(context, endpoint, eni)),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint, eni: &EndpointInterface) -> Verdict {
    let mut groups = Vec::new();
    let mut missing = Vec::new();
    for id in &endpoint.security_group_ids {
        match context.index.security_group(id) {
            Some(group) => groups.push(group),
            None => missing.push(id.as_str()),
        }
    }
    let source: &AddressSet = &context.placement.source;
    // The task's groups match rules only where group references reach (the same VPC, a peering
    // connection); across a transit gateway only the task's addresses do.
    let references = context.group_references_reach(endpoint);
    let peer = PeerSpec {
        addresses: vec![source.clone()],
        groups: if references {
            &context.placement.security_group_ids
        } else {
            &[]
        },
        prefix_list: None,
    };
    if let Some(rules) = super::fixes::https_allowed_by(context, &groups, Direction::Ingress, &peer)
    {
        return Verdict::Pass(format!(
            "{} accepts TCP 443 from {source} by {rules}",
            endpoint.id
        ));
    }
    if !missing.is_empty() || groups.is_empty() {
        return Verdict::Unknown(super::collection_gap::missing_groups(context, &missing));
    }
    let group_ids: Vec<&str> = groups.iter().map(|group| group.id.as_str()).collect();
    let (peer_kind, peer) = match context.placement.security_group_ids.first() {
        Some(task_group) if references => (PeerKind::Group, task_group.clone()),
        _ if !references => (
            PeerKind::Cidr,
            context
                .placement
                .vpc
                .cidr_blocks
                .first()
                .copied()
                .unwrap_or_else(|| subnet_block(context))
                .to_string(),
        ),
        _ => (PeerKind::Cidr, subnet_block(context).to_string()),
    };
    let (cli, terraform) = https_rule(
        group_ids[0],
        Direction::Ingress,
        peer_kind,
        &peer,
        &format!("ECS tasks to {}", endpoint.short_service()),
    );
    Verdict::Block(
        CHECK
            .finding(format!("Endpoint {} ({}) security group {} does not accept TCP 443 from the task", endpoint.id, endpoint.short_service(), group_ids.join(", ")))
            .resources([endpoint.id.as_str()])
            .resources(group_ids.iter().copied())
            .resources(context.placement.security_group_ids.iter().cloned())
            .detail(format!(
                "The task ({source}, groups {}) connects to {} at {}. No ingress rule of the endpoint's groups allows it. Ingress rules: {}.",
                context.placement.security_group_ids.join(", "),
                endpoint.id,
                eni.private_ip,
                rules_summary(&groups, Direction::Ingress)
            ))
            .fix(cli, terraform),
    )
}

/// The task subnet's IPv4 block, else the task's own address block.
fn subnet_block(context: &PathContext) -> crate::net::Ipv4Cidr {
    context
        .placement
        .subnet
        .cidr_block
        .unwrap_or_else(|| context.source_block())
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::Snapshot;

    fn endpoint_ingress_from(peer: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let group = snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-endpoints")
            .unwrap();
        group.ingress[0].peer = peer.parse().unwrap();
        snapshot
    }

    #[test]
    fn endpoints_accepting_the_task_group_or_its_subnet_let_it_in() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC403").is_empty());
        assert!(findings_of(&endpoint_ingress_from("10.0.0.0/16"), "PC403").is_empty());
    }

    #[test]
    fn endpoints_accepting_only_their_own_group_refuse_the_task() {
        let findings = findings_of(&endpoint_ingress_from("sg-endpoints"), "PC403");
        // ecr.api, ecr.dkr and logs share the group; each refuses both task subnets.
        assert_eq!(findings.len(), 6, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[1..], ["sg-endpoints", "sg-app"]);
        }
        assert!(findings.iter().any(|f| f.resources[0] == "vpce-ecrdkr"));
    }

    #[test]
    fn an_endpoint_group_missing_from_the_snapshot_is_unknown() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot
            .security_groups
            .retain(|group| group.id != "sg-endpoints");
        assert!(findings_of(&snapshot, "PC403").is_empty());
        let unseen = findings_of(&snapshot, "PC901");
        assert!(!unseen.is_empty());
        for finding in &unseen {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(finding.resources, ["sg-endpoints"]);
        }
    }
}
