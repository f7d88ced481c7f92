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
    let index = Index::new(snapshot);
    let mut findings: Vec<Finding> = crate::rules::registry::ACCOUNT_CHECKS
        .iter()
        .filter(|step| selection.enabled(step.check.id))
        .flat_map(|step| (step.run)(&index))
        .collect();
    let mut targets = Vec::new();
    for target in crate::facts::targets(&index) {
        let (report, target_findings) = paths::evaluate_target(&index, &target, selection);
        targets.push(report);
        findings.extend(target_findings);
    }
    findings.retain(|finding| selection.enabled(finding.check));
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
