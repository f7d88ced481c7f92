use super::fixes::sh;
use crate::declare_check;
use crate::facts::{PathContext, Site};
use crate::finding::Finding;
use crate::net::{Ipv4Cidr, PortRange, Protocol};
use crate::snapshot::{Peer, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// Warns when an interface endpoint's security group accepts TCP 443 from `0.0.0.0/0`.
    ///
    /// ## Why is this bad
    /// It works, but anything that can route to the endpoint (peered VPCs, on-premises networks
    /// over VPN or Direct Connect) can use it with any credentials, and a later tightening of the
    /// rule is likely to break pulls because nobody knows which clients rely on it.
    ///
    /// ## Example
    /// `sg-endpoints` ingress `tcp 443 ← 0.0.0.0/0`.
    ///
    /// ## Fix
    /// Replace the rule with one referencing the task security groups, or the VPC CIDR.
    pub static CHECK = ("PC404", "endpoint-sg-open-to-world", Warning);
}

pub fn check(context: &PathContext, site: Site) -> Option<Finding> {
    match site {
        Site::InterfaceEndpoint(endpoint) => judge(context, endpoint),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Option<Finding> {
    let (group, rule) = endpoint
        .security_group_ids
        .iter()
        .filter_map(|id| context.index.security_group(id))
        .find_map(|group| {
            group
                .ingress
                .iter()
                .find(|rule| {
                    rule.allows(Protocol::Tcp, &PortRange::HTTPS)
                        && matches!(rule.peer, Peer::Cidr(cidr) if cidr == Ipv4Cidr::ANY)
                })
                .map(|rule| (group, rule))
        })?;
    let vpc_cidr = context
        .placement
        .vpc
        .cidr_blocks
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let revoke = match &rule.rule_id {
        Some(id) => format!(
            "aws ec2 revoke-security-group-ingress --group-id {} --security-group-rule-ids {}",
            sh(&group.id),
            sh(id)
        ),
        None => format!(
            "aws ec2 revoke-security-group-ingress --group-id {} --protocol tcp --port 443 --cidr 0.0.0.0/0",
            sh(&group.id)
        ),
    };
    let (allow, terraform) = super::fixes::https_rule(
        &group.id,
        crate::net::Direction::Ingress,
        super::fixes::PeerKind::Cidr,
        &vpc_cidr,
        "VPC to interface endpoints",
    );
    Some(
        CHECK
            .finding(format!("Endpoint {} security group {} accepts TCP 443 from 0.0.0.0/0", endpoint.id, group.id))
            .resources([endpoint.id.as_str(), group.id.as_str()])
            .resources(rule.rule_id.clone())
            .detail(format!("{} ingress rule {} allows the whole internet; the endpoint only needs the VPC ({vpc_cidr}) or the task groups.", group.id, rule.describe()))
            .fix(format!("{allow}\n{revoke}"), terraform),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::Snapshot;

    /// The healthy account whose endpoint group also accepts `port` from the whole internet.
    fn open_to_world(port: u16) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let group = snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-endpoints")
            .unwrap();
        let rule = json!({"rule_id": "sgr-endpoints-any", "protocol": "tcp", "port_range": {"from": port, "to": port}, "peer": "0.0.0.0/0"});
        group.ingress.push(serde_json::from_value(rule).unwrap());
        snapshot
    }

    #[test]
    fn endpoints_open_only_to_the_tasks_are_no_finding() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC404").is_empty());
        assert!(findings_of(&open_to_world(22), "PC404").is_empty());
    }

    #[test]
    fn an_endpoint_group_accepting_https_from_anywhere_is_a_warning() {
        let findings = findings_of(&open_to_world(443), "PC404");
        assert_eq!(findings.len(), 3, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(
                finding.resources[1..],
                ["sg-endpoints", "sgr-endpoints-any"]
            );
        }
    }
}
