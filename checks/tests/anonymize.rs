//! `--redact` over every scenario under `mocks/`: the anonymized snapshot loads (it passes the
//! loader's validation), gives the same verdicts, is the same on every run, and keeps none of
//! the original account ids, resource ids, names or private addresses, neither in the snapshot
//! nor in the engine's report. The originals are gathered here independently of the anonymizer:
//! every 12-digit token, every token shaped like a resource id, UUID or task id, every private
//! IPv4 address and block, and the names that the snapshot's name fields hold.

use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::snapshot::{self, Snapshot, anonymize::anonymize};
use ecr_pathcheck_checks::{Report, diagnose};

mod originals;
use originals::{originals, survivors};

fn mocks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks")
}

fn scenarios() -> Vec<(String, Snapshot)> {
    let mut names: Vec<String> = std::fs::read_dir(mocks())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("snapshot.json").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() > 50, "the scenarios were not found");
    names
        .into_iter()
        .map(|name| {
            let snapshot = snapshot::load_file(&mocks().join(&name).join("snapshot.json"))
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            (name, snapshot)
        })
        .collect()
}

/// What a diagnosis decides, without the names: per target its verdict and its findings'
/// checks and severities, then the account's findings; sorted, as a multiset.
fn verdicts(report: &Report) -> (bool, bool, Vec<String>) {
    let mut targets: Vec<String> = report
        .targets
        .iter()
        .map(|target| {
            let mut checks: Vec<String> = report
                .findings
                .iter()
                .filter(|finding| finding.target.as_deref() == Some(target.target.as_str()))
                .map(|finding| format!("{}:{:?}", finding.check, finding.severity))
                .collect();
            checks.sort();
            format!(
                "{:?} {:?} {} flows: {}",
                target.kind,
                target.verdict,
                target.flows.len(),
                checks.join(",")
            )
        })
        .collect();
    let mut account: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| finding.target.is_none())
        .map(|finding| format!("{}:{:?}", finding.check, finding.severity))
        .collect();
    account.sort();
    targets.push(format!("account: {}", account.join(",")));
    targets.sort();
    (report.has_errors(), report.is_undecided(), targets)
}

#[test]
fn no_original_identity_survives_in_the_snapshot_or_the_report() {
    let mut failures = Vec::new();
    for (name, original) in scenarios() {
        let originals = originals(&original);
        assert!(
            originals.iter().any(|(_, what)| *what == "account"),
            "{name}: no account id gathered"
        );
        let redacted = anonymize(&original);
        let snapshot_text = serde_json::to_string_pretty(&redacted).unwrap();
        let report_text = serde_json::to_string_pretty(&diagnose(&redacted)).unwrap();
        for (what, text) in [("snapshot", &snapshot_text), ("report", &report_text)] {
            let left = survivors(text, &originals);
            if !left.is_empty() {
                failures.push(format!("{name} ({what}): {}", left.join(", ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "originals survive:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_redacted_snapshot_loads_and_gives_the_same_verdicts() {
    let mut failures = Vec::new();
    for (name, original) in scenarios() {
        let redacted = anonymize(&original);
        let text = serde_json::to_vec_pretty(&redacted).unwrap();
        let reloaded = match snapshot::from_json(&text, Path::new("redacted.json")) {
            Ok(reloaded) => reloaded,
            Err(error) => {
                failures.push(format!(
                    "{name}: the redacted snapshot does not load: {error}"
                ));
                continue;
            }
        };
        assert_eq!(
            reloaded, redacted,
            "{name}: loading changes the redacted snapshot"
        );
        let before = verdicts(&diagnose(&original));
        let after = verdicts(&diagnose(&reloaded));
        if before != after {
            failures.push(format!(
                "{name}:\n  plain    {before:?}\n  redacted {after:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn redacting_is_deterministic_and_a_redacted_snapshot_keeps_its_verdicts_when_redacted_again() {
    for (name, original) in scenarios() {
        let once = serde_json::to_string(&anonymize(&original)).unwrap();
        let again = serde_json::to_string(&anonymize(&original)).unwrap();
        assert_eq!(once, again, "{name}: two runs differ");
        let twice = anonymize(&anonymize(&original));
        assert_eq!(
            verdicts(&diagnose(&original)),
            verdicts(&diagnose(&twice)),
            "{name}: redacting twice changes the verdicts"
        );
    }
}
