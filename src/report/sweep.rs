//! A sweep's report: several accounts and regions, each diagnosed as a report of its own, with
//! what could not be read and the totals per account. Every format says the same things:
//!
//! - `json`: `schema_version`, `summary` (the totals, with `account_regions_read` and
//!   `account_regions_failed`), `accounts[]` (the same per account), `failures[]`
//!   (`account_id`, `region` or `null` for the whole account, `error`), `reports[]` (each
//!   account and region's `json` report, as one account's diagnosis writes it);
//! - `jsonl`: per account and region its `account` line and `target` lines (each with
//!   `account_id` and `region`), a `failure` line for each that could not be read, and one
//!   `summary` line at the end with `accounts[]`; written as each account and region is done;
//! - `markdown`: the per-account table first, then what could not be read, then each account
//!   and region's report;
//! - `table`: each account and region's table, then what could not be read, the per-account
//!   table and the totals;
//! - `sarif`: one run (GitHub takes at most 20 per file) with every account and region's
//!   results, each naming them in its `properties`; those not read are the invocation's
//!   notifications;
//! - `junit`: every report's suites under one `testsuites`; one that could not be read is a
//!   suite with an error.

use std::io::{self, Write};

use ecr_pathcheck_checks::Snapshot;
use ecr_pathcheck_checks::facts::Selection;
use ecr_pathcheck_checks::report::{REPORT_SCHEMA_VERSION, Summary};
use ecr_pathcheck_checks::text::line;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Colour, stream};
use crate::cli::OutputFormat;

/// One account and region: its snapshot, or why it could not be read (`region` is `None` when
/// the account itself could not be: its role, its regions).
#[derive(Debug)]
pub struct SweepScope {
    pub account_id: String,
    pub region: Option<String>,
    pub outcome: Result<Snapshot, String>,
}

impl SweepScope {
    fn region_label(&self) -> &str {
        self.region.as_deref().unwrap_or("(every region)")
    }
}

/// An account's totals over its regions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    pub account_id: String,
    /// Distinct regions read (two snapshots of one region, of two clusters, count once).
    pub regions_read: usize,
    pub regions_failed: usize,
    #[serde(skip)]
    read: std::collections::BTreeSet<String>,
    #[serde(flatten)]
    pub summary: Summary,
}

/// The sweep's totals, and each account's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepSummary {
    pub account_regions_read: usize,
    pub account_regions_failed: usize,
    #[serde(flatten)]
    pub totals: Summary,
    pub accounts: Vec<AccountSummary>,
}

impl SweepSummary {
    /// Nothing at all could be read.
    pub fn read_nothing(&self) -> bool {
        self.account_regions_read == 0
    }

    /// Adds one account and region, read (with its report's summary) or not.
    pub fn add(&mut self, account_id: &str, region: Option<&str>, summary: Option<&Summary>) {
        let index = match self
            .accounts
            .binary_search_by(|account| account.account_id.as_str().cmp(account_id))
        {
            Ok(index) => index,
            Err(index) => {
                self.accounts.insert(
                    index,
                    AccountSummary {
                        account_id: account_id.to_string(),
                        ..AccountSummary::default()
                    },
                );
                index
            }
        };
        let account = &mut self.accounts[index];
        match summary {
            Some(summary) => {
                if account.read.insert(region.unwrap_or_default().to_string()) {
                    self.account_regions_read += 1;
                    account.regions_read += 1;
                }
                add_summary(&mut account.summary, summary);
                add_summary(&mut self.totals, summary);
            }
            None => {
                self.account_regions_failed += 1;
                account.regions_failed += 1;
            }
        }
    }
}

fn add_summary(total: &mut Summary, more: &Summary) {
    total.targets += more.targets;
    total.blocked += more.blocked;
    total.unknown += more.unknown;
    total.ok += more.ok;
    total.errors += more.errors;
    total.warnings += more.warnings;
    total.infos += more.infos;
}

/// Sorts the scopes as every format lists them: by account, then region (the account's own
/// failure first).
pub fn sort(scopes: &mut [SweepScope]) {
    scopes.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
}

/// Writes the sweep's report in `format`; returns its summary, which decides the exit code.
pub fn write(
    scopes: &[SweepScope],
    selection: &Selection,
    format: OutputFormat,
    colour: Colour,
    out: &mut impl Write,
) -> io::Result<SweepSummary> {
    if format == OutputFormat::Jsonl {
        let mut writer = JsonlSweep::default();
        for scope in scopes {
            writer.scope(scope, selection, out)?;
        }
        return writer.finish(out);
    }
    // The totals come first in most formats: a pass that writes nothing.
    let summaries: Vec<Option<Summary>> = scopes
        .iter()
        .map(|scope| {
            scope
                .outcome
                .as_ref()
                .ok()
                .map(|snapshot| stream::survey(snapshot, selection))
        })
        .collect();
    let mut summary = SweepSummary::default();
    for (scope, scope_summary) in scopes.iter().zip(&summaries) {
        summary.add(
            &scope.account_id,
            scope.region.as_deref(),
            scope_summary.as_ref(),
        );
    }
    // Accounts and regions with nothing to say (no target, no finding) are one line in the
    // human formats, not a section each (a sweep of every region is mostly empty regions).
    let empty: Vec<bool> = summaries
        .iter()
        .map(|summary| {
            summary
                .as_ref()
                .is_some_and(|s| s.targets + s.errors + s.warnings + s.infos == 0)
        })
        .collect();
    let written = match format {
        OutputFormat::Json => json(scopes, selection, &summary, out),
        OutputFormat::Markdown => markdown(scopes, &empty, selection, &summary, out),
        OutputFormat::Table => table(scopes, &empty, selection, &summary, colour, out),
        OutputFormat::Sarif => sarif(scopes, selection, &summary, out),
        OutputFormat::Junit => junit(scopes, selection, out),
        OutputFormat::Jsonl => unreachable!("written above"),
    };
    match written.and_then(|()| out.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error),
        _ => Ok(summary),
    }
}

/// The JSON Lines of a sweep, written a scope at a time as each is done.
#[derive(Default)]
pub struct JsonlSweep {
    summary: SweepSummary,
}

impl JsonlSweep {
    pub fn scope(
        &mut self,
        scope: &SweepScope,
        selection: &Selection,
        out: &mut impl Write,
    ) -> io::Result<()> {
        match &scope.outcome {
            Ok(snapshot) => {
                let written = stream::write_jsonl_scope(snapshot, selection, out);
                let scope_summary = match written {
                    Ok(summary) => summary,
                    // The reader went away: still count it, for the exit code.
                    Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                        stream::survey(snapshot, selection)
                    }
                    Err(error) => return Err(error),
                };
                self.summary.add(
                    &scope.account_id,
                    scope.region.as_deref(),
                    Some(&scope_summary),
                );
                Ok(())
            }
            Err(why) => {
                self.summary
                    .add(&scope.account_id, scope.region.as_deref(), None);
                match json_line(out, &failure(scope, why)) {
                    Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error),
                    _ => Ok(()),
                }
            }
        }
    }

    pub fn finish(mut self, out: &mut impl Write) -> io::Result<SweepSummary> {
        let mut line = json!({"type": "summary"});
        if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), json!(self.summary)) {
            line.extend(fields);
        }
        match json_line(out, &line) {
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error),
            _ => Ok(std::mem::take(&mut self.summary)),
        }
    }
}

fn json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A scope that could not be read, as JSON: `type` (`failure`), `account_id`, `region`, `error`.
fn failure(scope: &SweepScope, why: &str) -> Value {
    json!({
        "type": "failure",
        "account_id": scope.account_id,
        "region": scope.region,
        "error": why,
    })
}

fn json(
    scopes: &[SweepScope],
    selection: &Selection,
    summary: &SweepSummary,
    out: &mut impl Write,
) -> io::Result<()> {
    let totals = json!({
        "account_regions_read": summary.account_regions_read,
        "account_regions_failed": summary.account_regions_failed,
        "targets": summary.totals.targets,
        "blocked": summary.totals.blocked,
        "unknown": summary.totals.unknown,
        "ok": summary.totals.ok,
        "errors": summary.totals.errors,
        "warnings": summary.totals.warnings,
        "infos": summary.totals.infos,
    });
    let failures: Vec<Value> = scopes
        .iter()
        .filter_map(|scope| {
            let why = scope.outcome.as_ref().err()?;
            let mut failure = failure(scope, why);
            failure.as_object_mut()?.remove("type");
            Some(failure)
        })
        .collect();
    let indent = |value: &Value| {
        serde_json::to_string_pretty(value)
            .expect("the sweep serialises")
            .replace('\n', "\n  ")
    };
    write!(
        out,
        "{{\n  \"schema_version\": {REPORT_SCHEMA_VERSION},\n  \"summary\": {},\n  \"accounts\": {},\n  \"failures\": {},\n  \"reports\": [",
        indent(&totals),
        indent(&json!(summary.accounts)),
        indent(&json!(failures)),
    )?;
    let mut first = true;
    for snapshot in scopes
        .iter()
        .filter_map(|scope| scope.outcome.as_ref().ok())
    {
        out.write_all(if std::mem::take(&mut first) {
            b"\n"
        } else {
            b",\n"
        })?;
        // Each report as one account's diagnosis writes it (pretty, its own indentation).
        let mut report = Vec::new();
        stream::write(
            snapshot,
            selection,
            OutputFormat::Json,
            Colour::Plain,
            &mut report,
        )?;
        out.write_all(report.trim_ascii_end())?;
    }
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
}

fn markdown(
    scopes: &[SweepScope],
    empty: &[bool],
    selection: &Selection,
    summary: &SweepSummary,
    out: &mut impl Write,
) -> io::Result<()> {
    let totals = &summary.totals;
    write!(
        out,
        "# ecr-pathcheck sweep\n\n{} account(s), {} account-region(s) read, {} not read: {} target(s), {} blocked, {} unknown, {} ok; {} error(s), {} warning(s), {} info.\n\n",
        summary.accounts.len(),
        summary.account_regions_read,
        summary.account_regions_failed,
        totals.targets,
        totals.blocked,
        totals.unknown,
        totals.ok,
        totals.errors,
        totals.warnings,
        totals.infos
    )?;
    out.write_all(b"| account | regions read | not read | targets | blocked | unknown | ok | errors | warnings |\n|---|---|---|---|---|---|---|---|---|\n")?;
    for account in &summary.accounts {
        let s = &account.summary;
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&account.account_id),
            account.regions_read,
            account.regions_failed,
            s.targets,
            s.blocked,
            s.unknown,
            s.ok,
            s.errors,
            s.warnings
        )?;
    }
    let failed: Vec<&SweepScope> = scopes.iter().filter(|s| s.outcome.is_err()).collect();
    if !failed.is_empty() {
        out.write_all(b"\n## Not read\n\n| account | region | why |\n|---|---|---|\n")?;
        for scope in failed {
            writeln!(
                out,
                "| `{}` | {} | {} |",
                cell(&scope.account_id),
                cell(scope.region_label()),
                cell(scope.outcome.as_ref().err().map_or("", String::as_str))
            )?;
        }
    }
    let quiet = quiet_scopes(scopes, empty);
    if !quiet.is_empty() {
        write!(out, "\nNo target and no finding in: {}.\n", cell(&quiet))?;
    }
    for (scope, empty) in scopes.iter().zip(empty) {
        let Ok(snapshot) = &scope.outcome else {
            continue;
        };
        if *empty {
            continue;
        }
        let mut report = Vec::new();
        stream::write(
            snapshot,
            selection,
            OutputFormat::Markdown,
            Colour::Plain,
            &mut report,
        )?;
        let text = String::from_utf8_lossy(&report);
        let body = text
            .strip_prefix("# ecr-pathcheck report\n")
            .unwrap_or(&text);
        write!(
            out,
            "\n# Account `{}`, region `{}`\n{body}",
            cell(&snapshot.account_id),
            cell(&snapshot.region)
        )?;
    }
    Ok(())
}

/// The accounts and regions read with nothing to say, as `ACCOUNT REGION, …`.
fn quiet_scopes(scopes: &[SweepScope], empty: &[bool]) -> String {
    scopes
        .iter()
        .zip(empty)
        .filter(|(scope, empty)| **empty && scope.outcome.is_ok())
        .map(|(scope, _)| format!("{} {}", scope.account_id, scope.region_label()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A markdown table cell: one line, no column break, no code span break.
fn cell(text: &str) -> String {
    // Markdown renders HTML in a table cell: a value is text, never markup.
    line(text)
        .replace('|', "\\|")
        .replace('`', "'")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn table(
    scopes: &[SweepScope],
    empty: &[bool],
    selection: &Selection,
    summary: &SweepSummary,
    colour: Colour,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut first = true;
    for (scope, empty) in scopes.iter().zip(empty) {
        let Ok(snapshot) = &scope.outcome else {
            continue;
        };
        if *empty {
            continue;
        }
        if !std::mem::take(&mut first) {
            out.write_all(b"\n")?;
        }
        stream::write(snapshot, selection, OutputFormat::Table, colour, out)?;
    }
    if !first {
        out.write_all(b"\n")?;
    }
    let quiet = quiet_scopes(scopes, empty);
    if !quiet.is_empty() {
        writeln!(out, "No target and no finding in: {}.\n", line(&quiet))?;
    }
    let failed: Vec<&SweepScope> = scopes.iter().filter(|s| s.outcome.is_err()).collect();
    if !failed.is_empty() {
        out.write_all(b"Not read:\n")?;
        for scope in failed {
            writeln!(
                out,
                "  {} {}: {}",
                line(&scope.account_id),
                line(scope.region_label()),
                line(scope.outcome.as_ref().err().map_or("", String::as_str))
            )?;
        }
        out.write_all(b"\n")?;
    }
    let mut accounts = comfy_table::Table::new();
    accounts
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header([
            "account", "regions", "not read", "targets", "blocked", "unknown", "ok", "errors",
            "warnings",
        ]);
    for account in &summary.accounts {
        let s = &account.summary;
        accounts.add_row([
            line(&account.account_id).into_owned(),
            account.regions_read.to_string(),
            account.regions_failed.to_string(),
            s.targets.to_string(),
            s.blocked.to_string(),
            s.unknown.to_string(),
            s.ok.to_string(),
            s.errors.to_string(),
            s.warnings.to_string(),
        ]);
    }
    let totals = &summary.totals;
    writeln!(
        out,
        "ecr-pathcheck sweep · {} account(s) · {} account-region(s) read, {} not read · {} target(s): {} blocked, {} unknown, {} ok\n{accounts}\n{} error(s), {} warning(s), {} info.",
        summary.accounts.len(),
        summary.account_regions_read,
        summary.account_regions_failed,
        totals.targets,
        totals.blocked,
        totals.unknown,
        totals.ok,
        totals.errors,
        totals.warnings,
        totals.infos
    )
}

/// One SARIF run for the whole sweep (GitHub code scanning takes at most 20 runs per file):
/// every account and region's results, each with `properties.account_id` and `region`; the
/// ones not read are the invocation's notifications, which then did not succeed.
fn sarif(
    scopes: &[SweepScope],
    selection: &Selection,
    summary: &SweepSummary,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for scope in scopes {
        match &scope.outcome {
            Ok(snapshot) => {
                let mut log = Vec::new();
                stream::write(
                    snapshot,
                    selection,
                    OutputFormat::Sarif,
                    Colour::Plain,
                    &mut log,
                )?;
                let mut log: Value = serde_json::from_slice(&log)?;
                let run = log["runs"][0].take();
                for mut result in run["results"].as_array().cloned().unwrap_or_default() {
                    if let Some(result) = result.as_object_mut() {
                        let properties = result.entry("properties").or_insert_with(|| json!({}));
                        if let Some(properties) = properties.as_object_mut() {
                            properties.insert("account_id".into(), json!(snapshot.account_id));
                            properties.insert("region".into(), json!(snapshot.region));
                        }
                    }
                    results.push(result);
                }
            }
            Err(why) => {
                notifications.push(json!({
                    "level": "error",
                    "message": {"text": format!("{} {}: {why}", scope.account_id, scope.region_label())},
                    "properties": {"account_id": scope.account_id, "region": scope.region},
                }));
            }
        }
    }
    let log = json!({
        "$schema": super::sarif::SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": super::sarif::tool(),
            "automationDetails": {"id": "ecr-pathcheck/sweep/"},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {"summary": summary},
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// Every report's suites in one document; a scope not read is a suite with one error.
fn junit(scopes: &[SweepScope], selection: &Selection, out: &mut impl Write) -> io::Result<()> {
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    let mut suites = String::new();
    for scope in scopes {
        match &scope.outcome {
            Ok(snapshot) => {
                let mut document = Vec::new();
                stream::write(
                    snapshot,
                    selection,
                    OutputFormat::Junit,
                    Colour::Plain,
                    &mut document,
                )?;
                let document = String::from_utf8_lossy(&document);
                let (counts, body) = junit_parts(&document).ok_or_else(|| {
                    io::Error::other("the JUnit report of an account is not as written")
                })?;
                tests += counts.0;
                failures += counts.1;
                skipped += counts.2;
                let account_suite = format!(
                    "<testsuite name=\"account {} {}\"",
                    super::junit::xml(&snapshot.account_id),
                    super::junit::xml(&snapshot.region)
                );
                suites.push_str(&body.replace("<testsuite name=\"account\"", &account_suite));
            }
            Err(why) => {
                tests += 1;
                errors += 1;
                let name = format!("{} {}", scope.account_id, scope.region_label());
                suites.push_str(&format!(
                    "  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase classname=\"{name}\" name=\"read\">\n      <error message=\"{why}\"/>\n    </testcase>\n  </testsuite>\n",
                    name = super::junit::xml(&name),
                    why = super::junit::xml(why)
                ));
            }
        }
    }
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ecr-pathcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n{suites}{}",
        super::junit::END
    )
}

/// The totals (`tests`, `failures`, `skipped`) and the suites of a JUnit document as
/// [`super::junit`] writes it.
fn junit_parts(document: &str) -> Option<((usize, usize, usize), &str)> {
    let start = document.find("<testsuites ")?;
    let end_of_start = start + document[start..].find(">\n")? + 2;
    let attributes = &document[start..end_of_start];
    let number = |name: &str| -> Option<usize> {
        let at = attributes.find(&format!(" {name}=\""))? + name.len() + 3;
        attributes[at..].split('"').next()?.parse().ok()
    };
    let body = document[end_of_start..].strip_suffix(super::junit::END)?;
    Some((
        (number("tests")?, number("failures")?, number("skipped")?),
        body,
    ))
}

impl SweepScope {
    /// A snapshot read: its account and region.
    pub fn read(snapshot: Snapshot) -> SweepScope {
        SweepScope {
            account_id: snapshot.account_id.clone(),
            region: Some(snapshot.region.clone()),
            outcome: Ok(snapshot),
        }
    }
}
