use anstyle::{AnsiColor, Style};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use std::collections::HashSet;

use comfy_table::{Attribute, Cell, ColumnConstraint, ContentArrangement, Table, Width};
use ecr_pathcheck_checks::catalog::CheckInfo;
use ecr_pathcheck_checks::report::{FlowVerdict, Report, Summary, TargetReport, TargetVerdict};
use ecr_pathcheck_checks::text::{block, line};
use ecr_pathcheck_checks::{Finding, Severity};

use super::{Colour, json_name};

/// Wide enough for the fix column, narrow enough for a laptop terminal and a ticket.
const WIDTH: u16 = 100;

fn table(header: &[&str], colour: Colour) -> Table {
    let mut table = bare_table(colour);
    table.set_header(header.to_vec());
    table
}

/// [`table`] without its header row.
fn bare_table(colour: Colour) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH);
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
    let summary = &report.summary;
    let mut out = header(&report.account_id, &report.region, summary);
    for target in &report.targets {
        out.push_str(&target_lines(target, colour));
    }
    if report.findings.is_empty() {
        out.push_str(NO_FINDINGS);
        return out;
    }
    let mut findings = table(&HEADER, colour);
    let mut numbers = FixNumbers::default();
    for finding in &report.findings {
        findings.add_row(row(
            finding,
            numbers.number(finding).map(|(n, _)| n),
            colour,
        ));
    }
    out.push('\n');
    out.push_str(&findings.to_string());
    // The commands are printed whole below the table, each once, so they can be pasted.
    let mut numbers = FixNumbers::default();
    let mut fixes = report
        .findings
        .iter()
        .filter_map(|finding| fix_text(finding, &mut numbers))
        .peekable();
    if fixes.peek().is_some() {
        out.push_str(FIXES);
        fixes.for_each(|fix| out.push_str(&fix));
    }
    out.push_str(&footer(summary));
    out
}

/// The first line: the account and the count of targets by verdict.
pub fn header(account_id: &str, region: &str, summary: &Summary) -> String {
    format!(
        "ecr-pathcheck · account {} · {} · {} target(s): {} blocked, {} unknown, {} ok\n",
        line(account_id),
        line(region),
        summary.targets,
        summary.blocked,
        summary.unknown,
        summary.ok
    )
}

/// A target's verdict, then one line per flow.
pub fn target_lines(target: &TargetReport, colour: Colour) -> String {
    let style = match target.verdict {
        TargetVerdict::Ok => GREEN,
        TargetVerdict::Blocked => RED,
        TargetVerdict::Unknown => YELLOW,
    };
    let mut out = format!(
        "\n{} {} ({}) · {}\n",
        paint(colour, style, &target.verdict.as_str().to_uppercase()),
        line(&target.name),
        json_name(&target.kind),
        line(&target.target)
    );
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
    out
}

/// After the targets, when there is no finding.
pub const NO_FINDINGS: &str = "\nNo findings.\n";

/// After the findings table, when a finding has a fix.
pub const FIXES: &str = "\n\nFixes, ready to paste:\n";

pub const HEADER: [&str; 5] = ["severity", "check", "flow", "finding", "fix"];

/// The number of each distinct fix, in the order the findings come: the table's fix column
/// names it (`fix 3`), and the commands are printed once each, whole, under that number (a
/// command wrapped in a table cell could not be pasted, and findings of many targets often
/// share one fix).
#[derive(Default)]
pub struct FixNumbers(std::collections::HashMap<String, usize>);

impl FixNumbers {
    /// The finding's fix number, and whether this is its first finding; `None` without a fix.
    pub fn number(&mut self, finding: &Finding) -> Option<(usize, bool)> {
        let fix = finding.fix.as_ref()?;
        let next = self.0.len() + 1;
        let number = *self.0.entry(fix.aws_cli.clone()).or_insert(next);
        Some((number, number == next))
    }
}

/// The text of a finding's cells, left to right; `fix`: its fix's number.
pub fn row_texts(finding: &Finding, fix: Option<usize>) -> [String; 5] {
    let resources = if finding.resources.is_empty() {
        String::new()
    } else {
        format!("\n[{}]", resources(&finding.resources))
    };
    [
        finding.severity.as_str().to_string(),
        format!("{}\n{}", finding.check, finding.name),
        finding
            .flow
            .map(|flow| flow.id().to_string())
            .unwrap_or_default(),
        format!("{}{resources}", line(&finding.title)),
        fix.map(|number| format!("fix {number}"))
            .unwrap_or_default(),
    ]
}

/// A finding's row of the findings table.
pub fn row(finding: &Finding, fix: Option<usize>, colour: Colour) -> Vec<Cell> {
    let [_, check, flow, title, fix] = row_texts(finding, fix);
    vec![
        severity_cell(finding.severity, colour),
        Cell::new(check),
        Cell::new(flow),
        Cell::new(title),
        Cell::new(fix),
    ]
}

/// A finding's fix, whole and numbered, under "Fixes, ready to paste"; `None` without a fix or
/// when an earlier finding had the same.
pub fn fix_text(finding: &Finding, numbers: &mut FixNumbers) -> Option<String> {
    let (number, first) = numbers.number(finding)?;
    if !first {
        return None;
    }
    let fix = finding.fix.as_ref()?;
    let about = resources(&finding.resources);
    let about = if about.is_empty() {
        String::new()
    } else {
        format!(" ({about})")
    };
    Some(format!(
        "\n# fix {number}: {} {}{about}\n{}\n",
        finding.check,
        finding.name,
        block(&fix.aws_cli)
    ))
}

/// The last lines: the count of findings by severity and where to read more.
pub fn footer(summary: &Summary) -> String {
    format!(
        "\n{} error(s), {} warning(s), {} info.\nEvidence and Terraform fixes: --output markdown|json. Explain a check: ecr-pathcheck rule ID.\n",
        summary.errors, summary.warnings, summary.infos
    )
}

/// The findings table written a few rows at a time, as comfy-table would lay out the whole
/// table. Its dynamic arrangement reads, of each column, only the lines of its cells (their
/// widths, and how they split at a given width): so the widths are found once from a table of
/// the distinct lines of each column ([`ColumnLines`]), then fixed for every chunk of rows.
pub struct FindingsTable {
    widths: Vec<u16>,
    colour: Colour,
}

/// The distinct lines of each column of the findings table, each kept as its *shape* when it
/// is printable ASCII: every character but the space made `x`. In such a line each character is
/// one grapheme, one column and one byte, and comfy-table splits only at spaces, so the shape
/// measures and splits exactly as the line does, and lines that differ only by an id of the
/// same length (`svc-000001`, `svc-000002`) are one. Other lines are kept as they are.
#[derive(Default)]
pub struct ColumnLines([HashSet<String>; 5]);

impl ColumnLines {
    pub fn add(&mut self, finding: &Finding, fix: Option<usize>) {
        for (column, text) in self.0.iter_mut().zip(row_texts(finding, fix)) {
            for line in text.split('\n') {
                let shape = if line.bytes().all(|byte| (b' '..=b'~').contains(&byte)) {
                    line.bytes()
                        .map(|byte| if byte == b' ' { ' ' } else { 'x' })
                        .collect()
                } else {
                    line.to_string()
                };
                column.insert(shape);
            }
        }
    }
}

impl FindingsTable {
    /// The layout of a table of every finding whose lines are `lines`.
    pub fn new(lines: &ColumnLines, colour: Colour) -> FindingsTable {
        let mut columns: Vec<Vec<&str>> = lines
            .0
            .iter()
            .map(|column| {
                let mut column: Vec<&str> = column.iter().map(String::as_str).collect();
                // Any order gives the same layout; sorted, the same table every run.
                column.sort_unstable();
                column
            })
            .collect();
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        let mut sample = table(&HEADER, Colour::Plain);
        for index in 0..rows {
            let cells: Vec<&str> = columns
                .iter_mut()
                .map(|column| column.get(index).copied().unwrap_or(""))
                .collect();
            sample.add_row(cells);
        }
        // The top border, `┌───┬───┐`, shows each column's width, padding included.
        let top = sample.lines().next().unwrap_or_default();
        let widths = top
            .trim_start_matches('┌')
            .trim_end_matches('┐')
            .split('┬')
            .map(|column| column.chars().count() as u16)
            .collect();
        FindingsTable { widths, colour }
    }

    fn fixed(&self, mut table: Table) -> Table {
        table.set_constraints(
            self.widths
                .iter()
                .map(|width| ColumnConstraint::Absolute(Width::Fixed(*width))),
        );
        table
    }

    /// The top border, the header and the line under it.
    pub fn top(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.fixed(table(&HEADER, self.colour)).lines().collect();
        lines.pop();
        lines
    }

    /// The lines of these findings' rows, their fixes numbered by `numbers`.
    pub fn rows(&self, findings: &[Finding], numbers: &mut FixNumbers) -> Vec<String> {
        if findings.is_empty() {
            return Vec::new();
        }
        let mut rows = bare_table(self.colour);
        for finding in findings {
            let fix = numbers.number(finding).map(|(number, _)| number);
            rows.add_row(row(finding, fix, self.colour));
        }
        let mut lines: Vec<String> = self.fixed(rows).lines().skip(1).collect();
        lines.pop();
        lines
    }

    /// The bottom border.
    pub fn bottom(&self) -> String {
        self.fixed(table(&HEADER, self.colour))
            .lines()
            .last()
            .unwrap_or_default()
    }
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
