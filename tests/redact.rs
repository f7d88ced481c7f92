//! `--redact` as users run it: for every scenario under `mocks/` and every output format, the
//! redacted report keeps the plain run's exit code and holds none of the snapshot's account
//! ids, resource ids, names or private addresses (gathered by `checks/tests/originals`,
//! independently of the anonymizer); the same run twice prints the same bytes; and `plan
//! --redact` reaches the same verdicts as `plan`, the plan's ids meeting the account's.

use std::path::Path;
use std::process::{Command, Output};

use ecr_pathcheck_checks::snapshot;

mod support;
use support::{stderr, stdout};

#[path = "../checks/tests/originals/mod.rs"]
mod originals;
use originals::{originals, survivors};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FORMATS: [&str; 6] = ["table", "json", "jsonl", "markdown", "sarif", "junit"];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"))
        .current_dir(ROOT)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("mocks"))
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("snapshot.json").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() > 50, "the scenarios were not found");
    names
}

/// The output without SARIF's rule catalog (`runs[].tool.driver.rules`): the checks'
/// documentation, the same for every snapshot, whose examples name made-up ids of their own.
fn without_catalog(format: &str, text: String) -> String {
    if format != "sarif" {
        return text;
    }
    let mut sarif: serde_json::Value = serde_json::from_str(&text).expect("SARIF is JSON");
    for run in sarif["runs"].as_array_mut().expect("SARIF has runs") {
        let rules = run["tool"]["driver"]["rules"].take();
        assert!(rules.is_array(), "SARIF's rules moved: {rules}");
    }
    sarif.to_string()
}

#[test]
fn every_scenario_in_every_format_keeps_its_exit_code_and_no_original() {
    let mut failures = Vec::new();
    for name in scenarios() {
        let path = format!("mocks/{name}/snapshot.json");
        let original = snapshot::load_file(&Path::new(ROOT).join(&path)).unwrap();
        let originals = originals(&original);
        let plain = run(&["diagnose", "--snapshot", &path, "--output", "json"]);
        for format in FORMATS {
            let redacted = run(&[
                "diagnose",
                "--snapshot",
                &path,
                "--output",
                format,
                "--redact",
            ]);
            if redacted.status.code() != plain.status.code() {
                failures.push(format!(
                    "{name} {format}: exit {:?}, plain {:?}: {}",
                    redacted.status.code(),
                    plain.status.code(),
                    stderr(&redacted)
                ));
            }
            let printed = without_catalog(format, stdout(&redacted)) + &stderr(&redacted);
            let left = survivors(&printed, &originals);
            if !left.is_empty() {
                failures.push(format!("{name} {format}: {}", left.join(", ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_same_redacted_run_prints_the_same_bytes() {
    for format in FORMATS {
        let args = [
            "diagnose",
            "--snapshot",
            "mocks/hub-spoke-route-missing/snapshot.json",
            "--output",
            format,
            "--redact",
        ];
        let first = run(&args);
        let second = run(&args);
        assert_eq!(stdout(&first), stdout(&second), "{format}");
        assert!(!stdout(&first).is_empty(), "{format}");
    }
}

#[test]
fn plan_redact_reaches_the_same_verdicts_without_the_accounts_ids() {
    let account = "mocks/healthy-endpoints/snapshot.json";
    let originals = originals(&snapshot::load_file(&Path::new(ROOT).join(account)).unwrap());
    let errors = |output: &Output| -> Vec<String> {
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", stderr(output)));
        let mut checks: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["check"], f["severity"]))
            .collect();
        checks.sort();
        checks
    };
    let mut compared = 0;
    for entry in std::fs::read_dir(Path::new(ROOT).join("mocks/plans")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("plan.json").exists() {
            continue;
        }
        let plan = dir.join("plan.json");
        let plan = plan.to_str().unwrap();
        let plain = run(&["plan", plan, "--snapshot", account, "--output", "json"]);
        let redacted = run(&[
            "plan",
            plan,
            "--snapshot",
            account,
            "--output",
            "json",
            "--redact",
        ]);
        assert_eq!(
            redacted.status.code(),
            plain.status.code(),
            "{plan}: {}",
            stderr(&redacted)
        );
        assert_eq!(errors(&redacted), errors(&plain), "{plan}");
        for format in FORMATS.into_iter().filter(|format| *format != "jsonl") {
            let output = run(&[
                "plan",
                plan,
                "--snapshot",
                account,
                "--output",
                format,
                "--redact",
            ]);
            let left = survivors(&without_catalog(format, stdout(&output)), &originals);
            assert!(left.is_empty(), "{plan} {format}: {}", left.join(", "));
        }
        compared += 1;
    }
    assert!(compared >= 5, "the plans were not found");
}
