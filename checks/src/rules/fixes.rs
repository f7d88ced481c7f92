//! Helpers that spell AWS CLI commands and Terraform the same way in every check.

use crate::snapshot::NetworkAcl;

/// A Terraform resource label derived from an AWS id (`sg-0ab1` → `sg_0ab1`).
/// The last path segment of an ARN: a role's, instance profile's or task definition's name.
pub fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The account field of an ARN (empty for ARNs without one, like S3's).
pub fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

pub fn label(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A rule number free in the ACL's direction, below `before` when given, so the new entry is
/// evaluated before the rule that denies.
pub fn free_nacl_rule_number(acl: &NetworkAcl, egress: bool, before: Option<u16>) -> u16 {
    let taken = |number: u16| {
        acl.entries
            .iter()
            .any(|entry| entry.egress == egress && entry.rule_number == number)
    };
    match before {
        Some(limit) => (1..limit).rev().find(|number| !taken(*number)).unwrap_or(1),
        None => (1..=320)
            .map(|n| n * 100)
            .find(|number| !taken(*number))
            .unwrap_or(32000),
    }
}

/// A security group rule allowing TCP 443, as CLI `--ip-permissions` and as a Terraform resource.
pub fn https_rule(
    group_id: &str,
    egress: bool,
    peer_kind: PeerKind,
    peer: &str,
    description: &str,
) -> (String, String) {
    let (cli_peer, tf_peer) = match peer_kind {
        PeerKind::Cidr => (
            format!("IpRanges=[{{CidrIp={peer},Description=\"{description}\"}}]"),
            format!("cidr_ipv4                    = \"{peer}\""),
        ),
        PeerKind::Group => (
            format!("UserIdGroupPairs=[{{GroupId={peer},Description=\"{description}\"}}]"),
            format!("referenced_security_group_id = \"{peer}\""),
        ),
        PeerKind::PrefixList => (
            format!("PrefixListIds=[{{PrefixListId={peer},Description=\"{description}\"}}]"),
            format!("prefix_list_id               = \"{peer}\""),
        ),
    };
    let (verb, resource) = if egress {
        (
            "authorize-security-group-egress",
            "aws_vpc_security_group_egress_rule",
        )
    } else {
        (
            "authorize-security-group-ingress",
            "aws_vpc_security_group_ingress_rule",
        )
    };
    let cli = format!(
        "aws ec2 {verb} --group-id {group_id} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,{cli_peer}'"
    );
    let terraform = format!(
        "resource \"{resource}\" \"{}_https_{}\" {{\n  security_group_id            = \"{group_id}\"\n  ip_protocol                  = \"tcp\"\n  from_port                    = 443\n  to_port                      = 443\n  {tf_peer}\n  description                  = \"{description}\"\n}}",
        label(group_id),
        label(peer)
    );
    (cli, terraform)
}

#[derive(Debug, Clone, Copy)]
pub enum PeerKind {
    Cidr,
    Group,
    PrefixList,
}

/// The `aws ecs update-service` network configuration for a service target (or the run-task
/// equivalent for a standalone task), with `assignPublicIp` as given.
pub fn network_configuration(subnets: &[&str], groups: &[String], public_ip: bool) -> String {
    format!(
        "awsvpcConfiguration={{subnets=[{}],securityGroups=[{}],assignPublicIp={}}}",
        subnets.join(","),
        groups.join(","),
        if public_ip { "ENABLED" } else { "DISABLED" }
    )
}

/// The rules of the groups in one direction, for the evidence of a finding (`sg-1: sgr-1 (...)`).
pub fn rules_summary(groups: &[&crate::snapshot::SecurityGroup], egress: bool) -> String {
    let parts: Vec<String> = groups
        .iter()
        .map(|group| {
            let rules = if egress {
                &group.egress
            } else {
                &group.ingress
            };
            let listed: Vec<String> = rules
                .iter()
                .take(6)
                .map(crate::snapshot::SgRule::describe)
                .collect();
            let more = rules.len().saturating_sub(listed.len());
            let listed = if listed.is_empty() {
                "no rules".to_string()
            } else {
                listed.join(", ")
            };
            if more > 0 {
                format!("{}: {listed} and {more} more", group.id)
            } else {
                format!("{}: {listed}", group.id)
            }
        })
        .collect();
    parts.join("; ")
}

/// The rules of `groups` that allow TCP 443 to (egress) or from (ingress) every address of the
/// peer, described for a hop's evidence; `None` when some address is not allowed.
pub fn https_allowed_by(
    context: &crate::engine::PathContext,
    groups: &[&crate::snapshot::SecurityGroup],
    egress: bool,
    peer: &crate::engine::PeerSpec,
) -> Option<String> {
    let rules = crate::engine::sg_allows(
        context.index,
        groups,
        egress,
        peer,
        crate::net::Protocol::Tcp,
        &crate::net::PortRange::HTTPS,
    )?;
    let described: Vec<String> = rules
        .iter()
        .map(|(group, rule)| format!("{} {}", group.id, rule.describe()))
        .collect();
    Some(described.join(", "))
}

/// Levenshtein distance, for "did you mean" hints (bucket names, image tags).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            current.push(
                (previous[j] + usize::from(ca != *cb))
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
