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
//! - `sarif`: one run per account and region (its `properties` name them); one that could not
//!   be read is a run whose invocation failed, with why;
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
    pub regions_read: usize,
    pub regions_failed: usize,
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
    pub fn add(&mut self, account_id: &str, summary: Option<&Summary>) {
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
                self.account_regions_read += 1;
                account.regions_read += 1;
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
        summary.add(&scope.account_id, scope_summary.as_ref());
    }
    let written = match format {
        OutputFormat::Json => json(scopes, selection, &summary, out),
        OutputFormat::Markdown => markdown(scopes, selection, &summary, out),
        OutputFormat::Table => table(scopes, selection, &summary, colour, out),
        OutputFormat::Sarif => sarif(scopes, selection, out),
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
                self.summary.add(&scope.account_id, Some(&scope_summary));
                Ok(())
            }
            Err(why) => {
                self.summary.add(&scope.account_id, None);
                json_line(out, &failure(scope, why))
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
    for scope in scopes {
        let Ok(snapshot) = &scope.outcome else {
            continue;
        };
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

/// A markdown table cell: one line, no column break, no code span break.
fn cell(text: &str) -> String {
    line(text).replace('|', "\\|").replace('`', "'")
}

fn table(
    scopes: &[SweepScope],
    selection: &Selection,
    summary: &SweepSummary,
    colour: Colour,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut first = true;
    for snapshot in scopes
        .iter()
        .filter_map(|scope| scope.outcome.as_ref().ok())
    {
        if !std::mem::take(&mut first) {
            out.write_all(b"\n")?;
        }
        stream::write(snapshot, selection, OutputFormat::Table, colour, out)?;
    }
    if !first {
        out.write_all(b"\n")?;
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

/// One SARIF run per account and region; the runs of one account's diagnosis, labelled.
fn sarif(scopes: &[SweepScope], selection: &Selection, out: &mut impl Write) -> io::Result<()> {
    let mut runs = Vec::new();
    for scope in scopes {
        let mut run = match &scope.outcome {
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
                log["runs"][0].take()
            }
            Err(why) => json!({
                "tool": super::sarif::tool(),
                "results": [],
                "invocations": [{
                    "executionSuccessful": false,
                    "toolExecutionNotifications": [{
                        "level": "error",
                        "message": {"text": why},
                    }],
                }],
            }),
        };
        let properties = run
            .as_object_mut()
            .map(|run| run.entry("properties").or_insert_with(|| json!({})));
        if let Some(Value::Object(properties)) = properties {
            properties.insert("account_id".into(), json!(scope.account_id));
            properties.insert("region".into(), json!(scope.region));
        }
        runs.push(run);
    }
    let log = json!({
        "$schema": super::sarif::SCHEMA_URI,
        "version": "2.1.0",
        "runs": runs,
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
