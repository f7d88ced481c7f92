//! The registry of checks. Each check declares itself once, with its documentation as its doc
//! comment (the way clippy declares lints), so `ecr-pathcheck rule ID`, `docs/checks/` and the
//! code can never disagree.

use crate::finding::{Finding, Severity};

#[derive(Debug)]
pub struct CheckInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// The doc comment: `## What it does`, `## Why is this bad`, `## Example`, `## Fix`.
    pub documentation: &'static str,
}

impl CheckInfo {
    /// A new finding of this check with its default severity; the engine adds target and flow.
    pub fn finding(&'static self, title: impl Into<String>) -> Finding {
        Finding {
            check: self.id,
            name: self.name,
            severity: self.severity,
            target: None,
            flow: None,
            resources: Vec::new(),
            title: title.into(),
            detail: String::new(),
            fix: None,
        }
    }

    /// The documentation as Markdown, with the one-space indent of doc comments removed.
    pub fn markdown(&self) -> String {
        let body: String = self
            .documentation
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "# {} {}\n\nSeverity: {}\n\n{}\n",
            self.id,
            self.name,
            self.severity.as_str(),
            body.trim()
        )
    }
}

/// Declares a check: `declare_check! { /// docs ... pub static NAME = ("PC401", "kebab-name", Error); }`
#[macro_export]
macro_rules! declare_check {
    ($(#[doc = $doc:literal])* $vis:vis static $ident:ident = ($id:literal, $name:literal, $severity:ident);) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::catalog::CheckInfo = $crate::catalog::CheckInfo {
            id: $id,
            name: $name,
            severity: $crate::finding::Severity::$severity,
            documentation: concat!($($doc, "\n"),*),
        };
    };
}
