//! What the engine tells the user: findings, each with its evidence and fix.

use serde::Serialize;

use crate::flows::FlowKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// This blocks the pull.
    Error,
    /// Works today but fragile or costly, or could not be verified.
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The change that resolves a finding, in the two forms operators apply changes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub aws_cli: String,
    pub terraform: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id, e.g. `PC401`.
    pub check: &'static str,
    /// Stable kebab-case name, e.g. `s3-prefix-list-egress`.
    pub name: &'static str,
    pub severity: Severity,
    /// The task or service ARN the finding concerns; `None` for account-wide findings.
    pub target: Option<String>,
    pub flow: Option<FlowKind>,
    /// Every AWS id or ARN involved.
    pub resources: Vec<String>,
    pub title: String,
    /// The evidence: which hops were walked, which rule matched or is missing.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn resource(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if !id.is_empty() && !self.resources.contains(&id) {
            self.resources.push(id);
        }
        self
    }

    pub fn resources<I: IntoIterator<Item = S>, S: Into<String>>(self, ids: I) -> Self {
        ids.into_iter().fold(self, Finding::resource)
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn fix(mut self, aws_cli: impl Into<String>, terraform: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            aws_cli: aws_cli.into(),
            terraform: terraform.into(),
        });
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn flow(mut self, flow: FlowKind) -> Self {
        self.flow.get_or_insert(flow);
        self
    }

    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.target,
            self.severity,
            self.flow,
            self.check,
            &self.resources,
            &self.title,
        )
    }
}
