//! Every scenario under `mocks/` against its golden report, plus the facts each scenario exists
//! to prove (so blessing a wrong golden cannot pass). `BLESS=1` rewrites the goldens.
//!
//! What a scenario must prove is declared once, by the `@scenario(...)` above its function in
//! `mocks/build_scenarios.py`, which writes it to `mocks/NAME/scenario.json`; these tests read it
//! there (and `tests/live.rs` reads its `live_skip`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::{Severity, diagnose, snapshot};
use serde::Deserialize;

fn mocks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks")
}

/// The folders of `mocks/` that hold `file`, sorted.
fn folders_with(file: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(mocks())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join(file).exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn scenario_names() -> Vec<String> {
    folders_with("snapshot.json")
}

/// `mocks/NAME/scenario.json`, as `mocks/build_scenarios.py` writes it from `@scenario(...)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Declaration {
    name: String,
    /// One line: its row of `mocks/README.md`.
    summary: String,
    /// The error checks its report must have: exactly these.
    errors: Vec<String>,
    /// Other checks that must appear, at any severity.
    also: Vec<String>,
    /// The deciding statement or resource its findings must name.
    causes: Vec<Cause>,
    /// Why `tests/live.rs` cannot seed it in the emulator, if it cannot.
    live_skip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cause {
    check: String,
    /// Words a finding of `check` must have in its detail.
    words: String,
}

fn declaration(name: &str) -> Declaration {
    let path = mocks().join(name).join("scenario.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}: declare the scenario with @scenario(...) in mocks/build_scenarios.py \
             and run it",
            path.display()
        )
    });
    let declaration: Declaration =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert_eq!(declaration.name, name, "{}: name", path.display());
    declaration
}

/// Every scenario's declaration: a scenario folder without one fails here.
fn declarations() -> Vec<Declaration> {
    scenario_names()
        .iter()
        .map(|name| declaration(name))
        .collect()
}

/// A scenario folder has its declaration, a declaration its scenario (the snapshot), and
/// `mocks/README.md` (generated from the same declarations) lists exactly these, each with its
/// one-line summary: a scenario declared in `build_scenarios.py` but never built, or a folder
/// left behind by a removed one, fails here.
#[test]
fn every_scenario_is_declared_once_and_every_declaration_has_its_scenario() {
    let scenarios = scenario_names();
    assert!(scenarios.len() >= 60, "only {} scenarios", scenarios.len());
    // A scenario folder without its scenario.json fails here.
    let declarations = declarations();
    for name in folders_with("scenario.json") {
        assert!(
            scenarios.contains(&name),
            "mocks/{name}/scenario.json declares a scenario that has no snapshot.json \
             (run python3 mocks/build_scenarios.py, or delete the folder)"
        );
    }
    let readme = std::fs::read_to_string(mocks().join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .filter(|line| line.starts_with("| `"))
        .collect();
    let listed: BTreeSet<&str> = rows
        .iter()
        .filter_map(|row| row.split('`').nth(1))
        .collect();
    assert_eq!(
        rows.len(),
        listed.len(),
        "mocks/README.md lists a scenario twice"
    );
    let folders: BTreeSet<&str> = scenarios.iter().map(String::as_str).collect();
    assert!(
        listed == folders,
        "mocks/README.md (the declarations) and the scenario folders differ: declared but not \
         built {:?}, built but no longer declared {:?}: run python3 mocks/build_scenarios.py",
        listed.difference(&folders).collect::<Vec<_>>(),
        folders.difference(&listed).collect::<Vec<_>>()
    );
    for declaration in &declarations {
        let name = &declaration.name;
        let row = format!("| `{name}` | {} |", declaration.summary);
        assert!(
            rows.iter().any(|line| line.starts_with(&row)),
            "mocks/README.md: no row `{row}`"
        );
        for text in [Some(&declaration.summary), declaration.live_skip.as_ref()]
            .into_iter()
            .flatten()
        {
            assert!(
                !text.trim().is_empty() && !text.contains('\n'),
                "{name}: summary and live_skip are one non-empty line"
            );
        }
    }
}

/// Lines of unified diff shown for one golden, and goldens shown with their diff, on a mismatch.
const DIFF_LINES: usize = 60;
const DIFFS_SHOWN: usize = 5;

/// A unified diff from the golden to the report, cut after `DIFF_LINES` lines.
fn golden_diff(name: &str, expected: &str, actual: &str) -> String {
    let diff = similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("mocks/{name}/expected.json"),
            "report (diagnose of snapshot.json)",
        )
        .to_string();
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= DIFF_LINES {
        return diff;
    }
    format!(
        "{}\n... {} more lines of diff\n",
        lines[..DIFF_LINES].join("\n"),
        lines.len() - DIFF_LINES
    )
}

#[test]
fn every_scenario_matches_its_golden_report() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let mut differing = 0;
    for name in scenario_names() {
        let folder = mocks().join(&name);
        let snapshot = snapshot::load_file(&folder.join("snapshot.json"))
            .unwrap_or_else(|error| panic!("{error}"));
        let actual = serde_json::to_string_pretty(&diagnose(&snapshot)).unwrap() + "\n";
        let golden = folder.join("expected.json");
        if bless {
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => {
                let mut failure =
                    format!("{name}: report differs from expected.json (review, then BLESS=1)");
                if differing < DIFFS_SHOWN {
                    failure += &format!("\n{}", golden_diff(&name, &expected, &actual));
                }
                differing += 1;
                failures.push(failure);
            }
            Err(_) => failures.push(format!("{name}: no expected.json (run with BLESS=1)")),
        }
    }
    if differing > DIFFS_SHOWN {
        failures.push(format!(
            "({differing} goldens differ; the diffs of the first {DIFFS_SHOWN} are shown)"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn findings_name_the_statement_or_resource_that_decides() {
    let mut named = 0;
    for declaration in declarations() {
        let name = &declaration.name;
        if declaration.causes.is_empty() {
            continue;
        }
        let snapshot = snapshot::load_file(&mocks().join(name).join("snapshot.json")).unwrap();
        let report = diagnose(&snapshot);
        for Cause { check, words } in &declaration.causes {
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.check == check.as_str() && f.detail.contains(words.as_str())),
                "{name}: no {check} finding saying `{words}`"
            );
            named += 1;
        }
    }
    assert!(named >= 20, "only {named} named causes declared");
}

#[test]
fn every_scenario_proves_what_it_is_named_for() {
    for declaration in declarations() {
        let name = &declaration.name;
        let snapshot = snapshot::load_file(&mocks().join(name).join("snapshot.json")).unwrap();
        let report = diagnose(&snapshot);
        let actual_errors: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.check)
            .collect();
        let expected_errors: BTreeSet<&str> =
            declaration.errors.iter().map(String::as_str).collect();
        assert_eq!(actual_errors, expected_errors, "{name}: error checks");
        assert_eq!(
            report.has_errors(),
            !declaration.errors.is_empty(),
            "{name}: exit status"
        );
        for check in &declaration.also {
            assert!(
                report.findings.iter().any(|f| f.check == check.as_str()),
                "{name}: expected a {check} finding"
            );
        }
        for finding in report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            let fix = finding
                .fix
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: {} has no fix", finding.check));
            // A command, a comment, or an id captured from a command for the next ones
            // (`ZONE_ID=$(aws route53 create-hosted-zone ...)`).
            let captured = fix
                .aws_cli
                .split_once("=$(aws ")
                .is_some_and(|(variable, _)| {
                    !variable.is_empty()
                        && variable
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                });
            assert!(
                fix.aws_cli.starts_with("aws ") || fix.aws_cli.starts_with('#') || captured,
                "{name}: {} CLI fix",
                finding.check
            );
            assert!(
                !fix.terraform.is_empty(),
                "{name}: {} Terraform fix",
                finding.check
            );
            assert!(
                !finding.resources.is_empty(),
                "{name}: {} names no resource",
                finding.check
            );
        }
    }
}

#[test]
fn the_classic_names_the_group_the_prefix_list_and_the_exact_rule_to_add() {
    let snapshot =
        snapshot::load_file(&mocks().join("s3-prefix-list-egress-missing/snapshot.json")).unwrap();
    let report = diagnose(&snapshot);
    let finding = report.findings.iter().find(|f| f.check == "PC401").unwrap();
    assert_eq!(finding.resources, vec!["sg-app", "pl-63a5400a"]);
    let fix = finding.fix.as_ref().unwrap();
    assert!(
        fix.aws_cli
            .contains("authorize-security-group-egress --group-id sg-app"),
        "{}",
        fix.aws_cli
    );
    assert!(fix.aws_cli.contains("PrefixListId=pl-63a5400a"));
    assert!(
        fix.terraform
            .contains("prefix_list_id               = \"pl-63a5400a\"")
    );
    // The runbook's mistake: the endpoint path exists, so no NAT or internet gateway is blamed.
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.check != "PC302" && f.check != "PC304")
    );
    // The dialled address is located in the S3 prefix list.
    let reason = report.findings.iter().find(|f| f.check == "PC801").unwrap();
    assert!(
        reason
            .detail
            .contains("52.216.8.10 is in prefix list pl-63a5400a"),
        "{}",
        reason.detail
    );
}
