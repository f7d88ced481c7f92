//! Renderers: each turns the engine's report into one output format. They decide nothing.

mod markdown;
mod table;

use ecr_pathcheck_checks::catalog::CheckInfo;
use ecr_pathcheck_checks::reason::Classification;
use ecr_pathcheck_checks::report::Report;

use crate::cli::OutputFormat;

pub fn render(report: &Report, format: OutputFormat) -> String {
    match format {
        OutputFormat::Table => table::render(report),
        OutputFormat::Json => {
            serde_json::to_string_pretty(report).expect("the report serialises") + "\n"
        }
        OutputFormat::Markdown => markdown::render(report),
    }
}

pub fn explain_text(classification: &Classification, format: OutputFormat) -> String {
    let field = |name: &str, value: Option<String>| {
        format!("{name}: {}", value.unwrap_or_else(|| "-".into()))
    };
    let lines = [
        field(
            "category",
            serde_json::to_value(classification.category)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string)),
        ),
        field(
            "flow",
            classification.flow.map(|flow| flow.id().to_string()),
        ),
        field("host", classification.host.clone()),
        field("ip", classification.ip.map(|ip| ip.to_string())),
        format!("summary: {}", classification.summary),
    ];
    match format {
        OutputFormat::Markdown => lines.iter().map(|line| format!("- {line}\n")).collect(),
        _ => lines.iter().map(|line| format!("{line}\n")).collect(),
    }
}

pub fn check_list(checks: &[&CheckInfo], format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let list: Vec<serde_json::Value> = checks
                .iter()
                .map(|check| serde_json::json!({"id": check.id, "name": check.name, "severity": check.severity, "documentation": check.markdown()}))
                .collect();
            serde_json::to_string_pretty(&list).expect("the list serialises") + "\n"
        }
        _ => table::check_list(checks),
    }
}
