//! The engine's output: per-target verdicts with the path each flow took, and the findings.
//! Renderers turn this into text; they decide nothing.

use serde::Serialize;

use crate::facts::{HopRecord, Status, TargetKind};
use crate::finding::{Finding, Severity};
use crate::flows::FlowKind;

/// Bumped when a field of the JSON report changes meaning or disappears.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub account_id: String,
    pub region: String,
    pub summary: Summary,
    pub targets: Vec<TargetReport>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    }

    /// No error, but a target's verdict is unknown: a hop that matters could not be decided
    /// (a failed read, custom DNS, a route beyond the VPC). A runbook must not read this as
    /// healthy; the CLI exits 3 for it.
    pub fn is_undecided(&self) -> bool {
        !self.has_errors()
            && self
                .targets
                .iter()
                .any(|target| target.verdict == TargetVerdict::Unknown)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub targets: usize,
    pub blocked: usize,
    pub unknown: usize,
    pub ok: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    /// Counts one more target, by its verdict (for a report written as it is produced).
    pub fn add_target(&mut self, target: &TargetReport) {
        self.targets += 1;
        match target.verdict {
            TargetVerdict::Blocked => self.blocked += 1,
            TargetVerdict::Unknown => self.unknown += 1,
            TargetVerdict::Ok => self.ok += 1,
        }
    }

    /// Counts more findings, by severity.
    pub fn add_findings(&mut self, findings: &[Finding]) {
        for finding in findings {
            match finding.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    /// [`Report::has_errors`] of the report summarised.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// [`Report::is_undecided`] of the report summarised.
    pub fn is_undecided(&self) -> bool {
        !self.has_errors() && self.unknown > 0
    }
}

/// A target's verdict: the worst of its flows' (and of its target checks').
pub type TargetVerdict = Status;
/// A flow's verdict: the status of the path chosen to carry it.
pub type FlowVerdict = Status;

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub target: String,
    pub kind: TargetKind,
    pub name: String,
    pub task_definition: String,
    pub verdict: TargetVerdict,
    pub flows: Vec<FlowReport>,
}

/// One flow of one target from one subnet: the path chosen and every hop walked on it.
#[derive(Debug, Clone, Serialize)]
pub struct FlowReport {
    pub flow: FlowKind,
    pub host: String,
    pub subnet: String,
    pub verdict: FlowVerdict,
    pub path: String,
    pub hops: Vec<HopRecord>,
}
