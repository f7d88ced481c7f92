//! Renderers: each turns the engine's report into one output format. They decide nothing.

mod junit;
mod markdown;
mod sarif;
mod stream;
pub mod sweep;
mod table;

use std::collections::{BTreeMap, HashMap};

use ecr_pathcheck_checks::plan::PlanReport;

use ecr_pathcheck_checks::Finding;
use ecr_pathcheck_checks::catalog::CheckInfo;
use ecr_pathcheck_checks::reason::Classification;
use ecr_pathcheck_checks::report::Report;
use ecr_pathcheck_checks::text::line;

use crate::cli::OutputFormat;

/// Whether the table output may carry ANSI colour. Decided once from `--color`, `NO_COLOR` and
/// the terminal (`output::colour`); the renderers only obey it, and only the table uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Plain,
    Ansi,
}

pub use stream::write as write_diagnosis;

/// The whole report in one format. `diagnose` writes it as it goes instead
/// ([`write_diagnosis`]), to the same bytes.
pub fn render(report: &Report, format: OutputFormat, colour: Colour) -> String {
    match format {
        OutputFormat::Table => table::render(report, colour),
        OutputFormat::Json => {
            serde_json::to_string_pretty(report).expect("the report serialises") + "\n"
        }
        OutputFormat::Jsonl => jsonl(report),
        OutputFormat::Markdown => markdown::render(report),
        OutputFormat::Sarif => sarif::render(report, &Locations::new()),
        OutputFormat::Junit => junit::render(report),
    }
}

/// JSON Lines of a whole report, as `diagnose --output jsonl` writes them: the account's line,
/// one line per target with its findings, the summary's.
fn jsonl(report: &Report) -> String {
    let by_target = ByTarget::new(&report.findings);
    let findings = |target| by_target.of(target).to_vec();
    let mut lines = vec![serde_json::json!({
        "type": "account",
        "schema_version": report.schema_version,
        "account_id": report.account_id,
        "region": report.region,
        "findings": findings(None),
    })];
    for target in &report.targets {
        let mut line = serde_json::json!({"type": "target"});
        if let (Some(line), serde_json::Value::Object(fields)) =
            (line.as_object_mut(), serde_json::json!(target))
        {
            line.extend(fields);
            line.insert(
                "findings".into(),
                serde_json::json!(findings(Some(&target.target))),
            );
        }
        lines.push(line);
    }
    let mut summary = serde_json::json!({"type": "summary"});
    if let (Some(line), serde_json::Value::Object(fields)) =
        (summary.as_object_mut(), serde_json::json!(report.summary))
    {
        line.extend(fields);
    }
    lines.push(summary);
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// The report's findings grouped by the target they concern, each group in the report's order:
/// filtering the findings by target, for every target in one pass.
pub(crate) struct ByTarget<'a>(HashMap<Option<&'a str>, Vec<&'a Finding>>);

impl<'a> ByTarget<'a> {
    pub(crate) fn new(findings: &'a [Finding]) -> ByTarget<'a> {
        let mut groups: HashMap<Option<&str>, Vec<&Finding>> = HashMap::new();
        for finding in findings {
            groups
                .entry(finding.target.as_deref())
                .or_default()
                .push(finding);
        }
        ByTarget(groups)
    }

    /// The findings of one target; `None`: the account-wide ones.
    pub(crate) fn of(&self, target: Option<&'a str>) -> &[&'a Finding] {
        self.0.get(&target).map_or(&[], Vec::as_slice)
    }
}

/// Plan resource address → the `.tf` file (as a path from the working directory) and line that
/// declare it, when found.
pub type Locations = BTreeMap<String, Option<(String, usize)>>;

/// A plan check's report: the engine's findings (which name the plan's addresses) and what the
/// plan left unknown.
pub fn render_plan(
    plan: &PlanReport,
    format: OutputFormat,
    locations: &Locations,
    colour: Colour,
) -> String {
    let report = &plan.report;
    let changed = |action: &str| {
        plan.plan
            .resources
            .iter()
            .filter(|r| r.mapped && r.action.as_str() == action)
            .count()
    };
    let headline = format!(
        "Terraform plan (format {}{}): {} resource(s) on the pull path: {} to create, {} to update, {} to replace, {} to delete; {} value(s) known only after apply.",
        line(&plan.plan.format_version),
        plan.plan
            .terraform_version
            .as_deref()
            .map(|v| format!(", Terraform {}", line(v)))
            .unwrap_or_default(),
        plan.plan.resources.iter().filter(|r| r.mapped).count(),
        changed("create"),
        changed("update"),
        changed("replace"),
        changed("delete"),
        plan.plan.unknown.len()
    );
    match format {
        OutputFormat::Json => {
            serde_json::to_string_pretty(plan).expect("the plan report serialises") + "\n"
        }
        // One document, so one line.
        OutputFormat::Jsonl => {
            serde_json::to_string(plan).expect("the plan report serialises") + "\n"
        }
        OutputFormat::Sarif => sarif::render(report, locations),
        OutputFormat::Junit => junit::render(report),
        OutputFormat::Table => format!("{headline}\n{}", table::render(report, colour)),
        OutputFormat::Markdown => {
            let mut out = markdown::render(report).replacen(
                "# ecr-pathcheck report\n",
                &format!("# ecr-pathcheck: Terraform plan check\n\n{headline}\n"),
                1,
            );
            if !plan.plan.unknown.is_empty() {
                out.push_str("\n## Known only after apply\n\n| address | attribute | effect |\n|---|---|---|\n");
                for unknown in &plan.plan.unknown {
                    out.push_str(&format!(
                        "| `{}` | `{}` | {} |\n",
                        line(&unknown.address).replace('|', "\\|").replace('`', "'"),
                        line(&unknown.attribute)
                            .replace('|', "\\|")
                            .replace('`', "'"),
                        line(&unknown.effect).replace('|', "\\|")
                    ));
                }
            }
            out
        }
    }
}

pub fn explain_text(classification: &Classification, format: OutputFormat) -> String {
    // The host and summary come from the pasted reason: shown, never interpreted by the terminal.
    let field = |name: &str, value: Option<String>| {
        format!("{name}: {}", value.as_deref().map_or("-".into(), line))
    };
    let lines = [
        field("category", Some(json_name(&classification.category))),
        field(
            "flow",
            classification.flow.map(|flow| flow.id().to_string()),
        ),
        field("host", classification.host.clone()),
        field("ip", classification.ip.map(|ip| ip.to_string())),
        format!("summary: {}", line(&classification.summary)),
    ];
    match format {
        OutputFormat::Markdown => lines.iter().map(|line| format!("- {line}\n")).collect(),
        _ => lines.iter().map(|line| format!("{line}\n")).collect(),
    }
}

pub fn check_list(checks: &[&CheckInfo], format: OutputFormat, colour: Colour) -> String {
    match format {
        OutputFormat::Json => {
            let list: Vec<serde_json::Value> = checks
                .iter()
                .map(|check| serde_json::json!({"id": check.id, "name": check.name, "severity": check.severity, "documentation": check.markdown()}))
                .collect();
            serde_json::to_string_pretty(&list).expect("the list serialises") + "\n"
        }
        _ => table::check_list(checks, colour),
    }
}

/// The name the JSON report gives a value (`task-egress`, `service`), so every format speaks
/// the same words.
pub(crate) fn json_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot whose ids hold escape sequences, read past the loader (which may refuse
    /// them): the terminal renderers print every value with its control characters escaped.
    #[test]
    fn table_and_markdown_escape_control_characters_in_values() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/mocks/s3-prefix-list-egress-missing/snapshot.json"
        );
        let hostile = "sg-app\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\r\u{202e}";
        let text = std::fs::read_to_string(path)
            .unwrap()
            .replace("\"sg-app\"", &serde_json::to_string(hostile).unwrap());
        let snapshot: ecr_pathcheck_checks::Snapshot = serde_json::from_str(&text).unwrap();
        let report = ecr_pathcheck_checks::diagnose(&snapshot);
        assert!(!report.findings.is_empty());
        for format in [OutputFormat::Table, OutputFormat::Markdown] {
            let out = render(&report, format, Colour::Plain);
            assert!(out.contains("sg-app\\u{1b}]0;owned"), "{format:?}: {out}");
            for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\r', '\u{202e}'] {
                assert!(!out.contains(bad), "{format:?}: {bad:?} in {out}");
            }
            // The renderers' own layout survives.
            assert!(out.lines().count() > 10, "{format:?}");
        }
    }

    #[test]
    fn explain_output_escapes_the_pasted_reason() {
        let classification = ecr_pathcheck_checks::reason::classify(
            "CannotPullContainerError: \u{1b}]0;owned\u{7} dial tcp 52.216.8.10:443: i/o timeout",
        );
        for format in [OutputFormat::Table, OutputFormat::Markdown] {
            let out = explain_text(&classification, format);
            assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
            assert_eq!(out.lines().count(), 5, "{out}");
        }
    }
}
