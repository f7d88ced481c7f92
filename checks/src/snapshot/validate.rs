//! Shape checks on a loaded snapshot: every id, ARN, name and reference must look as AWS
//! documents it, and ids must be unique within their list.
//!
//! A snapshot is often someone else's file (a ticket attachment): its strings end up in the
//! report and in the "ready to paste" fix commands, so a value that does not have the shape of
//! what it claims to be is refused, with one line naming the field by its JSON path, the value
//! (escaped, truncated) and the shape expected. The shapes are deliberately a little wider than
//! AWS's own ids (`sg-` then lowercase letters, digits and hyphens, not only hex) so that
//! hand-written scenarios (`sg-app`, `subnet-two-a`) load, but no shape admits whitespace,
//! quotes, `$`, backticks, `;`, `|`, `&`, `<`, `>`, parentheses, backslashes or control
//! characters, and none may start with `-`. Free text (stopped reasons, event messages, log
//! option values) is not refused but made inert by [`super::redact`].

use crate::arn::{is_account, is_ecs_name, is_partition, is_region};
use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::*;

/// How much of a refused value the error shows.
const SHOWN: usize = 80;

/// `value` as an error shows it: escaped like Rust's `escape_debug` (no control character, no
/// quote left raw) and cut to about 80 characters.
pub(crate) fn shown(value: &str) -> String {
    let mut out = String::new();
    for (count, c) in value.chars().enumerate() {
        if count == SHOWN {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Pushes `c` as `escape_debug` writes it inside a double-quoted string; a character that is
/// not inert is always escaped, as `\u{…}` if `escape_debug` would leave it.
pub(crate) fn push_escaped(out: &mut String, c: char) {
    if c == '\'' || (is_inert(c) && c != '"' && c != '\\') {
        out.push(c);
    } else if is_inert(c) || c.escape_debug().nth(1).is_some() {
        out.extend(c.escape_debug());
    } else {
        out.extend(c.escape_unicode());
    }
}

/// Whether a character can be printed to a terminal as is: no control character (C0, DEL, C1)
/// and no invisible formatting that reorders or hides text (bidirectional overrides,
/// zero-width characters).
pub(crate) fn is_inert(c: char) -> bool {
    !(c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'))
}

/// Why a snapshot was refused after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A value does not have the shape of what its field holds.
    Invalid {
        field: String,
        value: String,
        expected: String,
    },
    /// Two entries of one list share an id.
    Duplicate { list: String, id: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Invalid {
                field,
                value,
                expected,
            } => write!(f, "{field} is \"{}\"; expected {expected}", shown(value)),
            Problem::Duplicate { list, id } => write!(
                f,
                "{list} lists \"{}\" more than once; each entry must be unique",
                shown(id)
            ),
        }
    }
}

/// A JSON path, built only when a value is refused.
#[derive(Clone, Copy)]
enum P<'a> {
    Root,
    Field(&'a P<'a>, &'static str),
    Index(&'a P<'a>, usize),
    Key(&'a P<'a>, &'a str),
}

impl<'a> P<'a> {
    fn f(&'a self, name: &'static str) -> P<'a> {
        P::Field(self, name)
    }
    fn i(&'a self, index: usize) -> P<'a> {
        P::Index(self, index)
    }
}

impl fmt::Display for P<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            P::Root => Ok(()),
            P::Field(P::Root, name) => f.write_str(name),
            P::Field(parent, name) => write!(f, "{parent}.{name}"),
            P::Index(parent, index) => write!(f, "{parent}[{index}]"),
            P::Key(parent, key) => write!(f, "{parent}[\"{}\"]", shown(key)),
        }
    }
}

/// The shapes values are checked against.
#[derive(Clone, Copy)]
enum Shape {
    /// `<prefix>-` then lowercase letters, digits and hyphens.
    Id(&'static str),
    Account,
    Region,
    Zone,
    Timestamp,
    /// An ARN of `service` whose resource starts with `resource`; `account` when the account
    /// must be a 12-digit id.
    Arn {
        service: &'static str,
        resource: &'static str,
    },
    /// An IAM policy: an inline policy's name or a managed policy's ARN.
    PolicyName,
    /// A Secrets Manager or SSM ARN, or an SSM parameter name.
    SecretRef,
    /// A KMS key ARN, key id or alias.
    KmsKey,
    RouteTarget,
    Ipv6Cidr,
    /// `com.amazonaws.us-east-1.ecr.dkr`: a DNS-like service name.
    ServiceName,
    /// A status or code word (`available`, `STOPPED`, `X86_64`).
    Word,
    /// An ECS name: service, container, family (letters, digits, `_` and `-`).
    EcsName,
    /// A task group: `service:NAME` or `family:NAME`.
    Group,
    /// An image reference: `[registry/]repository[:tag][@digest]`.
    Image,
    RepositoryName,
    Digest,
    Tag,
    Platform,
    /// `os/architecture[/variant]`: two or three non-empty parts of the platform alphabet.
    ConfigPlatform,
    LogGroup,
    /// A log driver or log option name.
    OptionName,
    /// An environment variable name (a container secret's `name`).
    EnvName,
    /// A name AWS lets users choose for a security group or prefix list.
    AwsName,
    /// `service:Action`.
    Api,
    ErrorCode,
    /// What a gap or a simulated decision was about: an ARN, an id, a region or `*`.
    Resource,
    DnsServer,
    /// A DNS name: lowercase labels of letters, digits, `-` and `_`, dot-separated, optionally
    /// starting with `*.` (a wildcard record); `.` alone is the root.
    DnsName,
    /// A Route 53 hosted zone id: `Z` and uppercase letters and digits.
    HostedZoneId,
    /// A Resolver rule's target: an IPv4 address, optionally with `:PORT`.
    TargetIp,
    /// A state or type word that may hold hyphens (`pending-acceptance`, `direct-connect-gateway`).
    Keyword,
    /// A registry host, optionally with a port and a path.
    Registry,
    PlatformVersion,
}

fn ascii_all(text: &str, ok: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(ok)
}

fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn is_id(text: &str, prefix: &str) -> bool {
    text.len() <= 128
        && text
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| {
                rest.bytes().next().is_some_and(lower_alnum)
                    && ascii_all(rest, |b| lower_alnum(b) || b == b'-')
            })
}

/// Characters of an ARN's resource part, of secret and parameter names: no shell syntax.
fn arn_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
fn is_arn(text: &str, service: &str, resource: &str) -> bool {
    let Some(crate::arn::Arn {
        partition,
        service: svc,
        region,
        account,
        resource: rest,
    }) = crate::arn::Arn::parse(text)
    else {
        return false;
    };
    let service_ok = if service.is_empty() {
        !svc.is_empty() && ascii_all(svc, |b| lower_alnum(b) || b == b'-')
    } else {
        svc == service
    };
    text.len() <= 2048
        && is_partition(partition)
        && service_ok
        && (region.is_empty() || is_region(region))
        && (account.is_empty() || is_account(account) || account == "aws")
        && !rest.is_empty()
        && rest.starts_with(resource)
        && !rest.starts_with('-')
        && ascii_all(rest, arn_char)
}

fn is_repository_name(text: &str) -> bool {
    (2..=256).contains(&text.len())
        && text.split('/').all(|part| {
            part.bytes().next().is_some_and(lower_alnum)
                && part.bytes().last().is_some_and(lower_alnum)
                && ascii_all(part, |b| lower_alnum(b) || b"._-".contains(&b))
        })
}

fn is_tag(text: &str) -> bool {
    (1..=300).contains(&text.len())
        && text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

fn is_digest(text: &str) -> bool {
    text.split_once(':').is_some_and(|(algorithm, hex)| {
        !algorithm.is_empty()
            && ascii_all(algorithm, lower_alnum)
            && (32..=128).contains(&hex.len())
            && ascii_all(hex, |b| b.is_ascii_hexdigit())
    })
}

fn is_host(text: &str) -> bool {
    let (host, port) = text.split_once(':').unwrap_or((text, ""));
    (1..=253).contains(&host.len())
        && host
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && ascii_all(host, |b| {
            b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
        })
        && (port.is_empty()
            || (ascii_all(port, |b| b.is_ascii_digit()) && port.parse::<u16>().is_ok()))
}

/// `[registry[:port]/]path[:tag][@digest]`, as Docker reads it.
fn is_image(text: &str) -> bool {
    if text.is_empty() || text.len() > 1024 {
        return false;
    }
    let (name, digest) = match text.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (text, None),
    };
    if digest.is_some_and(|digest| !is_digest(digest)) {
        return false;
    }
    let last_slash = name.rfind('/').map_or(0, |at| at + 1);
    let (name, tag) = match name[last_slash..].rfind(':') {
        Some(at) => (&name[..last_slash + at], Some(&name[last_slash + at + 1..])),
        None => (name, None),
    };
    if tag.is_some_and(|tag| !is_tag(tag)) {
        return false;
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        if !is_host(parts[0]) {
            return false;
        }
        parts.remove(0);
    }
    !parts.is_empty()
        && parts.iter().all(|part| {
            part.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
                && ascii_all(part, |b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

/// An IPv6 block without host bits (any spelling: [`Snapshot::normalize`] writes each in its
/// canonical form, so that `0::/0` and `::/0` are one destination).
fn is_ipv6_cidr(text: &str) -> bool {
    text.split_once('/').is_some_and(|(address, length)| {
        address.parse::<Ipv6Addr>().is_ok()
            && length.parse::<u8>().is_ok_and(|length| length <= 128)
            && ascii_all(length, |b| b.is_ascii_digit())
            && text
                .parse::<ipnet::Ipv6Net>()
                .is_ok_and(|block| block.trunc() == block)
    })
}

impl Shape {
    fn matches(self, text: &str) -> bool {
        match self {
            Shape::Id(prefix) => is_id(text, prefix),
            Shape::Account => is_account(text),
            Shape::Region => is_region(text),
            Shape::Zone => {
                (1..=64).contains(&text.len())
                    && text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                    && ascii_all(text, |b| lower_alnum(b) || b == b'-')
            }
            Shape::Timestamp => {
                (1..=64).contains(&text.len())
                    && text.bytes().next().is_some_and(|b| b.is_ascii_digit())
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b":.+-".contains(&b))
            }
            Shape::Arn { service, resource } => is_arn(text, service, resource),
            Shape::PolicyName => {
                is_arn(text, "iam", "policy/")
                    || ((1..=128).contains(&text.len())
                        && !text.starts_with('-')
                        && ascii_all(text, |b| {
                            b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b)
                        }))
            }
            Shape::SecretRef => {
                is_arn(text, "secretsmanager", "secret:")
                    || is_arn(text, "ssm", "parameter/")
                    || ((1..=2048).contains(&text.len())
                        && !text.starts_with('-')
                        && ascii_all(text, arn_char))
            }
            Shape::KmsKey => {
                is_arn(text, "kms", "")
                    || ((1..=256).contains(&text.len())
                        && text
                            .bytes()
                            .next()
                            .is_some_and(|b| b.is_ascii_alphanumeric())
                        && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"_/-".contains(&b)))
            }
            Shape::RouteTarget => {
                text == "local"
                    || text == "unknown"
                    || is_arn(text, "", "")
                    || [
                        "igw", "eigw", "nat", "vpce", "tgw", "pcx", "vgw", "eni", "i", "lgw",
                        "cagw",
                    ]
                    .iter()
                    .any(|prefix| is_id(text, prefix))
            }
            Shape::Ipv6Cidr => is_ipv6_cidr(text),
            Shape::ServiceName => {
                (1..=255).contains(&text.len())
                    && text.bytes().next().is_some_and(lower_alnum)
                    && ascii_all(text, |b| lower_alnum(b) || b == b'.' || b == b'-')
            }
            Shape::Word => {
                (1..=64).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b == b'_')
            }
            Shape::EcsName => is_ecs_name(text),
            Shape::Group => {
                (1..=300).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"_:-".contains(&b))
            }
            Shape::Image => is_image(text),
            Shape::RepositoryName => is_repository_name(text),
            Shape::Digest => is_digest(text),
            Shape::Tag => is_tag(text),
            Shape::Platform => {
                (1..=64).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
            }
            Shape::ConfigPlatform => {
                Shape::Platform.matches(text)
                    && (2..=3).contains(&text.split('/').count())
                    && text.split('/').all(|part| !part.is_empty())
            }
            Shape::LogGroup => {
                (1..=512).contains(&text.len())
                    && !text.starts_with('-')
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"._/#-".contains(&b))
            }
            Shape::OptionName => {
                (1..=256).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            }
            Shape::EnvName => {
                (1..=255).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            }
            Shape::AwsName => {
                text.len() <= 255
                    && !text.starts_with('-')
                    && ascii_all(text, |b| {
                        b.is_ascii_alphanumeric() || b" ._-:/()#,@[]+=&;{}!$*".contains(&b)
                    })
            }
            Shape::Api => text.split_once(':').is_some_and(|(service, action)| {
                !service.is_empty()
                    && ascii_all(service, |b| lower_alnum(b) || b == b'-')
                    && !action.is_empty()
                    && action.len() <= 128
                    && ascii_all(action, |b| b.is_ascii_alphanumeric() || b == b'*')
            }),
            Shape::ErrorCode => {
                (1..=128).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b" ._-".contains(&b))
            }
            Shape::Resource => {
                (1..=2048).contains(&text.len())
                    && !text.starts_with('-')
                    && ascii_all(text, |b| arn_char(b) || b == b'*')
                    && (!text.starts_with("arn:") || is_arn(&text.replace('*', "x"), "", ""))
            }
            Shape::DnsServer => text == "AmazonProvidedDNS" || text.parse::<IpAddr>().is_ok(),
            Shape::DnsName => {
                let labels = text.strip_prefix("*.").unwrap_or(text);
                text == "."
                    || ((1..=253).contains(&text.len())
                        && labels.split('.').all(|label| {
                            (1..=63).contains(&label.len())
                                && ascii_all(label, |b| lower_alnum(b) || b == b'-' || b == b'_')
                        }))
            }
            Shape::HostedZoneId => {
                (2..=32).contains(&text.len())
                    && text.starts_with('Z')
                    && ascii_all(text, |b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
            Shape::Keyword => {
                (1..=64).contains(&text.len())
                    && text
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && ascii_all(text, |b| {
                        b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
                    })
            }
            Shape::TargetIp => {
                let (ip, port) = text.split_once(':').unwrap_or((text, "53"));
                ip.parse::<std::net::Ipv4Addr>().is_ok() && port.parse::<u16>().is_ok()
            }
            Shape::Registry => {
                let (host, path) = text.split_once('/').unwrap_or((text, ""));
                is_host(host)
                    && path.len() <= 256
                    && ascii_all(path, |b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
            }
            Shape::PlatformVersion => {
                (1..=16).contains(&text.len())
                    && ascii_all(text, |b| b.is_ascii_alphanumeric() || b == b'.')
            }
        }
    }

    fn describe(self) -> String {
        match self {
            Shape::Id(prefix) => format!(
                "an id of the shape {prefix}-… (lowercase letters, digits and hyphens after `{prefix}-`)"
            ),
            Shape::Account => "a 12-digit account id".into(),
            Shape::Region => "a region such as us-east-1".into(),
            Shape::Zone => "an availability zone such as us-east-1a".into(),
            Shape::Timestamp => "an RFC 3339 time such as 2026-01-31T12:00:00Z".into(),
            Shape::Arn { service, resource } => format!(
                "an ARN arn:PARTITION:{}:REGION:ACCOUNT:{}… (partition aws, aws-cn or aws-us-gov; letters, digits and _+=,.@:/- only)",
                if service.is_empty() { "SERVICE" } else { service },
                resource
            ),
            Shape::PolicyName => {
                "an inline policy name (letters, digits and _+=,.@-) or a managed policy ARN".into()
            }
            Shape::SecretRef => {
                "a Secrets Manager or SSM parameter ARN, or a parameter name (letters, digits and _+=,.@:/-)".into()
            }
            Shape::KmsKey => "a KMS key ARN, key id or alias".into(),
            Shape::RouteTarget => {
                "local or a gateway, endpoint, peering or interface id (igw-…, nat-…, vpce-…, tgw-…, pcx-…, vgw-…, eni-…, eigw-…)".into()
            }
            Shape::Ipv6Cidr => {
                "an IPv6 CIDR block without host bits, such as 2600:1f18::/56".into()
            }
            Shape::ServiceName => "an endpoint service name such as com.amazonaws.us-east-1.s3".into(),
            Shape::Word => "a single word of letters, digits and underscores".into(),
            Shape::EcsName => "an ECS name of up to 255 letters, digits, underscores and hyphens".into(),
            Shape::Group => {
                "a task group such as service:NAME (letters, digits, _, : and -)".into()
            }
            Shape::Image => "an image reference [REGISTRY/]REPOSITORY[:TAG][@DIGEST]".into(),
            Shape::RepositoryName => {
                "an ECR repository name (lowercase letters, digits, ., _, - and / between parts)".into()
            }
            Shape::Digest => "an image digest such as sha256:<64 hex digits>".into(),
            Shape::Tag => "an image tag (letters, digits, _, . and -; up to 300)".into(),
            Shape::Platform => "a platform such as linux/amd64".into(),
            Shape::ConfigPlatform => {
                "a platform os/architecture[/variant] such as linux/arm64/v8".into()
            }
            Shape::LogGroup => "a log group name (letters, digits and ._/#-)".into(),
            Shape::OptionName => "an option name (letters, digits, _, . and -)".into(),
            Shape::EnvName => "an environment variable name (letters, digits, _, . and -)".into(),
            Shape::AwsName => {
                "a name of up to 255 characters among letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*".into()
            }
            Shape::Api => "service:Action, such as ec2:DescribeNetworkAcls".into(),
            Shape::ErrorCode => "an error code (letters, digits, spaces and ._-)".into(),
            Shape::Resource => "an ARN, an id, a name or * (letters, digits and _+=,.@:/*-)".into(),
            Shape::DnsServer => "AmazonProvidedDNS or an IP address".into(),
            Shape::DnsName => {
                "a lowercase DNS name such as api.ecr.us-east-1.amazonaws.com (or *.NAME, or .)"
                    .into()
            }
            Shape::HostedZoneId => "a hosted zone id such as Z0123456789ABCDEFGHIJ".into(),
            Shape::TargetIp => "an IPv4 address, optionally with :PORT".into(),
            Shape::Keyword => "a word of letters, digits, hyphens and underscores".into(),
            Shape::Registry => "a registry host such as registry-1.docker.io".into(),
            Shape::PlatformVersion => "a platform version such as 1.4.0 or LATEST".into(),
        }
    }
}

const ECS_TASK: Shape = Shape::Arn {
    service: "ecs",
    resource: "task/",
};
const ECS_CLUSTER: Shape = Shape::Arn {
    service: "ecs",
    resource: "cluster/",
};
const ECS_SERVICE: Shape = Shape::Arn {
    service: "ecs",
    resource: "service/",
};
const ECS_TASK_DEFINITION: Shape = Shape::Arn {
    service: "ecs",
    resource: "task-definition/",
};
const ECS_CONTAINER_INSTANCE: Shape = Shape::Arn {
    service: "ecs",
    resource: "container-instance/",
};
const IAM_ROLE: Shape = Shape::Arn {
    service: "iam",
    resource: "role/",
};
const IAM_INSTANCE_PROFILE: Shape = Shape::Arn {
    service: "iam",
    resource: "instance-profile/",
};
const ECR_REPOSITORY: Shape = Shape::Arn {
    service: "ecr",
    resource: "repository/",
};
const KMS_ARN: Shape = Shape::Arn {
    service: "kms",
    resource: "",
};

type Checked = Result<(), Problem>;

fn check(path: &P<'_>, value: &str, shape: Shape) -> Checked {
    if shape.matches(value) {
        Ok(())
    } else {
        Err(Problem::Invalid {
            field: path.to_string(),
            value: value.to_string(),
            expected: shape.describe(),
        })
    }
}

/// A whole number within the range AWS allows for the field.
fn check_range(path: &P<'_>, value: u64, range: std::ops::RangeInclusive<u64>) -> Checked {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Problem::Invalid {
            field: path.to_string(),
            value: value.to_string(),
            expected: format!("a whole number from {} to {}", range.start(), range.end()),
        })
    }
}

fn check_opt(path: &P<'_>, value: &Option<String>, shape: Shape) -> Checked {
    value
        .as_deref()
        .map_or(Ok(()), |value| check(path, value, shape))
}

fn check_all(path: &P<'_>, values: &[String], shape: Shape) -> Checked {
    for (at, value) in values.iter().enumerate() {
        check(&path.i(at), value, shape)?;
    }
    Ok(())
}

/// Every string of a policy document: no control or invisible formatting character but tab and
/// newline (none at all in keys).
fn check_document(path: &P<'_>, value: &serde_json::Value) -> Checked {
    let text_ok = |text: &str| {
        text.len() <= 1 << 20 && text.chars().all(|c| c == '\n' || c == '\t' || is_inert(c))
    };
    let refuse = |path: &P<'_>, text: &str| {
        Err(Problem::Invalid {
            field: path.to_string(),
            value: text.to_string(),
            expected: "policy text without control characters".into(),
        })
    };
    match value {
        serde_json::Value::String(text) if !text_ok(text) => refuse(path, text),
        serde_json::Value::Array(items) => {
            for (at, item) in items.iter().enumerate() {
                check_document(&path.i(at), item)?;
            }
            Ok(())
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                let here = P::Key(path, key);
                if !(key.len() <= 1024 && key.chars().all(is_inert)) {
                    return refuse(&here, key);
                }
                check_document(&here, item)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_peer(path: &P<'_>, peer: &Peer) -> Checked {
    match peer {
        Peer::Cidr(_) => Ok(()),
        Peer::Ipv6(text) => check(path, text, Shape::Ipv6Cidr),
        Peer::SecurityGroup(id) => check(path, id, Shape::Id("sg")),
        Peer::PrefixList(id) => check(path, id, Shape::Id("pl")),
    }
}

fn check_network(path: &P<'_>, network: &TaskNetwork) -> Checked {
    check(
        &path.f("subnet_id"),
        &network.subnet_id,
        Shape::Id("subnet"),
    )?;
    check_all(
        &path.f("security_group_ids"),
        &network.security_group_ids,
        Shape::Id("sg"),
    )
}

/// Checks every id, ARN, name and reference of the snapshot (as parsed: list indexes are the
/// file's).
pub fn shapes(snapshot: &Snapshot) -> Checked {
    let root = P::Root;
    check(&root.f("account_id"), &snapshot.account_id, Shape::Account)?;
    check(&root.f("region"), &snapshot.region, Shape::Region)?;
    check_opt(
        &root.f("collected_at"),
        &snapshot.collected_at,
        Shape::Timestamp,
    )?;
    network_shapes(snapshot)?;
    ecs_shapes(snapshot)?;
    iam_ecr_shapes(snapshot)?;
    let path = root.f("gaps");
    for (at, gap) in snapshot.gaps.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("api"), &gap.api, Shape::Api)?;
        check_opt(&path.f("resource"), &gap.resource, Shape::Resource)?;
        check(&path.f("error_code"), &gap.error_code, Shape::ErrorCode)?;
    }
    Ok(())
}

fn network_shapes(snapshot: &Snapshot) -> Checked {
    let root = P::Root;
    let path = root.f("vpcs");
    for (at, vpc) in snapshot.vpcs.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &vpc.id, Shape::Id("vpc"))?;
        check_opt(
            &path.f("dhcp_options_id"),
            &vpc.dhcp_options_id,
            Shape::Id("dopt"),
        )?;
        check_opt(&path.f("owner_id"), &vpc.owner_id, Shape::Account)?;
    }
    let path = root.f("dhcp_options");
    for (at, options) in snapshot.dhcp_options.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &options.id, Shape::Id("dopt"))?;
        check_all(
            &path.f("domain_name_servers"),
            &options.domain_name_servers,
            Shape::DnsServer,
        )?;
    }
    let path = root.f("subnets");
    for (at, subnet) in snapshot.subnets.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &subnet.id, Shape::Id("subnet"))?;
        check(&path.f("vpc_id"), &subnet.vpc_id, Shape::Id("vpc"))?;
        check(
            &path.f("availability_zone"),
            &subnet.availability_zone,
            Shape::Zone,
        )?;
        check_opt(&path.f("owner_id"), &subnet.owner_id, Shape::Account)?;
        let ipv6_blocks = subnet.ipv6_cidr_blocks.as_deref().unwrap_or_default();
        check_all(&path.f("ipv6_cidr_blocks"), ipv6_blocks, Shape::Ipv6Cidr)?;
        // An IPv6-only subnet has no IPv4 block and IPv6 blocks (or none recorded); every other
        // subnet has its IPv4 block (AWS has no subnet without either).
        let refuse = |field: &'static str, value: &str, expected: &str| {
            Err(Problem::Invalid {
                field: path.f(field).to_string(),
                value: value.to_string(),
                expected: expected.to_string(),
            })
        };
        match (subnet.ipv6_native, &subnet.cidr_block) {
            (true, Some(cidr)) => {
                return refuse(
                    "cidr_block",
                    &cidr.to_string(),
                    "no IPv4 block in an IPv6-only subnet (ipv6_native)",
                );
            }
            (true, None) if subnet.ipv6_cidr_blocks.as_deref() == Some(&[]) => {
                return refuse(
                    "ipv6_cidr_blocks",
                    "[]",
                    "at least one IPv6 block in an IPv6-only subnet (ipv6_native)",
                );
            }
            (false, None) => {
                return refuse(
                    "cidr_block",
                    "(absent)",
                    "an IPv4 CIDR block (only an IPv6-only subnet, ipv6_native, has none)",
                );
            }
            _ => {}
        }
    }
    let path = root.f("route_tables");
    for (at, table) in snapshot.route_tables.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &table.id, Shape::Id("rtb"))?;
        check(&path.f("vpc_id"), &table.vpc_id, Shape::Id("vpc"))?;
        check_all(
            &path.f("subnet_ids"),
            &table.subnet_ids,
            Shape::Id("subnet"),
        )?;
        let routes = path.f("routes");
        for (at, route) in table.routes.iter().enumerate() {
            let path = routes.i(at);
            match &route.destination {
                RouteDestination::Cidr(_) => {}
                RouteDestination::PrefixList(id) => {
                    check(&path.f("destination"), id, Shape::Id("pl"))?
                }
                RouteDestination::Ipv6(text) => {
                    check(&path.f("destination"), text, Shape::Ipv6Cidr)?
                }
            }
            check(&path.f("target"), &route.target, Shape::RouteTarget)?;
        }
    }
    let path = root.f("network_acls");
    for (at, acl) in snapshot.network_acls.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &acl.id, Shape::Id("acl"))?;
        check(&path.f("vpc_id"), &acl.vpc_id, Shape::Id("vpc"))?;
        check_all(&path.f("subnet_ids"), &acl.subnet_ids, Shape::Id("subnet"))?;
        let entries = path.f("entries");
        for (at, entry) in acl.entries.iter().enumerate() {
            let path = entries.i(at);
            check_opt(&path.f("ipv6_cidr"), &entry.ipv6_cidr, Shape::Ipv6Cidr)?;
            if entry.cidr.is_some() && entry.ipv6_cidr.is_some() {
                return Err(Problem::Invalid {
                    field: path.f("ipv6_cidr").to_string(),
                    value: entry.ipv6_cidr.clone().unwrap_or_default(),
                    expected: "no ipv6_cidr on an entry with an IPv4 cidr (an entry has one block)"
                        .into(),
                });
            }
        }
    }
    let path = root.f("security_groups");
    for (at, group) in snapshot.security_groups.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &group.id, Shape::Id("sg"))?;
        check(&path.f("name"), &group.name, Shape::AwsName)?;
        check(&path.f("vpc_id"), &group.vpc_id, Shape::Id("vpc"))?;
        let mut rule_ids = HashSet::new();
        for (direction, rules) in [("ingress", &group.ingress), ("egress", &group.egress)] {
            let rules_path = path.f(direction);
            for (at, rule) in rules.iter().enumerate() {
                let path = rules_path.i(at);
                check_opt(&path.f("rule_id"), &rule.rule_id, Shape::Id("sgr"))?;
                check_peer(&path.f("peer"), &rule.peer)?;
                if let Some(id) = &rule.rule_id
                    && !rule_ids.insert(id.as_str())
                {
                    return Err(Problem::Duplicate {
                        list: format!("security group {}'s rules", group.id),
                        id: id.clone(),
                    });
                }
            }
        }
    }
    let path = root.f("prefix_lists");
    for (at, list) in snapshot.prefix_lists.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &list.id, Shape::Id("pl"))?;
        check(&path.f("name"), &list.name, Shape::AwsName)?;
    }
    let path = root.f("vpc_endpoints");
    for (at, endpoint) in snapshot.vpc_endpoints.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &endpoint.id, Shape::Id("vpce"))?;
        check(&path.f("vpc_id"), &endpoint.vpc_id, Shape::Id("vpc"))?;
        check(
            &path.f("service_name"),
            &endpoint.service_name,
            Shape::ServiceName,
        )?;
        check(&path.f("state"), &endpoint.state, Shape::Word)?;
        check_all(
            &path.f("subnet_ids"),
            &endpoint.subnet_ids,
            Shape::Id("subnet"),
        )?;
        let interfaces = path.f("network_interfaces");
        for (at, interface) in endpoint.network_interfaces.iter().enumerate() {
            let path = interfaces.i(at);
            check(&path.f("id"), &interface.id, Shape::Id("eni"))?;
            check(
                &path.f("subnet_id"),
                &interface.subnet_id,
                Shape::Id("subnet"),
            )?;
            check(
                &path.f("availability_zone"),
                &interface.availability_zone,
                Shape::Zone,
            )?;
        }
        check_all(
            &path.f("security_group_ids"),
            &endpoint.security_group_ids,
            Shape::Id("sg"),
        )?;
        check_all(
            &path.f("route_table_ids"),
            &endpoint.route_table_ids,
            Shape::Id("rtb"),
        )?;
        if let Some(policy) = &endpoint.policy {
            check_document(&path.f("policy"), policy)?;
        }
    }
    let path = root.f("nat_gateways");
    for (at, nat) in snapshot.nat_gateways.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &nat.id, Shape::Id("nat"))?;
        check(&path.f("vpc_id"), &nat.vpc_id, Shape::Id("vpc"))?;
        check(&path.f("subnet_id"), &nat.subnet_id, Shape::Id("subnet"))?;
        check(&path.f("state"), &nat.state, Shape::Word)?;
        check(
            &path.f("connectivity_type"),
            &nat.connectivity_type,
            Shape::Word,
        )?;
    }
    let path = root.f("internet_gateways");
    for (at, gateway) in snapshot.internet_gateways.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &gateway.id, Shape::Id("igw"))?;
        check_all(
            &path.f("attached_vpc_ids"),
            &gateway.attached_vpc_ids,
            Shape::Id("vpc"),
        )?;
    }
    let endpoints = root.f("vpc_endpoints");
    for (at, endpoint) in snapshot.vpc_endpoints.iter().enumerate() {
        let path = endpoints.i(at);
        check_all(&path.f("dns_names"), &endpoint.dns_names, Shape::DnsName)?;
    }
    landing_zone_shapes(snapshot)
}

fn landing_zone_shapes(snapshot: &Snapshot) -> Checked {
    let root = P::Root;
    let path = root.f("hosted_zones");
    for (at, zone) in snapshot.hosted_zones.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &zone.id, Shape::HostedZoneId)?;
        check(&path.f("name"), &zone.name, Shape::DnsName)?;
        check_all(&path.f("vpc_ids"), &zone.vpc_ids, Shape::Id("vpc"))?;
        let records = path.f("records");
        for (at, record) in zone.records.iter().enumerate() {
            let path = records.i(at);
            check(&path.f("name"), &record.name, Shape::DnsName)?;
            check(&path.f("type"), &record.record_type, Shape::Word)?;
            check_opt(
                &path.f("alias_target"),
                &record.alias_target,
                Shape::DnsName,
            )?;
            let values = path.f("values");
            for (at, value) in record.values.iter().enumerate() {
                let shape = if record.record_type == "CNAME" {
                    Shape::DnsName
                } else {
                    Shape::DnsServer
                };
                check(&values.i(at), value, shape)?;
            }
        }
    }
    let path = root.f("resolver_rules");
    for (at, rule) in snapshot.resolver_rules.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &rule.id, Shape::Id("rslvr-rr"))?;
        check(&path.f("domain_name"), &rule.domain_name, Shape::DnsName)?;
        check_all(&path.f("target_ips"), &rule.target_ips, Shape::TargetIp)?;
        check_all(&path.f("vpc_ids"), &rule.vpc_ids, Shape::Id("vpc"))?;
    }
    let path = root.f("transit_gateway_attachments");
    for (at, attachment) in snapshot.transit_gateway_attachments.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &attachment.id, Shape::Id("tgw-attach"))?;
        check(
            &path.f("transit_gateway_id"),
            &attachment.transit_gateway_id,
            Shape::Id("tgw"),
        )?;
        check(
            &path.f("resource_type"),
            &attachment.resource_type,
            Shape::Keyword,
        )?;
        check(
            &path.f("resource_id"),
            &attachment.resource_id,
            Shape::Resource,
        )?;
        check(&path.f("state"), &attachment.state, Shape::Keyword)?;
        check_opt(
            &path.f("association_route_table_id"),
            &attachment.association_route_table_id,
            Shape::Id("tgw-rtb"),
        )?;
        check_all(
            &path.f("subnet_ids"),
            &attachment.subnet_ids,
            Shape::Id("subnet"),
        )?;
    }
    let path = root.f("transit_gateway_route_tables");
    for (at, table) in snapshot.transit_gateway_route_tables.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &table.id, Shape::Id("tgw-rtb"))?;
        check(
            &path.f("transit_gateway_id"),
            &table.transit_gateway_id,
            Shape::Id("tgw"),
        )?;
        let routes = path.f("routes");
        for (at, route) in table.routes.iter().enumerate() {
            let path = routes.i(at);
            check_all(
                &path.f("attachment_ids"),
                &route.attachment_ids,
                Shape::Id("tgw-attach"),
            )?;
            check(&path.f("route_type"), &route.route_type, Shape::Keyword)?;
        }
    }
    let path = root.f("vpc_peering_connections");
    for (at, peering) in snapshot.vpc_peering_connections.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &peering.id, Shape::Id("pcx"))?;
        check(
            &path.f("requester_vpc_id"),
            &peering.requester_vpc_id,
            Shape::Id("vpc"),
        )?;
        check(
            &path.f("accepter_vpc_id"),
            &peering.accepter_vpc_id,
            Shape::Id("vpc"),
        )?;
        check(&path.f("status"), &peering.status, Shape::Keyword)?;
    }
    let path = root.f("ec2_instances");
    for (at, instance) in snapshot.ec2_instances.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("id"), &instance.id, Shape::Id("i"))?;
        check(
            &path.f("subnet_id"),
            &instance.subnet_id,
            Shape::Id("subnet"),
        )?;
        check(&path.f("state"), &instance.state, Shape::Keyword)?;
        check_all(
            &path.f("network_interface_ids"),
            &instance.network_interface_ids,
            Shape::Id("eni"),
        )?;
    }
    Ok(())
}

fn ecs_shapes(snapshot: &Snapshot) -> Checked {
    let root = P::Root;
    let path = root.f("tasks");
    for (at, task) in snapshot.tasks.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &task.arn, ECS_TASK)?;
        check(&path.f("cluster_arn"), &task.cluster_arn, ECS_CLUSTER)?;
        check(
            &path.f("task_definition_arn"),
            &task.task_definition_arn,
            ECS_TASK_DEFINITION,
        )?;
        check_opt(&path.f("group"), &task.group, Shape::Group)?;
        check_opt(
            &path.f("platform_version"),
            &task.platform_version,
            Shape::PlatformVersion,
        )?;
        check(&path.f("last_status"), &task.last_status, Shape::Word)?;
        check_opt(&path.f("stop_code"), &task.stop_code, Shape::Word)?;
        let containers = path.f("containers");
        for (at, container) in task.containers.iter().enumerate() {
            let path = containers.i(at);
            check(&path.f("name"), &container.name, Shape::EcsName)?;
            if !container.image.is_empty() {
                check(&path.f("image"), &container.image, Shape::Image)?;
            }
            check_opt(
                &path.f("image_digest"),
                &container.image_digest,
                Shape::Digest,
            )?;
        }
        if let Some(network) = &task.network {
            check_network(&path.f("network"), network)?;
        }
        check_opt(
            &path.f("container_instance_arn"),
            &task.container_instance_arn,
            ECS_CONTAINER_INSTANCE,
        )?;
    }
    let path = root.f("services");
    for (at, service) in snapshot.services.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &service.arn, ECS_SERVICE)?;
        check(&path.f("name"), &service.name, Shape::EcsName)?;
        check(&path.f("cluster_arn"), &service.cluster_arn, ECS_CLUSTER)?;
        check(
            &path.f("task_definition_arn"),
            &service.task_definition_arn,
            ECS_TASK_DEFINITION,
        )?;
        check_opt(
            &path.f("platform_version"),
            &service.platform_version,
            Shape::PlatformVersion,
        )?;
        if let Some(network) = &service.network {
            let path = path.f("network");
            check_all(
                &path.f("subnet_ids"),
                &network.subnet_ids,
                Shape::Id("subnet"),
            )?;
            check_all(
                &path.f("security_group_ids"),
                &network.security_group_ids,
                Shape::Id("sg"),
            )?;
        }
        let events = path.f("events");
        for (at, event) in service.events.iter().enumerate() {
            check_opt(
                &events.i(at).f("created_at"),
                &event.created_at,
                Shape::Timestamp,
            )?;
        }
    }
    let path = root.f("task_definitions");
    for (at, definition) in snapshot.task_definitions.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &definition.arn, ECS_TASK_DEFINITION)?;
        check_opt(
            &path.f("execution_role_arn"),
            &definition.execution_role_arn,
            IAM_ROLE,
        )?;
        check_opt(
            &path.f("task_role_arn"),
            &definition.task_role_arn,
            IAM_ROLE,
        )?;
        check(
            &path.f("network_mode"),
            &definition.network_mode,
            Shape::Word,
        )?;
        let platform = path.f("runtime_platform");
        check(
            &platform.f("cpu_architecture"),
            &definition.runtime_platform.cpu_architecture,
            Shape::Word,
        )?;
        check(
            &platform.f("operating_system_family"),
            &definition.runtime_platform.operating_system_family,
            Shape::Word,
        )?;
        if let Some(size) = definition.ephemeral_storage_gib {
            check_range(&path.f("ephemeral_storage_gib"), size.into(), 20..=200)?;
        }
        let containers = path.f("containers");
        let mut names = HashSet::new();
        for (at, container) in definition.containers.iter().enumerate() {
            let path = containers.i(at);
            check(&path.f("name"), &container.name, Shape::EcsName)?;
            if !names.insert(container.name.as_str()) {
                return Err(Problem::Duplicate {
                    list: format!("task definition {}'s containers", definition.arn),
                    id: container.name.clone(),
                });
            }
            check(&path.f("image"), &container.image, Shape::Image)?;
            check_opt(
                &path.f("log_driver"),
                &container.log_driver,
                Shape::OptionName,
            )?;
            let options = path.f("log_options");
            for (name, value) in &container.log_options {
                let path = P::Key(&options, name);
                check(&path, name, Shape::OptionName)?;
                // The values the engine reads (and names in fixes) have a shape; the others
                // are free text, masked and made inert by `redact`.
                match name.as_str() {
                    "awslogs-group" => check(&path, value, Shape::LogGroup)?,
                    "awslogs-region" => check(&path, value, Shape::Region)?,
                    "awslogs-create-group" => check(&path, value, Shape::Word)?,
                    _ => {}
                }
            }
            let secrets = path.f("secrets");
            for (at, secret) in container.secrets.iter().enumerate() {
                let path = secrets.i(at);
                check(&path.f("name"), &secret.name, Shape::EnvName)?;
                check(&path.f("value_from"), &secret.value_from, Shape::SecretRef)?;
            }
            check_opt(
                &path.f("repository_credentials"),
                &container.repository_credentials,
                Shape::SecretRef,
            )?;
        }
    }
    let path = root.f("container_instances");
    for (at, instance) in snapshot.container_instances.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &instance.arn, ECS_CONTAINER_INSTANCE)?;
        check(&path.f("cluster_arn"), &instance.cluster_arn, ECS_CLUSTER)?;
        check(
            &path.f("ec2_instance_id"),
            &instance.ec2_instance_id,
            Shape::Id("i"),
        )?;
        if let Some(network) = &instance.network {
            check_network(&path.f("network"), network)?;
        }
        check_opt(
            &path.f("instance_profile_arn"),
            &instance.instance_profile_arn,
            IAM_INSTANCE_PROFILE,
        )?;
        check_opt(&path.f("role_arn"), &instance.role_arn, IAM_ROLE)?;
    }
    Ok(())
}

fn iam_ecr_shapes(snapshot: &Snapshot) -> Checked {
    let root = P::Root;
    let path = root.f("iam_roles");
    for (at, role) in snapshot.iam_roles.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &role.arn, IAM_ROLE)?;
        if let Some(trust) = &role.trust_policy {
            check_document(&path.f("trust_policy"), trust)?;
        }
        for (field, policies) in [
            ("inline_policies", &role.inline_policies),
            ("attached_policies", &role.attached_policies),
        ] {
            let list = path.f(field);
            for (at, policy) in policies.iter().enumerate() {
                let path = list.i(at);
                check(&path.f("name"), &policy.name, Shape::PolicyName)?;
                check_document(&path.f("document"), &policy.document)?;
            }
        }
        if let Some(boundary) = &role.permissions_boundary {
            let path = path.f("permissions_boundary");
            check(&path.f("name"), &boundary.name, Shape::PolicyName)?;
            check_document(&path.f("document"), &boundary.document)?;
        }
        if let Some(simulation) = &role.simulation {
            let simulation_path = path.f("simulation");
            let decisions = simulation_path.f("decisions");
            for (at, decision) in simulation.decisions.iter().enumerate() {
                let path = decisions.i(at);
                check(&path.f("action"), &decision.action, Shape::Api)?;
                check(&path.f("resource"), &decision.resource, Shape::Resource)?;
                check(&path.f("decision"), &decision.decision, Shape::Word)?;
            }
        }
    }
    let path = root.f("ecr_repositories");
    for (at, repository) in snapshot.ecr_repositories.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &repository.arn, ECR_REPOSITORY)?;
        check(&path.f("name"), &repository.name, Shape::RepositoryName)?;
        check(&path.f("uri"), &repository.uri, Shape::Image)?;
        if let Some(policy) = &repository.policy {
            check_document(&path.f("policy"), policy)?;
        }
        if let Some(policy) = &repository.lifecycle_policy {
            check_document(&path.f("lifecycle_policy"), policy)?;
        }
        check_opt(
            &path.f("encryption_type"),
            &repository.encryption_type,
            Shape::Word,
        )?;
        check_opt(&path.f("kms_key"), &repository.kms_key, Shape::KmsKey)?;
        let images = path.f("images");
        let mut digests = HashSet::new();
        for (at, image) in repository.images.iter().enumerate() {
            let path = images.i(at);
            check(&path.f("digest"), &image.digest, Shape::Digest)?;
            if !digests.insert(image.digest.as_str()) {
                return Err(Problem::Duplicate {
                    list: format!("repository {}'s images", repository.arn),
                    id: image.digest.clone(),
                });
            }
            check_all(&path.f("tags"), &image.tags, Shape::Tag)?;
            check_all(&path.f("platforms"), &image.platforms, Shape::Platform)?;
            if let Some(size) = image.size_bytes {
                // ECR's own limit is far below this: a layer is at most 52,000 MiB and an
                // image at most 4,200 layers; 1 PiB refuses a corrupt number, not an image.
                check_range(&path.f("size_bytes"), size, 0..=1 << 50)?;
            }
            check_opt(
                &path.f("config_platform"),
                &image.config_platform,
                Shape::ConfigPlatform,
            )?;
        }
    }
    let path = root.f("log_groups");
    for (at, group) in snapshot.log_groups.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("name"), &group.name, Shape::LogGroup)?;
        check_opt(&path.f("kms_key"), &group.kms_key, Shape::KmsKey)?;
    }
    let path = root.f("kms_keys");
    for (at, key) in snapshot.kms_keys.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("arn"), &key.arn, KMS_ARN)?;
        check(&path.f("key_state"), &key.key_state, Shape::Word)?;
        check(&path.f("key_manager"), &key.key_manager, Shape::Word)?;
        if let Some(policy) = &key.policy {
            check_document(&path.f("policy"), policy)?;
        }
    }
    let path = root.f("secret_keys");
    for (at, key) in snapshot.secret_keys.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("resource"), &key.resource, Shape::SecretRef)?;
        check_opt(&path.f("kms_key"), &key.kms_key, Shape::KmsKey)?;
    }
    if let Some(registry) = &snapshot.ecr_registry {
        let path = root.f("ecr_registry");
        let rules = path.f("pull_through_cache_rules");
        for (at, rule) in registry.pull_through_cache_rules.iter().enumerate() {
            let path = rules.i(at);
            check(
                &path.f("ecr_repository_prefix"),
                &rule.ecr_repository_prefix,
                Shape::RepositoryName,
            )?;
            check(
                &path.f("upstream_registry_url"),
                &rule.upstream_registry_url,
                Shape::Registry,
            )?;
        }
        if let Some(policy) = &registry.policy {
            check_document(&path.f("policy"), policy)?;
        }
    }
    let path = root.f("ecr_replication");
    for (at, replication) in snapshot.ecr_replication.iter().enumerate() {
        let path = path.i(at);
        check(&path.f("region"), &replication.region, Shape::Region)?;
        check(
            &path.f("registry_id"),
            &replication.registry_id,
            Shape::Account,
        )?;
        let rules = path.f("rules");
        for (at, rule) in replication.rules.iter().enumerate() {
            let path = rules.i(at);
            let destinations = path.f("destinations");
            for (at, destination) in rule.destinations.iter().enumerate() {
                let path = destinations.i(at);
                check(&path.f("region"), &destination.region, Shape::Region)?;
                check(
                    &path.f("registry_id"),
                    &destination.registry_id,
                    Shape::Account,
                )?;
            }
            check_all(
                &path.f("repository_prefixes"),
                &rule.repository_prefixes,
                Shape::RepositoryName,
            )?;
        }
    }
    check_all(
        &root.f("ecr_read_as_owner"),
        &snapshot.ecr_read_as_owner,
        Shape::Account,
    )
}

/// The first id two entries of a list share. The lists are sorted by id (see
/// [`Snapshot::normalize`]), so equal ids are neighbours.
fn first_repeat<'a, T>(list: &'a [T], id: impl Fn(&'a T) -> &'a str) -> Option<&'a str> {
    list.windows(2)
        .find(|pair| id(&pair[0]) == id(&pair[1]))
        .map(|pair| id(&pair[0]))
}

/// Refuses two entries of one list with the same id: which of them the engine would use
/// depends on their order, so the verdict would too. Runs on a normalized snapshot.
pub fn unique_ids(snapshot: &Snapshot) -> Checked {
    let repeats = [
        ("vpcs", first_repeat(&snapshot.vpcs, |x| &x.id)),
        (
            "dhcp_options",
            first_repeat(&snapshot.dhcp_options, |x| &x.id),
        ),
        ("subnets", first_repeat(&snapshot.subnets, |x| &x.id)),
        (
            "route_tables",
            first_repeat(&snapshot.route_tables, |x| &x.id),
        ),
        (
            "network_acls",
            first_repeat(&snapshot.network_acls, |x| &x.id),
        ),
        (
            "security_groups",
            first_repeat(&snapshot.security_groups, |x| &x.id),
        ),
        (
            "prefix_lists",
            first_repeat(&snapshot.prefix_lists, |x| &x.id),
        ),
        (
            "vpc_endpoints",
            first_repeat(&snapshot.vpc_endpoints, |x| &x.id),
        ),
        (
            "hosted_zones",
            first_repeat(&snapshot.hosted_zones, |x| &x.id),
        ),
        (
            "resolver_rules",
            first_repeat(&snapshot.resolver_rules, |x| &x.id),
        ),
        (
            "transit_gateway_attachments",
            first_repeat(&snapshot.transit_gateway_attachments, |x| &x.id),
        ),
        (
            "transit_gateway_route_tables",
            first_repeat(&snapshot.transit_gateway_route_tables, |x| &x.id),
        ),
        (
            "vpc_peering_connections",
            first_repeat(&snapshot.vpc_peering_connections, |x| &x.id),
        ),
        (
            "ec2_instances",
            first_repeat(&snapshot.ec2_instances, |x| &x.id),
        ),
        (
            "nat_gateways",
            first_repeat(&snapshot.nat_gateways, |x| &x.id),
        ),
        (
            "internet_gateways",
            first_repeat(&snapshot.internet_gateways, |x| &x.id),
        ),
        ("tasks", first_repeat(&snapshot.tasks, |x| &x.arn)),
        ("services", first_repeat(&snapshot.services, |x| &x.arn)),
        (
            "task_definitions",
            first_repeat(&snapshot.task_definitions, |x| &x.arn),
        ),
        (
            "container_instances",
            first_repeat(&snapshot.container_instances, |x| &x.arn),
        ),
        ("iam_roles", first_repeat(&snapshot.iam_roles, |x| &x.arn)),
        (
            "ecr_repositories",
            first_repeat(&snapshot.ecr_repositories, |x| &x.arn),
        ),
        (
            "log_groups",
            first_repeat(&snapshot.log_groups, |x| &x.name),
        ),
        ("kms_keys", first_repeat(&snapshot.kms_keys, |x| &x.arn)),
        (
            "secret_keys",
            first_repeat(&snapshot.secret_keys, |x| &x.resource),
        ),
        (
            "ecr_replication",
            first_repeat(&snapshot.ecr_replication, |x| &x.region),
        ),
    ];
    if let Some((list, id)) = repeats
        .into_iter()
        .find_map(|(list, id)| id.map(|id| (list, id)))
    {
        return Err(Problem::Duplicate {
            list: list.to_string(),
            id: id.to_string(),
        });
    }
    unique_network_rules(snapshot)?;
    unique_dns_answers(snapshot)?;
    let mut owners = HashSet::new();
    for owner in &snapshot.ecr_read_as_owner {
        if !owners.insert(owner) {
            return Err(Problem::Duplicate {
                list: "ecr_read_as_owner".into(),
                id: owner.clone(),
            });
        }
    }
    Ok(())
}

/// What AWS never holds twice, and what would make a verdict depend on the file's order: two
/// entries of one network ACL with the same rule number and direction, two routes of one table
/// to the same destination, a subnet associated with two route tables or two network ACLs.
fn unique_network_rules(snapshot: &Snapshot) -> Checked {
    let duplicate = |list: String, id: String| Err(Problem::Duplicate { list, id });
    for acl in &snapshot.network_acls {
        let mut numbers = HashSet::new();
        for entry in &acl.entries {
            if !numbers.insert((entry.egress, entry.rule_number)) {
                let direction = if entry.egress { "egress" } else { "ingress" };
                return duplicate(
                    format!("the {direction} entries of network ACL {}", acl.id),
                    format!("rule {}", entry.rule_number),
                );
            }
        }
    }
    for table in &snapshot.route_tables {
        let mut destinations = HashSet::new();
        for route in &table.routes {
            // EC2 takes an egress-only internet gateway only as the target of IPv6 routes
            // (CreateRoute: `EgressOnlyInternetGatewayId`, "IPv6 traffic only").
            if route.target.starts_with("eigw-")
                && !matches!(route.destination, RouteDestination::Ipv6(_))
            {
                return Err(Problem::Invalid {
                    field: format!("the routes of route table {}", table.id),
                    value: format!("{} → {}", route.destination, route.target),
                    expected: "an IPv6 destination for an egress-only internet gateway".into(),
                });
            }
            if !destinations.insert(&route.destination) {
                return duplicate(
                    format!("the routes of route table {}", table.id),
                    route.destination.to_string(),
                );
            }
        }
    }
    for table in &snapshot.transit_gateway_route_tables {
        let mut destinations = HashSet::new();
        for route in &table.routes {
            if !destinations.insert(&route.destination) {
                return duplicate(
                    format!("the routes of transit gateway route table {}", table.id),
                    route.destination.to_string(),
                );
            }
        }
    }
    let mut routed = HashSet::new();
    for subnet in snapshot.route_tables.iter().flat_map(|t| &t.subnet_ids) {
        if !routed.insert(subnet) {
            return duplicate("the route table associations".into(), subnet.clone());
        }
    }
    let mut filtered = HashSet::new();
    for subnet in snapshot.network_acls.iter().flat_map(|a| &a.subnet_ids) {
        if !filtered.insert(subnet) {
            return duplicate("the network ACL associations".into(), subnet.clone());
        }
    }
    Ok(())
}

/// What Route 53 refuses, and what would make the name a VPC resolves depend on the file's
/// order: two private zones of the same name associated with one VPC (`ConflictingDomainExists`),
/// two Resolver rules of the same domain associated with one VPC (a VPC takes one rule per
/// domain), two record sets of one name and type in a zone, and a CNAME beside another record of
/// its name (RFC 1034: a CNAME is alone). Sources: Route 53 API reference,
/// `AssociateVPCWithHostedZone` and `ChangeResourceRecordSets`; Route 53 Resolver,
/// `AssociateResolverRule`.
fn unique_dns_answers(snapshot: &Snapshot) -> Checked {
    let duplicate = |list: String, id: String| Err(Problem::Duplicate { list, id });
    let mut zones = HashSet::new();
    for zone in snapshot.hosted_zones.iter().filter(|zone| zone.private) {
        let name = zone.name.trim_end_matches('.').to_ascii_lowercase();
        for vpc in &zone.vpc_ids {
            if !zones.insert((name.clone(), vpc)) {
                return duplicate(
                    format!("the private hosted zones associated with {vpc}"),
                    name,
                );
            }
        }
    }
    let mut rules = HashSet::new();
    for rule in &snapshot.resolver_rules {
        let domain = rule.domain_name.trim_end_matches('.').to_ascii_lowercase();
        for vpc in &rule.vpc_ids {
            if !rules.insert((domain.clone(), vpc)) {
                return duplicate(format!("the Resolver rules associated with {vpc}"), domain);
            }
        }
    }
    for zone in &snapshot.hosted_zones {
        let mut records = HashSet::new();
        let mut types: std::collections::HashMap<String, HashSet<&str>> = Default::default();
        for record in &zone.records {
            let name = record.name.trim_end_matches('.').to_ascii_lowercase();
            if !records.insert((name.clone(), record.record_type.as_str())) {
                return duplicate(
                    format!("the records of hosted zone {}", zone.id),
                    format!("{name} {}", record.record_type),
                );
            }
            let of_name = types.entry(name.clone()).or_default();
            of_name.insert(record.record_type.as_str());
            if of_name.contains("CNAME") && of_name.len() > 1 {
                return duplicate(
                    format!(
                        "the records of hosted zone {} (a CNAME stands alone)",
                        zone.id
                    ),
                    name,
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_take_mock_and_aws_shapes_but_no_shell_syntax() {
        for good in [
            "sg-0a1b2c",
            "sg-app",
            "sg-two-app",
            "sg-0-svc-49",
            "subnet-two-private-a",
        ] {
            assert!(is_id(good, good.split('-').next().unwrap()), "{good}");
        }
        for bad in [
            "sg-",
            "sg--x",
            "sg-App",
            "sg-a b",
            "sg-app$(touch${IFS}/tmp/pwned)",
            "sg-a;b",
            "sg-a`b`",
            "sg-a\u{1b}[31m",
            "vpc-1",
        ] {
            assert!(!is_id(bad, "sg"), "{bad}");
        }
    }

    #[test]
    fn arns_need_a_known_partition_and_a_region_shape() {
        let role = "arn:aws:iam::111122223333:role/service-role/ecsTaskExecutionRole";
        assert!(is_arn(role, "iam", "role/"));
        assert!(is_arn(
            "arn:aws-us-gov:ecs:us-gov-west-1:111122223333:task/prod/0f1e",
            "ecs",
            "task/"
        ));
        assert!(is_arn(
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            "iam",
            "policy/"
        ));
        for bad in [
            "arn:evil:iam::111122223333:role/x",
            "arn:aws:iam::1111:role/x",
            "arn:aws:iam:US-EAST-1:111122223333:role/x",
            "arn:aws:iam::111122223333:role/x y",
            "arn:aws:iam::111122223333:role/$(id)",
            "arn:aws:iam::111122223333:user/x",
            "arn:aws:iam::111122223333",
        ] {
            assert!(!is_arn(bad, "iam", "role/"), "{bad}");
        }
    }

    #[test]
    fn images_and_names() {
        for good in [
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
            "123456789012.dkr-ecr.us-east-1.on.aws/app:v1",
            "app:3f9c2e1",
            "datadog/agent:7",
            "localhost:5000/a/b@sha256:4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce",
        ] {
            assert!(is_image(good), "{good}");
        }
        for bad in [
            "",
            "-x",
            "web:1;rm",
            "a b",
            "web:",
            "web:$(id)",
            "host:99999/x",
        ] {
            assert!(!is_image(bad), "{bad}");
        }
        assert!(is_repository_name("docker-hub/library/nginx"));
        assert!(!is_repository_name("Web"));
        assert!(Shape::RouteTarget.matches("local"));
        assert!(Shape::RouteTarget.matches("eigw-471c161d9962f10c3"));
        assert!(!Shape::RouteTarget.matches("igw-1 && reboot"));
        for spelled_otherwise in ["2400:6500:0c3f:d000::/56", "0::/0", "2600:1F18::/56"] {
            assert!(
                Shape::Ipv6Cidr.matches(spelled_otherwise),
                "{spelled_otherwise}"
            );
        }
        assert!(
            !Shape::Ipv6Cidr.matches("2600:1f18:4a3:6f01::25/64"),
            "host bits"
        );
        assert!(!Shape::Ipv6Cidr.matches("::/129"));
        for good in ["linux/amd64", "linux/arm64/v8", "windows/amd64"] {
            assert!(Shape::ConfigPlatform.matches(good), "{good}");
        }
        for bad in [
            "linux",
            "linux/",
            "/amd64",
            "linux//v8",
            "a/b/c/d",
            "linux/$(id)",
        ] {
            assert!(!Shape::ConfigPlatform.matches(bad), "{bad}");
        }
    }

    #[test]
    fn shown_values_are_escaped_and_cut() {
        assert_eq!(shown("a\u{1b}[31m\"\n"), "a\\u{1b}[31m\\\"\\n");
        assert_eq!(shown("\u{202e}x"), "\\u{202e}x");
        let long = "x".repeat(500);
        assert_eq!(shown(&long).chars().count(), SHOWN + 1);
    }

    #[test]
    fn a_problem_is_one_line_naming_the_field() {
        let mut snapshot = Snapshot::new("111122223333", "us-east-1");
        snapshot.security_groups.push(SecurityGroup {
            id: "sg-a\nb".into(),
            name: String::new(),
            vpc_id: "vpc-1".into(),
            ingress: vec![],
            egress: vec![],
        });
        let message = shapes(&snapshot).unwrap_err().to_string();
        assert!(
            message.starts_with("security_groups[0].id is \"sg-a\\nb\"; expected an id"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }

    #[test]
    fn duplicates_are_named() {
        let mut snapshot = Snapshot::new("111122223333", "us-east-1");
        for _ in 0..2 {
            snapshot.internet_gateways.push(InternetGateway {
                id: "igw-1".into(),
                attached_vpc_ids: vec![],
            });
        }
        let message = unique_ids(&snapshot).unwrap_err().to_string();
        assert_eq!(
            message,
            "internet_gateways lists \"igw-1\" more than once; each entry must be unique"
        );
    }
}
