use super::fixes::{hcl, sh};
use crate::catalog::CheckInfo;
use crate::declare_check;
use crate::facts::{AclSide, NaclDecision, PathContext, Site, Verdict, nacl_decision};
use crate::net::{AddressSet, Direction, PortRange, Protocol};

declare_check! {
    /// ## What it does
    /// Evaluates the network ACLs on the request direction of each flow: the task subnet's
    /// outbound rules for TCP 443 to the destination, and, for an interface endpoint in another
    /// subnet, that subnet's inbound rules for TCP 443 from the task. Rules are read as AWS does:
    /// lowest number first, first match decides, implicit deny at the end. On the IPv6 path of
    /// ECR's dual-stack registry host only the entries with an IPv6 block judge, as IPv4 entries
    /// never match IPv6 traffic
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
    ///
    /// ## Why is this bad
    /// Network ACLs are stateless and apply to every subnet boundary. A deny (or a missing allow)
    /// for 443 drops the connection although every security group allows it, and the runbook
    /// never looks at ACLs.
    ///
    /// ## Example
    /// Task subnet ACL outbound: `100 allow tcp 5432 10.0.0.0/16`, then `* deny`.
    ///
    /// ## Fix
    /// Add an allow entry for TCP 443 numbered below the rule that denies (with
    /// `--ipv6-cidr-block` / `ipv6_cidr_block` on the IPv6 path).
    pub static CHECK = ("PC501", "nacl-request-blocked", Error);
}

/// The task subnet's ACL (see `PathContext::ask_network_acl` for where it applies).
pub fn task_subnet(context: &PathContext, site: Site) -> Option<Verdict> {
    context.ask_network_acl(site, AclSide::TaskSubnet, |subnet, peer| {
        check(context, subnet, Direction::Egress, peer)
    })
}

/// The endpoint interface's subnet's ACL, when it is another subnet than the task's.
pub fn endpoint_subnet(context: &PathContext, site: Site) -> Option<Verdict> {
    context.ask_network_acl(site, AclSide::EndpointSubnet, |subnet, peer| {
        check(context, subnet, Direction::Ingress, peer)
    })
}

fn check(
    context: &PathContext,
    subnet_id: &str,
    direction: Direction,
    peer: &AddressSet,
) -> Verdict {
    AclQuestion {
        check: &CHECK,
        subnet_id,
        direction,
        peer,
        required: PortRange::HTTPS,
        fix_ports: PortRange::HTTPS,
    }
    .answer(context)
}

/// One direction of one subnet's network ACL, asked about a flow's ports; shared by the request
/// and return checks. `required` is what must be allowed, `fix_ports` what a suggested entry opens.
pub(super) struct AclQuestion<'x> {
    pub check: &'static CheckInfo,
    pub subnet_id: &'x str,
    pub direction: Direction,
    pub peer: &'x AddressSet,
    pub required: PortRange,
    pub fix_ports: PortRange,
}

impl AclQuestion<'_> {
    pub fn answer(&self, context: &PathContext) -> Verdict {
        let key = crate::facts::Question::NetworkAcl {
            check: self.check.id,
            subnet: self.subnet_id.to_string(),
            direction: self.direction,
            peer: self.peer.clone(),
            ports: self.required,
            flow: context.flow.kind,
        };
        context.index.memo(key, || self.decide(context))
    }

    fn decide(&self, context: &PathContext) -> Verdict {
        let AclQuestion {
            check,
            subnet_id,
            direction,
            peer,
            required,
            fix_ports,
        } = *self;
        let egress = direction.is_egress();
        let preposition = if egress { "to" } else { "from" };
        let Some(acl) = context.index.nacl_for(subnet_id) else {
            return Verdict::Unknown(super::collection_gap::missing_nacl(context, subnet_id));
        };
        let (rule, ports, partial) =
            match nacl_decision(acl, direction, peer, Protocol::Tcp, required) {
                NaclDecision::Allowed(rules) => {
                    use std::fmt::Write;
                    let mut evidence = format!("{} {direction} rule", acl.id);
                    for (index, rule) in rules.iter().enumerate() {
                        let _ = write!(evidence, "{}{rule}", if index == 0 { " " } else { ", " });
                    }
                    let _ = write!(evidence, " allows tcp {required} {preposition} {peer}");
                    return Verdict::Pass(evidence);
                }
                NaclDecision::Denied {
                    rule,
                    ports,
                    partial,
                } => (rule, ports, partial),
            };
        let rule_name = rule
            .map(|number| format!("rule {number}"))
            .unwrap_or_else(|| "the implicit deny (*)".into());
        let scope = if partial {
            format!("part of {peer}")
        } else {
            peer.to_string()
        };
        let cidr = match peer {
            AddressSet::Block(block) => block.to_string(),
            AddressSet::Public => "0.0.0.0/0".to_string(),
            AddressSet::PublicIpv6 => "::/0".to_string(),
        };
        // An IPv6 entry takes its block as `--ipv6-cidr-block` / `ipv6_cidr_block`.
        let (cli_block, tf_block) = if peer.is_ipv6() {
            ("--ipv6-cidr-block", "ipv6_cidr_block")
        } else {
            ("--cidr-block", "cidr_block    ")
        };
        let number = super::fixes::free_nacl_rule_number(acl, direction, rule);
        let flag = if egress { "--egress" } else { "--ingress" };
        let what = if required == PortRange::HTTPS {
            "HTTPS requests".to_string()
        } else {
            format!("replies on ephemeral ports {required}")
        };
        Verdict::Block(
        check
            .finding(format!("Network ACL {} of {subnet_id} denies {direction} tcp {ports} {preposition} {scope} ({rule_name})", acl.id))
            .resources([acl.id.as_str(), subnet_id])
            .detail(format!(
                "{} needs {what} {preposition} {peer} to pass {}'s {direction} rules. {rule_name} decides tcp {ports} first and denies it. ACLs are stateless: both directions need an allow.",
                context.flow.kind.describe(),
                acl.id
            ))
            .fix(
                format!(
                    "aws ec2 create-network-acl-entry --network-acl-id {} {flag} --rule-number {number} --protocol tcp --port-range From={},To={} {cli_block} {} --rule-action allow",
                    sh(&acl.id), fix_ports.from, fix_ports.to, sh(&cidr)
                ),
                format!(
                    "resource \"aws_network_acl_rule\" \"{}_{number}\" {{\n  network_acl_id = \"{}\"\n  rule_number    = {number}\n  egress         = {egress}\n  protocol       = \"tcp\"\n  rule_action    = \"allow\"\n  {tf_block} = \"{}\"\n  from_port      = {}\n  to_port        = {}\n}}",
                    super::fixes::label(&acl.id),
                    hcl(&acl.id),
                    hcl(&cidr),
                    fix_ports.from,
                    fix_ports.to
                ),
            ),
    )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, NetworkAcl, Snapshot};

    /// The healthy endpoints, the private subnets under their own ACL: outbound tcp `port` to
    /// `cidr`, inbound replies allowed.
    fn private_acl(port: u16, cidr: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let acl: NetworkAcl = serde_json::from_value(json!({
            "id": "acl-private", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-private-a", "subnet-private-b"],
            "entries": [
                {"rule_number": 100, "egress": true, "protocol": "tcp", "action": "allow", "cidr": cidr, "port_range": {"from": port, "to": port}},
                {"rule_number": 100, "egress": false, "protocol": "tcp", "action": "allow", "cidr": "0.0.0.0/0", "port_range": {"from": 1024, "to": 65535}},
            ],
        }))
        .unwrap();
        snapshot.network_acls.push(acl);
        snapshot
    }

    #[test]
    fn an_acl_that_allows_443_out_lets_the_requests_through() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC501").is_empty());
        assert!(findings_of(&private_acl(443, "0.0.0.0/0"), "PC501").is_empty());
    }

    #[test]
    fn an_acl_without_443_out_blocks_the_endpoints() {
        let findings = findings_of(&private_acl(5432, "10.0.0.0/16"), "PC501");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert!(finding.resources.iter().any(|id| id == "acl-private"));
            assert!(
                finding.title.contains("outbound tcp 443"),
                "{}",
                finding.title
            );
        }
        assert!(
            findings
                .iter()
                .any(|f| f.resources.iter().any(|id| id == "subnet-private-a"))
        );
    }

    #[test]
    fn an_unread_acl_is_unknown_never_blocked() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.network_acls.clear();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeNetworkAcls".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        assert!(findings_of(&snapshot, "PC501").is_empty());
        let unknown = findings_of(&snapshot, "PC901");
        assert!(unknown.iter().all(|f| f.severity == Severity::Warning));
        assert!(
            unknown
                .iter()
                .any(|f| f.resources.iter().any(|id| id == "subnet-private-a"))
        );
    }
}
