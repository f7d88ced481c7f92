//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), as GitHub code scanning and
//! GitLab read it: one `rule` per check (`ecr_pathcheck_checks::catalog`), one `result` per
//! finding, with the plan's resource address as logical location and, when the `.tf` file that
//! declares it was found, that file as physical location. `partialFingerprints` hash what
//! identifies a finding (check, target, flow, resources), not its wording, so a result keeps its
//! identity across runs. Validated against the schema in `mocks/plans/sarif-schema-2.1.0.json`
//! (tests/plan.rs).

use ecr_pathcheck_checks::report::Report;
use ecr_pathcheck_checks::{Finding, Severity, rules};
use serde_json::{Value, json};

use super::Locations;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// FNV-1a, 64 bits: stable across runs, platforms and Rust versions (unlike `DefaultHasher`).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn fingerprint(finding: &Finding) -> String {
    let mut resources = finding.resources.clone();
    resources.sort();
    let key = format!(
        "{}|{}|{}|{}",
        finding.check,
        finding.target.as_deref().unwrap_or("-"),
        finding.flow.map(|flow| flow.id()).unwrap_or("-"),
        resources.join(",")
    );
    format!("{:016x}", fnv1a(&key))
}

/// The first paragraph under a `## Heading` of a check's documentation.
fn section(markdown: &str, heading: &str) -> String {
    markdown
        .lines()
        .skip_while(|line| line.trim() != heading)
        .skip(1)
        .skip_while(|line| line.trim().is_empty())
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One `rule` per check, in the catalog's order.
pub fn rules() -> Vec<Value> {
    rules::all()
        .iter()
        .map(|check| {
            let markdown = check.markdown();
            json!({
                "id": check.id,
                "name": check.name,
                "shortDescription": {"text": section(&markdown, "## What it does")},
                "fullDescription": {"text": section(&markdown, "## Why is this bad")},
                "help": {"text": markdown, "markdown": markdown},
                "defaultConfiguration": {"level": level(check.severity)},
                "properties": {"tags": ["ecs", "ecr", "network"]}
            })
        })
        .collect()
}

/// The `tool` of the run.
pub fn tool() -> Value {
    json!({"driver": {
        "name": "ecr-pathcheck",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html",
        "rules": rules(),
    }})
}

/// One finding's `result`.
pub fn result(finding: &Finding, locations: &Locations) -> Value {
    let rule_index = rules::all()
        .iter()
        .position(|check| check.id == finding.check);
    let mut logical: Vec<Value> = finding
        .resources
        .iter()
        .filter(|resource| locations.contains_key(resource.as_str()))
        .map(|address| json!({"fullyQualifiedName": address, "kind": "resource"}))
        .collect();
    if logical.is_empty()
        && let Some(target) = &finding.target
    {
        logical.push(json!({"fullyQualifiedName": target, "kind": "resource"}));
    }
    let physical = finding
        .resources
        .iter()
        .find_map(|resource| locations.get(resource.as_str())?.as_ref())
        .map(|(uri, line)| {
            json!({
                "artifactLocation": {"uri": uri},
                "region": {"startLine": line}
            })
        });
    let mut location = json!({});
    if let Some(physical) = physical {
        location["physicalLocation"] = physical;
    }
    if !logical.is_empty() {
        location["logicalLocations"] = Value::Array(logical);
    }
    let mut text = finding.title.clone();
    if let Some(fix) = &finding.fix {
        text.push_str(&format!("\n\nFix (Terraform):\n{}", fix.terraform));
    }
    let mut result = json!({
        "ruleId": finding.check,
        "level": level(finding.severity),
        "message": {"text": text},
        "partialFingerprints": {"ecrPathcheckFinding/v1": fingerprint(finding)},
        "properties": {
            "name": finding.name,
            "target": finding.target,
            "flow": finding.flow.map(|flow| flow.id()),
            "resources": finding.resources,
            "detail": finding.detail,
            "fix": finding.fix,
        }
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    if location.as_object().is_some_and(|o| !o.is_empty()) {
        result["locations"] = json!([location]);
    }
    result
}

pub fn render(report: &Report, locations: &Locations) -> String {
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| result(finding, locations))
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": tool(),
            "results": results,
            "properties": {"summary": report.summary},
        }]
    });
    serde_json::to_string_pretty(&log).expect("the SARIF log serialises") + "\n"
}
