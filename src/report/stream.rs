//! The diagnosis written as it is produced, a target at a time (`engine::diagnose_each`), so
//! that the memory is the snapshot's and one target's whatever the size of the report (the
//! report of a 101,000-service account is over a gigabyte of text).
//!
//! Every format is written byte for byte as [`super::render`] writes the whole report (a test
//! compares them on every scenario). A format whose start depends on every target (the summary
//! at the top, the findings table's column widths, JUnit's totals), or which lists every target
//! in more than one section (JSON's `targets` then `findings`; the table's targets, findings and
//! fixes), runs the engine once more per section instead of holding the report: the engine is
//! deterministic, so each pass sees the same report. That is the price of the memory: JSON
//! takes three passes, the table four, markdown and JUnit two; JSON Lines and SARIF one.

use std::convert::Infallible;
use std::io::{self, Write};

use ecr_pathcheck_checks::engine::{self, Part};
use ecr_pathcheck_checks::facts::Selection;
use ecr_pathcheck_checks::report::{REPORT_SCHEMA_VERSION, Summary, TargetReport};
use ecr_pathcheck_checks::{Finding, Snapshot};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use super::{Colour, Locations, junit, markdown, sarif, table};
use crate::cli::OutputFormat;

/// Diagnoses the snapshot and writes the report to `out` as it goes; returns the report's
/// summary, which decides the exit code. A reader that went away (`| head`) is not an error:
/// the writing stops and the summary is still the whole report's.
pub fn write(
    snapshot: &Snapshot,
    selection: &Selection,
    format: OutputFormat,
    colour: Colour,
    out: &mut impl Write,
) -> io::Result<Summary> {
    let diagnosis = Diagnosis {
        snapshot,
        selection,
    };
    let mut summary = None;
    let written = match format {
        OutputFormat::Jsonl => jsonl(&diagnosis, out, &mut summary, None),
        // Findings of targets out of id order would not come in the report's order: hold it.
        _ if !diagnosis.in_report_order() => whole(&diagnosis, format, colour, out, &mut summary),
        OutputFormat::Json => json(&diagnosis, out, &mut summary),
        OutputFormat::Table => table(&diagnosis, colour, out, &mut summary),
        OutputFormat::Markdown => markdown(&diagnosis, out, &mut summary),
        OutputFormat::Sarif => sarif(&diagnosis, out, &mut summary),
        OutputFormat::Junit => junit(&diagnosis, out, &mut summary),
    };
    match written.and_then(|()| out.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error),
        // Written, or the reader went away before the summary was known: count it.
        _ => Ok(summary.unwrap_or_else(|| diagnosis.survey(|_| {}))),
    }
}

/// The summary of a diagnosis, from a pass that writes nothing (a sweep's totals come first).
pub fn survey(snapshot: &Snapshot, selection: &Selection) -> Summary {
    Diagnosis {
        snapshot,
        selection,
    }
    .survey(|_| {})
}

/// One account and region of a sweep as JSON Lines: the `account` line, then each target's line
/// carrying `account_id` and `region`; no `summary` line (the sweep writes one for all).
pub fn write_jsonl_scope(
    snapshot: &Snapshot,
    selection: &Selection,
    out: &mut impl Write,
) -> io::Result<Summary> {
    let diagnosis = Diagnosis {
        snapshot,
        selection,
    };
    let mut summary = None;
    jsonl(
        &diagnosis,
        out,
        &mut summary,
        Some((&snapshot.account_id, &snapshot.region)),
    )?;
    Ok(summary.unwrap_or_default())
}

struct Diagnosis<'a> {
    snapshot: &'a Snapshot,
    selection: &'a Selection,
}

impl Diagnosis<'_> {
    /// One pass of the engine, every part in order.
    fn each<E>(&self, each: impl FnMut(Part) -> Result<(), E>) -> Result<(), E> {
        engine::diagnose_each(self.snapshot, self.selection, each)
    }

    /// Whether the parts' findings, concatenated, are the report's: told by the first part,
    /// before any target is evaluated.
    fn in_report_order(&self) -> bool {
        let mut in_order = false;
        let _ = self.each(|part| {
            if let Part::Account {
                in_report_order, ..
            } = part
            {
                in_order = in_report_order;
            }
            Err(())
        });
        in_order
    }

    /// A pass that writes nothing: the summary, while `also` sees every part.
    fn survey(&self, mut also: impl FnMut(&Part)) -> Summary {
        let mut summary = Summary::default();
        let Ok(()) = self.each(|part| {
            count(&mut summary, &part);
            also(&part);
            Ok::<(), Infallible>(())
        });
        summary
    }
}

fn count(summary: &mut Summary, part: &Part) {
    match part {
        Part::Account { findings, .. } => summary.add_findings(findings),
        Part::Target(target, findings) => {
            summary.add_target(target);
            summary.add_findings(findings);
        }
    }
}

fn findings(part: &Part) -> &[Finding] {
    match part {
        Part::Account { findings, .. } | Part::Target(_, findings) => findings,
    }
}

fn refs(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().collect()
}

/// The whole report held, then rendered: for targets that do not come in id order.
fn whole(
    diagnosis: &Diagnosis,
    format: OutputFormat,
    colour: Colour,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
) -> io::Result<()> {
    let report = engine::diagnose_with(diagnosis.snapshot, diagnosis.selection);
    *summary = Some(report.summary.clone());
    out.write_all(super::render(&report, format, colour).as_bytes())
}

/// Three passes: the summary, the targets, the findings.
fn json(
    diagnosis: &Diagnosis,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
) -> io::Result<()> {
    let total = diagnosis.survey(|_| {});
    let report = JsonReport {
        diagnosis,
        summary: &total,
    };
    *summary = Some(total.clone());
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}

/// `Report` as its derived `Serialize` writes it, `targets` and `findings` each from a pass.
struct JsonReport<'a> {
    diagnosis: &'a Diagnosis<'a>,
    summary: &'a Summary,
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let snapshot = self.diagnosis.snapshot;
        let mut report = serializer.serialize_struct("Report", 6)?;
        report.serialize_field("schema_version", &REPORT_SCHEMA_VERSION)?;
        report.serialize_field("account_id", &snapshot.account_id)?;
        report.serialize_field("region", &snapshot.region)?;
        report.serialize_field("summary", self.summary)?;
        report.serialize_field("targets", &Targets(self.diagnosis))?;
        report.serialize_field("findings", &Findings(self.diagnosis))?;
        report.end()
    }
}

/// Every target's report, from one pass.
struct Targets<'a>(&'a Diagnosis<'a>);

impl Serialize for Targets<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        self.0.each(|part| match part {
            Part::Target(target, _) => seq.serialize_element(&target),
            Part::Account { .. } => Ok(()),
        })?;
        seq.end()
    }
}

/// Every finding in the report's order, from one pass.
struct Findings<'a>(&'a Diagnosis<'a>);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        self.0.each(|part| {
            findings(&part)
                .iter()
                .try_for_each(|finding| seq.serialize_element(finding))
        })?;
        seq.end()
    }
}

/// One pass: the SARIF log's summary comes after the results, counted meanwhile.
fn sarif(
    diagnosis: &Diagnosis,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
) -> io::Result<()> {
    let log = SarifLog {
        diagnosis,
        summary: Default::default(),
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    *summary = Some(log.summary.take());
    Ok(())
}

/// `sarif::render`'s log: `$schema`, `version` and one run of `tool`, `results` (from the pass)
/// and `properties.summary`.
struct SarifLog<'a> {
    diagnosis: &'a Diagnosis<'a>,
    summary: std::cell::RefCell<Summary>,
}

struct SarifRun<'a>(&'a SarifLog<'a>);

struct SarifResults<'a>(&'a SarifLog<'a>);

impl Serialize for SarifLog<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut log = serializer.serialize_map(Some(3))?;
        log.serialize_entry("$schema", sarif::SCHEMA_URI)?;
        log.serialize_entry("version", "2.1.0")?;
        log.serialize_entry("runs", &[SarifRun(self)])?;
        log.end()
    }
}

impl Serialize for SarifRun<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut run = serializer.serialize_map(Some(3))?;
        run.serialize_entry("tool", &sarif::tool())?;
        run.serialize_entry("results", &SarifResults(self.0))?;
        let summary = self.0.summary.borrow();
        run.serialize_entry("properties", &serde_json::json!({"summary": *summary}))?;
        run.end()
    }
}

impl Serialize for SarifResults<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let locations = Locations::new();
        let mut seq = serializer.serialize_seq(None)?;
        self.0.diagnosis.each(|part| {
            count(&mut self.0.summary.borrow_mut(), &part);
            findings(&part)
                .iter()
                .try_for_each(|finding| seq.serialize_element(&sarif::result(finding, &locations)))
        })?;
        seq.end()
    }
}

/// Two passes: the summary, then each target with its findings; account-wide ones last.
fn markdown(
    diagnosis: &Diagnosis,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
) -> io::Result<()> {
    let total = diagnosis.survey(|_| {});
    let snapshot = diagnosis.snapshot;
    out.write_all(markdown::header(&snapshot.account_id, &snapshot.region, &total).as_bytes())?;
    *summary = Some(total);
    let mut account = Vec::new();
    diagnosis.each(|part| match part {
        Part::Account { findings, .. } => {
            account = findings;
            Ok(())
        }
        Part::Target(target, findings) => {
            out.write_all(markdown::target_section(&target, &refs(&findings)).as_bytes())
        }
    })?;
    out.write_all(markdown::account_section(&refs(&account)).as_bytes())
}

/// Two passes: the totals, then one suite per target; the account's last.
fn junit(
    diagnosis: &Diagnosis,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
) -> io::Result<()> {
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    let (mut account_counts, mut account_findings) = ((0, 0, 0), 0);
    let total = diagnosis.survey(|part| {
        let counts = junit::counts(&refs(findings(part)));
        match part {
            Part::Account { findings, .. } => {
                (account_counts, account_findings) = (counts, findings.len());
            }
            Part::Target(..) => {
                tests += counts.0;
                failures += counts.1;
                skipped += counts.2;
            }
        }
    });
    let account_suite = junit::has_account_suite(account_findings, total.targets);
    if account_suite {
        tests += account_counts.0;
        failures += account_counts.1;
        skipped += account_counts.2;
    }
    *summary = Some(total);
    out.write_all(junit::start(tests, failures, skipped).as_bytes())?;
    let mut account = Vec::new();
    diagnosis.each(|part| match part {
        Part::Account { findings, .. } => {
            account = findings;
            Ok(())
        }
        Part::Target(target, findings) => {
            out.write_all(junit::suite(&target.target, &refs(&findings)).0.as_bytes())
        }
    })?;
    if account_suite {
        out.write_all(junit::suite("account", &refs(&account)).0.as_bytes())?;
    }
    out.write_all(junit::END.as_bytes())
}

/// Four passes: the summary and the findings table's layout; the targets; the findings table;
/// the fixes.
fn table(
    diagnosis: &Diagnosis,
    colour: Colour,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
) -> io::Result<()> {
    let mut lines = table::ColumnLines::default();
    let mut fixes = false;
    let mut numbers = table::FixNumbers::default();
    let total = diagnosis.survey(|part| {
        for finding in findings(part) {
            lines.add(finding, numbers.number(finding).map(|(number, _)| number));
            fixes |= finding.fix.is_some();
        }
    });
    drop(numbers);
    let snapshot = diagnosis.snapshot;
    out.write_all(table::header(&snapshot.account_id, &snapshot.region, &total).as_bytes())?;
    *summary = Some(total.clone());
    diagnosis.each(|part| match part {
        Part::Target(target, _) => out.write_all(table::target_lines(&target, colour).as_bytes()),
        Part::Account { .. } => Ok(()),
    })?;
    if total.errors + total.warnings + total.infos == 0 {
        return out.write_all(table::NO_FINDINGS.as_bytes());
    }
    let layout = table::FindingsTable::new(&lines, colour);
    drop(lines);
    // The table's lines, joined by newlines, after an empty line.
    out.write_all(b"\n")?;
    let mut first = true;
    let mut write_line = |out: &mut dyn Write, line: &str| {
        if !std::mem::take(&mut first) {
            out.write_all(b"\n")?;
        }
        out.write_all(line.as_bytes())
    };
    for line in layout.top() {
        write_line(out, &line)?;
    }
    let mut numbers = table::FixNumbers::default();
    diagnosis.each(|part| {
        layout
            .rows(findings(&part), &mut numbers)
            .iter()
            .try_for_each(|line| write_line(out, line))
    })?;
    drop(numbers);
    write_line(out, &layout.bottom())?;
    if fixes {
        out.write_all(table::FIXES.as_bytes())?;
        let mut numbers = table::FixNumbers::default();
        diagnosis.each(|part| {
            findings(&part)
                .iter()
                .filter_map(|finding| table::fix_text(finding, &mut numbers))
                .try_for_each(|fix| out.write_all(fix.as_bytes()))
        })?;
    }
    out.write_all(table::footer(&total).as_bytes())
}

/// One pass, one line per part: the account's line first (with the account-wide findings),
/// then a line per target as soon as it is diagnosed (its report with its findings), then the
/// summary. Each line is flushed when written, so a reader sees each target as it ends.
/// `sweep`: the account and region each target line carries, and no summary line.
fn jsonl(
    diagnosis: &Diagnosis,
    out: &mut impl Write,
    summary: &mut Option<Summary>,
    sweep: Option<(&str, &str)>,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct AccountLine<'a> {
        r#type: &'static str,
        schema_version: u32,
        account_id: &'a str,
        region: &'a str,
        findings: &'a [Finding],
    }
    #[derive(Serialize)]
    struct TargetLine<'a> {
        r#type: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        account_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<&'a str>,
        #[serde(flatten)]
        target: &'a TargetReport,
        findings: &'a [Finding],
    }
    #[derive(Serialize)]
    struct SummaryLine<'a> {
        r#type: &'static str,
        #[serde(flatten)]
        summary: &'a Summary,
    }
    fn line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut *out, value)?;
        out.write_all(b"\n")?;
        out.flush()
    }
    let snapshot = diagnosis.snapshot;
    let mut total = Summary::default();
    diagnosis.each(|part| {
        count(&mut total, &part);
        match &part {
            Part::Account { findings, .. } => line(
                out,
                &AccountLine {
                    r#type: "account",
                    schema_version: REPORT_SCHEMA_VERSION,
                    account_id: &snapshot.account_id,
                    region: &snapshot.region,
                    findings,
                },
            ),
            Part::Target(target, findings) => line(
                out,
                &TargetLine {
                    r#type: "target",
                    account_id: sweep.map(|(account, _)| account),
                    region: sweep.map(|(_, region)| region),
                    target,
                    findings,
                },
            ),
        }
    })?;
    if sweep.is_none() {
        line(
            out,
            &SummaryLine {
                r#type: "summary",
                summary: &total,
            },
        )?;
    }
    *summary = Some(total);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecr_pathcheck_checks::snapshot;

    const FORMATS: [OutputFormat; 6] = [
        OutputFormat::Table,
        OutputFormat::Json,
        OutputFormat::Jsonl,
        OutputFormat::Markdown,
        OutputFormat::Sarif,
        OutputFormat::Junit,
    ];

    fn scenarios() -> Vec<(String, Snapshot)> {
        let mocks = concat!(env!("CARGO_MANIFEST_DIR"), "/mocks");
        let mut scenarios: Vec<_> = std::fs::read_dir(mocks)
            .unwrap()
            .filter_map(|entry| {
                let path = entry.unwrap().path().join("snapshot.json");
                let name = path.parent()?.file_name()?.to_string_lossy().into_owned();
                Some((name, snapshot::load_file(&path).ok()?))
            })
            .collect();
        scenarios.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(scenarios.len() > 50, "{}", scenarios.len());
        scenarios
    }

    fn streamed(snapshot: &Snapshot, format: OutputFormat, colour: Colour) -> (String, Summary) {
        let mut out = Vec::new();
        let summary = write(snapshot, &Selection::default(), format, colour, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), summary)
    }

    /// The same bytes as the whole report rendered, in every format, for every scenario, and
    /// the same summary (so the same exit code).
    #[test]
    fn every_format_streams_the_bytes_of_the_whole_report() {
        for (name, snapshot) in scenarios() {
            let report = engine::diagnose(&snapshot);
            for format in FORMATS {
                for colour in [Colour::Plain, Colour::Ansi] {
                    let (text, summary) = streamed(&snapshot, format, colour);
                    let expected = super::super::render(&report, format, colour);
                    assert!(
                        text == expected,
                        "{name} {format:?} {colour:?}:\n{}",
                        first_difference(&expected, &text)
                    );
                    assert_eq!(summary, report.summary, "{name} {format:?}");
                }
            }
        }
    }

    fn first_difference(expected: &str, got: &str) -> String {
        let line = expected
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(got.lines().count()));
        format!(
            "line {}: expected {:?}, got {:?}",
            line + 1,
            expected.lines().nth(line),
            got.lines().nth(line)
        )
    }

    /// Targets whose findings wrap differently (security groups of other lengths in their
    /// titles and fixes): the findings table written a target at a time keeps the widths of the
    /// whole table, which no target's own table has.
    #[test]
    fn the_findings_table_keeps_the_whole_tables_widths() {
        let (_, mut snapshot) = scenarios()
            .into_iter()
            .find(|(name, _)| name == "s3-prefix-list-egress-missing")
            .unwrap();
        let service = snapshot.services[0].clone();
        let group = snapshot
            .security_groups
            .iter()
            .find(|group| group.id == "sg-app")
            .unwrap()
            .clone();
        let ids = [
            "sg-0a",
            "sg-0123456789abcdef0123456789abcdef0123456789",
            "sg-x y z",
            "sg-ümlaut-ß-é",
        ];
        for (n, id) in ids.iter().enumerate() {
            let mut copy = service.clone();
            copy.arn = format!("{}-{n}", service.arn);
            copy.name = format!("{}-{n}", service.name);
            copy.network.as_mut().unwrap().security_group_ids = vec![id.to_string()];
            snapshot.services.push(copy);
            let mut group = group.clone();
            group.id = id.to_string();
            snapshot.security_groups.push(group);
        }
        let report = engine::diagnose(&snapshot);
        let whole = super::super::render(&report, OutputFormat::Table, Colour::Plain);
        let (text, _) = streamed(&snapshot, OutputFormat::Table, Colour::Plain);
        assert!(text == whole, "{}", first_difference(&whole, &text));
        // Laid out alone, some target's table would differ.
        let top = |text: &str| {
            text.lines()
                .find(|line| line.starts_with('┌'))
                .map(str::to_string)
        };
        let alone: Vec<_> = report
            .targets
            .iter()
            .map(|target| {
                let mut one = report.clone();
                one.targets = vec![target.clone()];
                one.findings
                    .retain(|f| f.target.as_deref() == Some(&target.target));
                top(&super::super::render(
                    &one,
                    OutputFormat::Table,
                    Colour::Plain,
                ))
            })
            .collect();
        assert!(
            alone.iter().any(|border| *border != top(&whole)),
            "{alone:?}"
        );
    }

    /// No target at all (empty arrays, no findings table, JUnit's account suite alone), and a
    /// refused read as the only finding (account-wide).
    #[test]
    fn an_account_without_targets_streams_the_same_bytes() {
        for name in ["healthy-endpoints", "network-acls-refused"] {
            let (_, mut snapshot) = scenarios()
                .into_iter()
                .find(|(scenario, _)| scenario == name)
                .unwrap();
            snapshot.services.clear();
            snapshot.tasks.clear();
            let report = engine::diagnose(&snapshot);
            assert!(report.targets.is_empty());
            for format in FORMATS {
                let (text, summary) = streamed(&snapshot, format, Colour::Plain);
                let expected = super::super::render(&report, format, Colour::Plain);
                assert!(text == expected, "{name} {format:?}:\n{text}\n{expected}");
                assert_eq!(summary, report.summary);
            }
        }
    }

    /// Targets out of id order (or twice the same id): the findings would not come in the
    /// report's order, so the report is held and rendered whole, to the same bytes.
    #[test]
    fn targets_out_of_order_fall_back_to_the_whole_report() {
        let (_, mut snapshot) = scenarios()
            .into_iter()
            .find(|(name, _)| name == "s3-prefix-list-egress-missing")
            .unwrap();
        let mut last = snapshot.services[0].clone();
        last.arn.push_str("-zz");
        snapshot.services.insert(0, last);
        let diagnosis = Diagnosis {
            snapshot: &snapshot,
            selection: &Selection::default(),
        };
        assert!(!diagnosis.in_report_order());
        let report = engine::diagnose(&snapshot);
        for format in FORMATS {
            let (text, summary) = streamed(&snapshot, format, Colour::Plain);
            if format != OutputFormat::Jsonl {
                assert_eq!(
                    text,
                    super::super::render(&report, format, Colour::Plain),
                    "{format:?}"
                );
            }
            assert_eq!(summary, report.summary);
        }
    }

    /// Writes `limit` bytes, then fails with `kind`.
    struct Failing {
        limit: usize,
        kind: io::ErrorKind,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.limit == 0 {
                return Err(self.kind.into());
            }
            let n = buf.len().min(self.limit);
            self.limit -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A reader that went away ends the writing, not the run: the summary (and so the exit
    /// code) is the whole report's. Any other failure to write is an error.
    #[test]
    fn a_closed_pipe_still_gives_the_whole_summary_and_other_errors_fail() {
        let (_, snapshot) = scenarios()
            .into_iter()
            .find(|(name, _)| name == "s3-prefix-list-egress-missing")
            .unwrap();
        let report = engine::diagnose(&snapshot);
        for format in FORMATS {
            for limit in [0, 10, 1000] {
                let mut closed = Failing {
                    limit,
                    kind: io::ErrorKind::BrokenPipe,
                };
                let summary = write(
                    &snapshot,
                    &Selection::default(),
                    format,
                    Colour::Plain,
                    &mut closed,
                );
                assert_eq!(summary.unwrap(), report.summary, "{format:?} {limit}");
                let mut full = Failing {
                    limit,
                    kind: io::ErrorKind::StorageFull,
                };
                let error = write(
                    &snapshot,
                    &Selection::default(),
                    format,
                    Colour::Plain,
                    &mut full,
                )
                .unwrap_err();
                assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{format:?}");
            }
        }
    }
}
