use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use ecr_pathcheck_checks::catalog::CheckInfo;
use ecr_pathcheck_checks::report::{FlowVerdict, Report};
use ecr_pathcheck_checks::text::{block, line};

/// Wide enough for the fix column, narrow enough for a laptop terminal and a ticket.
const WIDTH: u16 = 100;

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(header.to_vec());
    table
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    out.push_str(&format!(
        "ecr-pathcheck · account {} · {} · {} target(s): {} blocked, {} unknown, {} ok\n",
        line(&report.account_id),
        line(&report.region),
        summary.targets,
        summary.blocked,
        summary.unknown,
        summary.ok
    ));
    for target in &report.targets {
        out.push_str(&format!(
            "\n{} {} ({:?}) · {}\n",
            target.verdict.as_str().to_uppercase(),
            line(&target.name),
            target.kind,
            line(&target.target)
        ));
        for flow in &target.flows {
            let mark = match flow.verdict {
                FlowVerdict::Ok => "ok     ",
                FlowVerdict::Blocked => "BLOCKED",
                FlowVerdict::Unknown => "unknown",
            };
            out.push_str(&format!(
                "  {mark} {:<17} {} via {}\n",
                flow.flow.id(),
                line(&flow.subnet),
                line(&flow.path)
            ));
        }
    }
    if report.findings.is_empty() {
        out.push_str("\nNo findings.\n");
        return out;
    }
    let mut findings = table(&["severity", "check", "flow", "finding", "fix (AWS CLI)"]);
    for finding in &report.findings {
        let resources = if finding.resources.is_empty() {
            String::new()
        } else {
            format!("\n[{}]", resources(&finding.resources))
        };
        findings.add_row(vec![
            finding.severity.as_str().to_string(),
            format!("{}\n{}", finding.check, finding.name),
            finding
                .flow
                .map(|flow| flow.id().to_string())
                .unwrap_or_default(),
            format!("{}{resources}", line(&finding.title)),
            finding
                .fix
                .as_ref()
                .map(|fix| block(&fix.aws_cli).into_owned())
                .unwrap_or_default(),
        ]);
    }
    out.push('\n');
    out.push_str(&findings.to_string());
    // Table cells wrap long shell words; the commands are repeated whole so they can be pasted.
    let fixes: Vec<_> = report
        .findings
        .iter()
        .filter_map(|finding| Some((finding, finding.fix.as_ref()?)))
        .collect();
    if !fixes.is_empty() {
        out.push_str("\n\nFixes, ready to paste:\n");
        for (finding, fix) in fixes {
            out.push_str(&format!(
                "\n# {} {} ({})\n{}\n",
                finding.check,
                finding.name,
                resources(&finding.resources),
                block(&fix.aws_cli)
            ));
        }
    }
    out.push_str(&format!(
        "\n{} error(s), {} warning(s), {} info.\nEvidence and Terraform fixes: --output markdown|json. Explain a check: ecr-pathcheck rule ID.\n",
        summary.errors, summary.warnings, summary.infos
    ));
    out
}

/// Resource ids, each made safe for the terminal, comma-separated.
fn resources(ids: &[String]) -> String {
    let ids: Vec<_> = ids.iter().map(|id| line(id)).collect();
    ids.join(", ")
}

pub fn check_list(checks: &[&CheckInfo]) -> String {
    let mut list = table(&["check", "name", "severity", "what it does"]);
    for check in checks {
        let what = check
            .markdown()
            .lines()
            .skip_while(|line| !line.starts_with("## What it does"))
            .skip(1)
            .take_while(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        list.add_row(vec![check.id, check.name, check.severity.as_str(), &what]);
    }
    list.to_string() + "\n"
}
