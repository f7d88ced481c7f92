use anstyle::{AnsiColor, Style};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, ContentArrangement, Table};
use ecr_pathcheck_checks::Severity;
use ecr_pathcheck_checks::catalog::CheckInfo;
use ecr_pathcheck_checks::report::{FlowVerdict, Report, TargetVerdict};
use ecr_pathcheck_checks::text::{block, line};

use super::{Colour, json_name};

/// Wide enough for the fix column, narrow enough for a laptop terminal and a ticket.
const WIDTH: u16 = 100;

fn table(header: &[&str], colour: Colour) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(header.to_vec());
    // comfy-table would otherwise look at the terminal itself to decide on styling.
    match colour {
        Colour::Ansi => table.enforce_styling(),
        Colour::Plain => table.force_no_tty(),
    };
    table
}

const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default();

/// `text` in `style` when colour is on; the caller pads outside, so columns stay aligned.
fn paint(colour: Colour, style: Style, text: &str) -> String {
    match colour {
        Colour::Ansi => format!("{style}{text}{style:#}"),
        Colour::Plain => text.to_string(),
    }
}

/// The severity cell: comfy-table applies the style after measuring the text, so the columns
/// keep their width (escape codes inside a cell's text would be counted as characters).
fn severity_cell(severity: Severity, colour: Colour) -> Cell {
    let cell = Cell::new(severity.as_str());
    if colour == Colour::Plain {
        return cell;
    }
    match severity {
        Severity::Error => cell
            .fg(comfy_table::Color::Red)
            .add_attribute(Attribute::Bold),
        Severity::Warning => cell.fg(comfy_table::Color::Yellow),
        Severity::Info => cell.fg(comfy_table::Color::Cyan),
    }
}

pub fn render(report: &Report, colour: Colour) -> String {
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
        let style = match target.verdict {
            TargetVerdict::Ok => GREEN,
            TargetVerdict::Blocked => RED,
            TargetVerdict::Unknown => YELLOW,
        };
        out.push_str(&format!(
            "\n{} {} ({}) · {}\n",
            paint(colour, style, &target.verdict.as_str().to_uppercase()),
            line(&target.name),
            json_name(&target.kind),
            line(&target.target)
        ));
        for flow in &target.flows {
            let (mark, style) = match flow.verdict {
                FlowVerdict::Ok => ("ok", GREEN),
                FlowVerdict::Blocked => ("BLOCKED", RED),
                FlowVerdict::Unknown => ("unknown", YELLOW),
            };
            out.push_str(&format!(
                "  {}{} {:<17} {} via {}\n",
                paint(colour, style, mark),
                " ".repeat(7 - mark.len()),
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
    let mut findings = table(
        &["severity", "check", "flow", "finding", "fix (AWS CLI)"],
        colour,
    );
    for finding in &report.findings {
        let resources = if finding.resources.is_empty() {
            String::new()
        } else {
            format!("\n[{}]", resources(&finding.resources))
        };
        findings.add_row(vec![
            severity_cell(finding.severity, colour),
            Cell::new(format!("{}\n{}", finding.check, finding.name)),
            Cell::new(
                finding
                    .flow
                    .map(|flow| flow.id().to_string())
                    .unwrap_or_default(),
            ),
            Cell::new(format!("{}{resources}", line(&finding.title))),
            Cell::new(
                finding
                    .fix
                    .as_ref()
                    .map(|fix| block(&fix.aws_cli).into_owned())
                    .unwrap_or_default(),
            ),
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
            let about = resources(&finding.resources);
            let about = if about.is_empty() {
                String::new()
            } else {
                format!(" ({about})")
            };
            out.push_str(&format!(
                "\n# {} {}{about}\n{}\n",
                finding.check,
                finding.name,
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

pub fn check_list(checks: &[&CheckInfo], colour: Colour) -> String {
    let mut list = table(&["check", "name", "severity", "what it does"], colour);
    for check in checks {
        let what = check
            .markdown()
            .lines()
            .skip_while(|line| !line.starts_with("## What it does"))
            .skip(1)
            .take_while(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        list.add_row(vec![
            Cell::new(check.id),
            Cell::new(check.name),
            severity_cell(check.severity, colour),
            Cell::new(what),
        ]);
    }
    list.to_string() + "\n"
}
