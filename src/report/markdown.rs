use ecr_pathcheck_checks::Finding;
use ecr_pathcheck_checks::report::{Report, Summary, TargetReport};
use ecr_pathcheck_checks::text::{block, line};

use super::json_name;

pub fn render(report: &Report) -> String {
    let mut out = header(&report.account_id, &report.region, &report.summary);
    let by_target = super::ByTarget::new(&report.findings);
    for target in &report.targets {
        let findings = by_target.of(Some(&target.target));
        out.push_str(&target_section(target, findings));
    }
    out.push_str(&account_section(by_target.of(None)));
    out
}

/// The title and the summary line.
pub fn header(account_id: &str, region: &str, summary: &Summary) -> String {
    format!(
        "# ecr-pathcheck report\n\nAccount {}, region {}: {} target(s), {} blocked, {} unknown, {} ok; {} error(s), {} warning(s), {} info.\n",
        code(account_id),
        code(region),
        summary.targets,
        summary.blocked,
        summary.unknown,
        summary.ok,
        summary.errors,
        summary.warnings,
        summary.infos
    )
}

/// One target: its flows, then its findings.
pub fn target_section(target: &TargetReport, findings: &[&Finding]) -> String {
    let mut out = format!(
        "\n## {} {}: {}\n\n{}\n\n",
        json_name(&target.kind),
        code(&target.name),
        target.verdict.as_str(),
        code(&target.target)
    );
    if !target.flows.is_empty() {
        out.push_str("| flow | subnet | verdict | path | hops |\n|---|---|---|---|---|\n");
        for flow in &target.flows {
            let hops: Vec<String> = flow
                .hops
                .iter()
                .map(|hop| format!("{}: {}", json_name(&hop.hop), hop.status.hop_word()))
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                flow.flow.id(),
                cell(&flow.subnet),
                flow.verdict.as_str(),
                cell(&flow.path),
                cell(&hops.join(", "))
            ));
        }
    }
    for finding in findings {
        out.push_str(&finding_section(finding));
    }
    out
}

/// The account-wide findings, after every target; nothing when there are none.
pub fn account_section(findings: &[&Finding]) -> String {
    let mut out = String::new();
    if !findings.is_empty() {
        out.push_str("\n## Account-wide\n");
        for finding in findings {
            out.push_str(&finding_section(finding));
        }
    }
    out
}

fn finding_section(finding: &Finding) -> String {
    let mut out = format!(
        "\n### {} {} `{}`: {}\n\n",
        finding.severity.as_str(),
        finding.check,
        finding.name,
        line(&finding.title)
    );
    if let Some(flow) = finding.flow {
        out.push_str(&format!("Flow: `{}`. ", flow.id()));
    }
    if !finding.resources.is_empty() {
        let ids: Vec<String> = finding.resources.iter().map(|id| code(id)).collect();
        out.push_str(&format!("Resources: {}.\n\n", ids.join(", ")));
    }
    out.push_str(&format!("{}\n", block(&finding.detail)));
    if let Some(fix) = &finding.fix {
        out.push_str(&format!(
            "\n{}\n\n{}\n",
            fenced("bash", &fix.aws_cli),
            fenced("hcl", &fix.terraform)
        ));
    }
    out
}

/// A value as an inline code span, safe for the terminal, whatever backticks it holds.
fn code(value: &str) -> String {
    let value = line(value);
    let ticks = "`".repeat(longest_run(&value, '`') + 1);
    if value.starts_with('`') || value.ends_with('`') {
        format!("{ticks} {value} {ticks}")
    } else {
        format!("{ticks}{value}{ticks}")
    }
}

/// A value in a table cell: on one line, its pipes escaped.
fn cell(value: &str) -> String {
    // Markdown renders HTML in a table cell (GitHub included): a value is text, never markup.
    line(value)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A fenced code block whose fence no line of the value can close.
fn fenced(language: &str, value: &str) -> String {
    let value = block(value);
    let fence = "`".repeat(longest_run(&value, '`').max(2) + 1);
    format!("{fence}{language}\n{value}\n{fence}")
}

fn longest_run(text: &str, wanted: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == wanted { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_escape_their_markup_or_the_terminal() {
        assert_eq!(code("sg-0ab1"), "`sg-0ab1`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a\u{1b}[2J\nb"), "`a\\u{1b}[2J\\nb`");
        assert_eq!(cell("a|b\nc"), "a\\|b\\nc");
        assert_eq!(fenced("bash", "aws x"), "```bash\naws x\n```");
        assert_eq!(
            fenced("bash", "aws x '```'\naws y \u{9b}"),
            "````bash\naws x '```'\naws y \\u{9b}\n````"
        );
    }
}
