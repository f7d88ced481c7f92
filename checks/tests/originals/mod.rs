//! What a redacted output must not hold, gathered from a snapshot independently of the
//! anonymizer: every 12-digit token, every id field's value and every token shaped like a
//! resource id, UUID or task id, every private IPv4 address and block, and the names the
//! snapshot's name fields hold. Shared by `checks/tests/anonymize.rs` and `tests/redact.rs`.

use std::collections::BTreeSet;

use ecr_pathcheck_checks::snapshot::Snapshot;
use serde_json::Value;

const ID_PREFIXES: &[&str] = &[
    "vpc",
    "subnet",
    "sg",
    "sgr",
    "eni",
    "rtb",
    "acl",
    "vpce",
    "igw",
    "eigw",
    "nat",
    "tgw",
    "tgw-attach",
    "tgw-rtb",
    "pcx",
    "i",
    "vgw",
    "dopt",
    "pl",
    "rslvr-rr",
];

fn is_id(atom: &str) -> bool {
    ID_PREFIXES.iter().any(|prefix| {
        atom.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|hex| {
                matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
            })
    })
}

fn is_private(address: &str) -> bool {
    let Ok(address) = address.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let [a, b, ..] = address.octets();
    a == 10
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 100 && (64..128).contains(&b))
}

/// The originals a redacted output must not hold, each with what it is.
pub fn originals(snapshot: &Snapshot) -> BTreeSet<(String, &'static str)> {
    let mut found = BTreeSet::new();
    let managed: Vec<&str> = snapshot
        .prefix_lists
        .iter()
        .filter(|list| list.name.starts_with("com.amazonaws."))
        .map(|list| list.id.as_str())
        .collect();
    let value = serde_json::to_value(snapshot).unwrap();
    let mut strings = Vec::new();
    strings_of(&value, &mut strings);
    // Every id field's value, made-up ids of test snapshots included (`vpce-ecs-agent`).
    let mut ids = Vec::new();
    id_fields(&value, false, &mut ids);
    for id in ids {
        if !managed.contains(&id) && id.contains('-') {
            found.insert((id.to_string(), "id"));
        }
    }
    // AWS's words, which a name may share: endpoint services (`ecs-agent`), and the role name
    // the engine's own fix proposes.
    let aws_words: Vec<&str> = snapshot
        .vpc_endpoints
        .iter()
        .map(|endpoint| endpoint.short_service())
        .chain(["ecsTaskExecutionRole"])
        .collect();
    for text in &strings {
        for atom in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
            if atom.len() == 12 && atom.bytes().all(|b| b.is_ascii_digit()) {
                found.insert((atom.to_string(), "account"));
            }
            if is_id(atom) && !managed.contains(&atom) {
                found.insert((atom.to_string(), "id"));
            }
            if atom.len() == 32 && atom.bytes().all(|b| b.is_ascii_hexdigit()) {
                found.insert((atom.to_string(), "task id"));
            }
            if atom.len() == 36 && atom.matches('-').count() == 4 {
                found.insert((atom.to_string(), "uuid"));
            }
        }
        for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/')) {
            let token = token.trim_matches(['.', '/']);
            let address = token.split('/').next().unwrap_or_default();
            let range = matches!(
                token,
                "10.0.0.0/8" | "172.16.0.0/12" | "192.168.0.0/16" | "100.64.0.0/10"
            );
            if address.split('.').count() == 4 && is_private(address) && !range {
                found.insert((token.to_string(), "private address"));
            }
        }
    }
    let mut name = |text: &str, what: &'static str| {
        if text.len() >= 3 && text != "default" && !aws_words.contains(&text) {
            found.insert((text.to_string(), what));
        }
    };
    let last = |arn: &str| {
        arn.rsplit(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    for service in &snapshot.services {
        name(&service.name, "service name");
        name(&last(&service.cluster_arn), "cluster name");
    }
    for task in &snapshot.tasks {
        name(&last(&task.cluster_arn), "cluster name");
        for container in &task.containers {
            name(&container.name, "container name");
        }
    }
    for definition in &snapshot.task_definitions {
        let family = definition.arn.rsplit('/').next().unwrap_or_default();
        name(family.split(':').next().unwrap_or_default(), "task family");
        for container in &definition.containers {
            name(&container.name, "container name");
            if let Some(group) = container.log_options.get("awslogs-group") {
                name(group, "log group");
            }
        }
        for role in [&definition.execution_role_arn, &definition.task_role_arn]
            .into_iter()
            .flatten()
        {
            name(&last(role), "role name");
        }
    }
    for role in &snapshot.iam_roles {
        name(&last(&role.arn), "role name");
        for policy in &role.inline_policies {
            name(&policy.name, "policy name");
        }
    }
    for repository in &snapshot.ecr_repositories {
        name(&repository.name, "repository name");
    }
    for group in &snapshot.log_groups {
        name(&group.name, "log group");
    }
    for group in &snapshot.security_groups {
        name(&group.name, "security group name");
    }
    for zone in &snapshot.hosted_zones {
        if !zone.name.ends_with("amazonaws.com") && zone.name != "." {
            name(&zone.name, "hosted zone name");
        }
    }
    found
}

/// The values of fields named `id`, `…_id` and `…_ids` (of EC2, not of hosted zones).
fn id_fields<'a>(value: &'a Value, is_id: bool, out: &mut Vec<&'a str>) {
    match value {
        Value::String(text) if is_id => out.push(text),
        Value::Array(items) => items.iter().for_each(|item| id_fields(item, is_id, out)),
        Value::Object(map) => map.iter().for_each(|(key, item)| {
            let id = key == "id" || key.ends_with("_id") || key.ends_with("_ids");
            id_fields(
                item,
                id && !key.starts_with("ec2_instance") || key == "ec2_instance_id",
                out,
            )
        }),
        _ => {}
    }
}

fn strings_of<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(text) => out.push(text),
        Value::Array(items) => items.iter().for_each(|item| strings_of(item, out)),
        Value::Object(map) => map.values().for_each(|item| strings_of(item, out)),
        _ => {}
    }
}

/// Whether `needle` stands in `text` as a whole token (not inside a longer word or number).
fn stands_in(text: &str, needle: &str) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        let digit_dot = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
        let rest = &text[at + needle.len()..];
        // A name followed by `.word` is a label of a longer name (`vpc-endpoints.html`).
        let label = !needle.as_bytes()[0].is_ascii_digit()
            && after == Some('.')
            && rest[1..].starts_with(|c: char| c.is_ascii_alphanumeric());
        before.is_none_or(|c| !inner(c))
            && after.is_none_or(|c| !inner(c))
            && !label
            && !(needle.as_bytes()[0].is_ascii_digit()
                && (digit_dot(before)
                    || (after == Some('.')
                        && digit_dot(text[at + needle.len() + 1..].chars().next()))))
    })
}

/// The originals found in `output`, for the assertion message.
pub fn survivors(output: &str, originals: &BTreeSet<(String, &'static str)>) -> Vec<String> {
    originals
        .iter()
        .filter(|(original, _)| stands_in(output, original))
        .map(|(original, what)| format!("{what} {original}"))
        .collect()
}
