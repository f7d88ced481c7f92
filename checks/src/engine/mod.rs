//! The check engine: pure and synchronous. It sees only the snapshot.
//!
//! For every target it derives the flows the task needs, enumerates every path each flow could
//! take (interface endpoint, gateway endpoint, NAT/internet gateway), walks each path hop by hop
//! and keeps the path that works, or else the most plausible broken one, reporting every hop
//! that blocks it.

mod paths;

use crate::facts::{Index, Selection};
use crate::finding::{Finding, Severity};
use crate::report::{Report, Summary, TargetReport, TargetVerdict};
use crate::snapshot::Snapshot;

/// Runs every check over the snapshot. Deterministic: the same snapshot gives the same report.
pub fn diagnose(snapshot: &Snapshot) -> Report {
    diagnose_with(snapshot, &Selection::default())
}

/// Runs the selected checks over the snapshot (`--select` / `--ignore`).
pub fn diagnose_with(snapshot: &Snapshot, selection: &Selection) -> Report {
    let mut findings: Vec<Finding> = Vec::new();
    let mut targets = Vec::new();
    let Ok(()) = diagnose_each(snapshot, selection, |part| {
        match part {
            Part::Account {
                findings: account, ..
            } => findings.extend(account),
            Part::Target(report, target_findings) => {
                targets.push(report);
                findings.extend(target_findings);
            }
        }
        Ok::<(), std::convert::Infallible>(())
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    let summary = summarize(&targets, &findings);
    Report {
        schema_version: crate::report::REPORT_SCHEMA_VERSION,
        account_id: snapshot.account_id.clone(),
        region: snapshot.region.clone(),
        summary,
        targets,
        findings,
    }
}

/// What [`diagnose_each`] hands over, in this order: the account-wide findings once, then each
/// target with its own findings. Findings come sorted and deduplicated as in [`Report`].
pub enum Part {
    Account {
        findings: Vec<Finding>,
        /// The targets follow in strictly increasing id order, so the findings of every part,
        /// concatenated, are exactly the report's `findings` (account-wide ones sort first).
        /// Always so for a normalized snapshot whose ARNs share its account and region.
        in_report_order: bool,
    },
    Target(TargetReport, Vec<Finding>),
}

/// [`diagnose_with`], one target at a time, for a caller that writes the report out as it goes
/// and so never holds more than one target: `each` gets every [`Part`] as soon as it is
/// evaluated, targets in the report's order. An error from `each` stops the diagnosis and is
/// returned.
pub fn diagnose_each<E>(
    snapshot: &Snapshot,
    selection: &Selection,
    mut each: impl FnMut(Part) -> Result<(), E>,
) -> Result<(), E> {
    let index = Index::new(snapshot);
    let selected = |mut findings: Vec<Finding>| {
        findings.retain(|finding| selection.enabled(finding.check));
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        findings
    };
    let account = crate::rules::registry::ACCOUNT_CHECKS
        .iter()
        .filter(|step| selection.enabled(step.check.id))
        .flat_map(|step| (step.run)(&index))
        .collect();
    let targets = crate::facts::targets(&index);
    let in_report_order = targets.windows(2).all(|pair| pair[0].id < pair[1].id);
    each(Part::Account {
        findings: selected(account),
        in_report_order,
    })?;
    for target in targets {
        let (report, findings) = paths::evaluate_target(&index, &target, selection);
        each(Part::Target(report, selected(findings)))?;
    }
    Ok(())
}

fn summarize(targets: &[TargetReport], findings: &[Finding]) -> Summary {
    let count = |severity| {
        findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let with_verdict = |verdict| {
        targets
            .iter()
            .filter(|target| target.verdict == verdict)
            .count()
    };
    Summary {
        targets: targets.len(),
        blocked: with_verdict(TargetVerdict::Blocked),
        unknown: with_verdict(TargetVerdict::Unknown),
        ok: with_verdict(TargetVerdict::Ok),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
    }
}
