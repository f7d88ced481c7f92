//! JUnit XML for GitLab (`artifacts:reports:junit`) and Jenkins (`junit`): one `testsuite` per
//! target, one `testcase` per target × check; a check with an error finding for the target is a
//! `failure`, one whose hops stayed unknown (warnings) is `skipped` with the reason, the rest
//! pass. Account-wide findings make the `account` suite.

use ecr_pathcheck_checks::report::Report;
use ecr_pathcheck_checks::{Finding, Severity, rules};

pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            // XML 1.0 admits no other control character, even escaped.
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn body(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|finding| {
            let mut text = format!(
                "{} {}: {}\nResources: {}\n{}",
                finding.check,
                finding.severity.as_str(),
                finding.title,
                finding.resources.join(", "),
                finding.detail
            );
            if let Some(fix) = &finding.fix {
                text.push_str(&format!(
                    "\nFix (AWS CLI):\n{}\nFix (Terraform):\n{}",
                    fix.aws_cli, fix.terraform
                ));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A suite's findings for one check: all of them, the errors, the warnings.
fn of_check<'a>(
    findings: &[&'a Finding],
    check: &str,
) -> (Vec<&'a Finding>, Vec<&'a Finding>, Vec<&'a Finding>) {
    let mine: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|finding| finding.check == check)
        .collect();
    let errors = mine
        .iter()
        .copied()
        .filter(|finding| finding.severity == Severity::Error)
        .collect();
    let warnings = mine
        .iter()
        .copied()
        .filter(|finding| finding.severity == Severity::Warning)
        .collect();
    (mine, errors, warnings)
}

/// A suite's `tests`, `failures` and `skipped`, as [`suite`] counts them, without its text.
pub fn counts(findings: &[&Finding]) -> (usize, usize, usize) {
    let (mut failures, mut skipped) = (0, 0);
    for check in rules::all() {
        let (_, errors, warnings) = of_check(findings, check.id);
        if !errors.is_empty() {
            failures += 1;
        } else if !warnings.is_empty() {
            skipped += 1;
        }
    }
    (rules::all().len(), failures, skipped)
}

pub fn suite(name: &str, findings: &[&Finding]) -> (String, usize, usize, usize) {
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for check in rules::all() {
        tests += 1;
        let (mine, errors, warnings) = of_check(findings, check.id);
        cases.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{} {}\"",
            xml(name),
            check.id,
            check.name
        ));
        if let Some(first) = errors.first() {
            failures += 1;
            cases.push_str(&format!(
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                check.id,
                xml(&first.title),
                xml(&body(&errors))
            ));
        } else if let Some(first) = warnings.first() {
            skipped += 1;
            cases.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml(&first.title),
                xml(&body(&warnings))
            ));
        } else if !mine.is_empty() {
            cases.push_str(&format!(
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                xml(&body(&mine))
            ));
        } else {
            cases.push_str("/>\n");
        }
    }
    let text = format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n",
        xml(name)
    );
    (text, tests, failures, skipped)
}

/// The account suite is written when there are account-wide findings, or no target at all.
pub fn has_account_suite(account_findings: usize, targets: usize) -> bool {
    account_findings > 0 || targets == 0
}

/// The document's start, with the totals of every suite.
pub fn start(tests: usize, failures: usize, skipped: usize) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ecr-pathcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    )
}

pub const END: &str = "</testsuites>\n";

pub fn render(report: &Report) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    let mut add = |name: &str, findings: &[&Finding]| {
        let (text, t, f, s) = suite(name, findings);
        suites.push_str(&text);
        tests += t;
        failures += f;
        skipped += s;
    };
    let by_target = super::ByTarget::new(&report.findings);
    for target in &report.targets {
        let findings = by_target.of(Some(&target.target));
        add(&target.target, findings);
    }
    let account = by_target.of(None);
    if has_account_suite(account.len(), report.targets.len()) {
        add("account", account);
    }
    format!("{}{suites}{END}", start(tests, failures, skipped))
}
