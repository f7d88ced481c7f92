use crate::declare_check;
use crate::facts::{AclSide, PathContext, Site, Verdict};
use crate::net::{AddressSet, Direction, PortRange};

declare_check! {
    /// ## What it does
    /// Evaluates the network ACLs on the return direction of each flow: the task subnet's
    /// inbound rules for the replies (TCP to the ephemeral ports 32768-60999 that Fargate and
    /// the ECS-optimised AMIs use), and, for an interface endpoint in another subnet, that
    /// subnet's outbound rules for the same ports back to the task. On the IPv6 path of ECR's
    /// dual-stack registry host, the entries with an IPv6 block.
    ///
    /// ## Why is this bad
    /// ACLs are stateless: an outbound allow for 443 does not let the answer back in. ACLs that
    /// allow only well-known ports inbound, or the Windows range 49152-65535, drop the replies
    /// and the pull times out after the TCP handshake never completes.
    ///
    /// ## Example
    /// Task subnet ACL inbound: `100 allow tcp 443 0.0.0.0/0`, then `* deny`.
    ///
    /// ## Fix
    /// Allow inbound TCP 1024-65535 from the destination (and outbound on the endpoint subnet);
    /// from `::/0` in an entry with an IPv6 block on the IPv6 path.
    pub static CHECK = ("PC502", "nacl-return-blocked", Error);
}

/// The task subnet's ACL (see `PathContext::ask_network_acl` for where it applies).
pub fn task_subnet(context: &PathContext, site: Site) -> Option<Verdict> {
    context.ask_network_acl(site, AclSide::TaskSubnet, |subnet, peer| {
        check(context, subnet, Direction::Ingress, peer)
    })
}

/// The endpoint interface's subnet's ACL, when it is another subnet than the task's.
pub fn endpoint_subnet(context: &PathContext, site: Site) -> Option<Verdict> {
    context.ask_network_acl(site, AclSide::EndpointSubnet, |subnet, peer| {
        check(context, subnet, Direction::Egress, peer)
    })
}

fn check(
    context: &PathContext,
    subnet_id: &str,
    direction: Direction,
    peer: &AddressSet,
) -> Verdict {
    super::nacl_request::AclQuestion {
        check: &CHECK,
        subnet_id,
        direction,
        peer,
        required: PortRange::LINUX_EPHEMERAL,
        fix_ports: PortRange {
            from: 1024,
            to: 65535,
        },
    }
    .answer(context)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{NetworkAcl, Snapshot};

    /// The healthy endpoints, the private subnets under their own ACL: 443 out, and inbound
    /// replies on tcp `from`-65535 only.
    fn private_acl(from: u16) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let acl: NetworkAcl = serde_json::from_value(json!({
            "id": "acl-private", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-private-a", "subnet-private-b"],
            "entries": [
                {"rule_number": 100, "egress": true, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 443, "to": 443}},
                {"rule_number": 100, "egress": false, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": from, "to": 65535}},
            ],
        }))
        .unwrap();
        snapshot.network_acls.push(acl);
        snapshot
    }

    #[test]
    fn an_acl_that_lets_the_ephemeral_replies_in_passes() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC502").is_empty());
        assert!(findings_of(&private_acl(1024), "PC502").is_empty());
    }

    #[test]
    fn an_acl_that_lets_only_the_windows_range_back_in_drops_the_replies() {
        let snapshot = private_acl(49152);
        let findings = findings_of(&snapshot, "PC502");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert!(finding.resources.iter().any(|id| id == "acl-private"));
            assert!(
                finding.title.contains("denies inbound tcp 32768-49151"),
                "{}",
                finding.title
            );
        }
        assert!(
            findings
                .iter()
                .any(|f| f.resources.iter().any(|id| id == "subnet-private-b"))
        );
        // The requests themselves pass: only the return direction is blamed.
        assert!(findings_of(&snapshot, "PC501").is_empty());
    }

    #[test]
    fn ipv6_replies_need_an_ipv6_entry_and_the_fix_adds_one() {
        let findings = findings_of(&scenario("dual-stack-nacl-blocks-ipv6-return"), "PC502");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "acl-default");
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains("--ingress --rule-number 200 --protocol tcp --port-range From=1024,To=65535 --ipv6-cidr-block ::/0"), "{}", fix.aws_cli);
            assert!(fix.terraform.contains("ipv6_cidr_block = \"::/0\""));
        }
        assert!(findings_of(&scenario("dual-stack-healthy"), "PC502").is_empty());
    }
}
