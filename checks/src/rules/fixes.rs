//! Helpers that spell AWS CLI commands and Terraform the same way in every check.

use crate::net::Direction;
use crate::snapshot::NetworkAcl;

pub use crate::arn::name_of;

/// The account field of an ARN (empty for ARNs without one, like S3's).
pub fn account_of(arn: &str) -> &str {
    crate::arn::account_of(arn).unwrap_or_default()
}

/// A value as one shell word, for the AWS CLI commands: unchanged when every character is safe
/// unquoted (ids, ARNs, names), else POSIX-quoted (`'...'`, or `"..."` around a `'`), so a
/// value read from the account can never run as code when the command is pasted into a shell.
/// NUL, which no shell word can hold, is dropped.
pub fn sh(value: &str) -> String {
    match shlex::try_quote(value) {
        Ok(quoted) => quoted.into_owned(),
        Err(_) => sh(&value.replace('\0', "")),
    }
}

/// A value escaped for the inside of a Terraform (HCL) double-quoted string: `\\`, `\"`,
/// interpolation and directive openers (`${` → `$${`, `%{` → `%%{`), newlines and every other
/// control character as escapes.
pub fn hcl(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A JSON document (a policy) as the HCL expression inside `jsonencode(...)`: JSON object and
/// string syntax is HCL's, except that HCL interpolates `${` and `%{` in strings and knows no
/// `\b`, `\f` or `\/` escape.
pub fn hcl_json(document: &str) -> String {
    let mut out = String::with_capacity(document.len());
    let mut chars = document.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('b') => out.push_str("\\u0008"),
                Some('f') => out.push_str("\\u000C"),
                Some('/') => out.push('/'),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push_str("\\\\"),
            },
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A value as a JSON string literal, quotes included, for policy documents built by hand.
pub fn json_str(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// A value for the text of a `#` comment (shell or HCL): kept on its line, control characters
/// written as escapes, so it cannot end the comment and start a command.
pub fn note(value: &str) -> String {
    if !value.chars().any(is_unsafe_char) {
        return value.to_string();
    }
    value
        .chars()
        .map(|c| {
            if is_unsafe_char(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Control characters (C0, DEL, C1), line and paragraph separators and the bidirectional
/// overrides that make text display otherwise than it reads.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A Terraform resource label derived from an AWS id (`sg-0ab1` → `sg_0ab1`).
pub fn label(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A rule number free in the ACL's direction, below `before` when given, so the new entry is
/// evaluated before the rule that denies.
pub fn free_nacl_rule_number(acl: &NetworkAcl, direction: Direction, before: Option<u16>) -> u16 {
    let taken = |number: u16| {
        acl.entries.iter().any(|entry| {
            Direction::of_egress_flag(entry.egress) == direction && entry.rule_number == number
        })
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
    direction: Direction,
    peer_kind: PeerKind,
    peer: &str,
    description: &str,
) -> (String, String) {
    let shorthand = description.replace('\\', "\\\\").replace('"', "\\\"");
    let (cli_peer, tf_peer) = match peer_kind {
        PeerKind::Cidr => (
            format!("IpRanges=[{{CidrIp={peer},Description=\"{shorthand}\"}}]"),
            format!("cidr_ipv4                    = \"{}\"", hcl(peer)),
        ),
        PeerKind::Ipv6Cidr => (
            format!("Ipv6Ranges=[{{CidrIpv6={peer},Description=\"{shorthand}\"}}]"),
            format!("cidr_ipv6                    = \"{}\"", hcl(peer)),
        ),
        PeerKind::Group => (
            format!("UserIdGroupPairs=[{{GroupId={peer},Description=\"{shorthand}\"}}]"),
            format!("referenced_security_group_id = \"{}\"", hcl(peer)),
        ),
        PeerKind::PrefixList => (
            format!("PrefixListIds=[{{PrefixListId={peer},Description=\"{shorthand}\"}}]"),
            format!("prefix_list_id               = \"{}\"", hcl(peer)),
        ),
    };
    let (verb, resource) = if direction.is_egress() {
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
        "aws ec2 {verb} --group-id {} --ip-permissions {}",
        sh(group_id),
        sh(&format!(
            "IpProtocol=tcp,FromPort=443,ToPort=443,{cli_peer}"
        ))
    );
    let terraform = format!(
        "resource \"{resource}\" \"{}_https_{}\" {{\n  security_group_id            = \"{}\"\n  ip_protocol                  = \"tcp\"\n  from_port                    = 443\n  to_port                      = 443\n  {tf_peer}\n  description                  = \"{}\"\n}}",
        label(group_id),
        label(peer),
        hcl(group_id),
        hcl(description)
    );
    (cli, terraform)
}

#[derive(Debug, Clone, Copy)]
pub enum PeerKind {
    Cidr,
    /// An IPv6 block (`Ipv6Ranges`, `cidr_ipv6`).
    Ipv6Cidr,
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
pub fn rules_summary(groups: &[&crate::snapshot::SecurityGroup], direction: Direction) -> String {
    let parts: Vec<String> = groups
        .iter()
        .map(|group| {
            let rules = if direction.is_egress() {
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
    context: &crate::facts::PathContext,
    groups: &[&crate::snapshot::SecurityGroup],
    direction: Direction,
    peer: &crate::facts::PeerSpec,
) -> Option<String> {
    let rules = crate::facts::sg_allows(
        context.index,
        groups,
        direction,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_values_are_unchanged_and_others_quoted() {
        assert_eq!(sh("sg-0ab1"), "sg-0ab1");
        assert_eq!(
            sh("arn:aws:iam::111122223333:role/ecsTaskExecutionRole"),
            "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"
        );
        assert_eq!(
            sh("sg-app$(touch${IFS}/tmp/pwned)"),
            "'sg-app$(touch${IFS}/tmp/pwned)'"
        );
        assert_eq!(sh("x';rm -rf ~;'"), "\"x';rm -rf ~;'\"");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("a\0b"), "ab");
        assert_eq!(
            shlex::split(&sh("a'b\"c`d`$(e)\nf\\")).unwrap(),
            ["a'b\"c`d`$(e)\nf\\"]
        );
    }

    #[test]
    fn hcl_escapes_quotes_templates_and_controls() {
        assert_eq!(hcl("vpc-0a1"), "vpc-0a1");
        assert_eq!(hcl("\"${var.x}\""), "\\\"$${var.x}\\\"");
        assert_eq!(hcl("%{if x}a\\b"), "%%{if x}a\\\\b");
        assert_eq!(hcl("a\nb\u{1b}[2J"), "a\\nb\\u001B[2J");
        assert_eq!(hcl("$$x"), "$$x");
    }

    #[test]
    fn json_documents_become_hcl_without_templates() {
        let document = format!("{{\"Resource\":{}}}", json_str("a${b}%{c}\u{8}\""));
        assert_eq!(
            hcl_json(&document),
            "{\"Resource\":\"a$${b}%%{c}\\u0008\\\"\"}"
        );
        let plain = r#"{"Version":"2012-10-17","Action":"sts:AssumeRole"}"#;
        assert_eq!(hcl_json(plain), plain);
    }

    #[test]
    fn notes_stay_on_their_line() {
        assert_eq!(note("vpc-0a1"), "vpc-0a1");
        assert_eq!(note("a\nrm -rf ~\u{1b}"), "a\\nrm -rf ~\\u{1b}");
    }
}
