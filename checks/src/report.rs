//! The engine's output: per-target verdicts with the path each flow took, and the findings.
//! Renderers turn this into text; they decide nothing.

use serde::Serialize;

use crate::facts::{HopRecord, TargetKind};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetVerdict {
    Ok,
    Blocked,
    Unknown,
}

impl TargetVerdict {
    pub fn combine(self, flow: FlowVerdict) -> TargetVerdict {
        match (self, flow) {
            (TargetVerdict::Blocked, _) | (_, FlowVerdict::Blocked) => TargetVerdict::Blocked,
            (TargetVerdict::Unknown, _) | (_, FlowVerdict::Unknown) => TargetVerdict::Unknown,
            _ => TargetVerdict::Ok,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetVerdict::Ok => "ok",
            TargetVerdict::Blocked => "blocked",
            TargetVerdict::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowVerdict {
    Ok,
    Blocked,
    Unknown,
}

impl FlowVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowVerdict::Ok => "ok",
            FlowVerdict::Blocked => "blocked",
            FlowVerdict::Unknown => "unknown",
        }
    }
}

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
