//! Meta-tests over the check registry: nothing is typed twice, nothing is undocumented or
//! untested. `BLESS=1` regenerates `docs/checks/` from the doc comments.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::rules::{all, lookup};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn ids_and_names_are_unique_and_well_formed() {
    let ids: BTreeSet<&str> = all().iter().map(|check| check.id).collect();
    let names: BTreeSet<&str> = all().iter().map(|check| check.name).collect();
    assert_eq!(ids.len(), all().len(), "duplicate check id");
    assert_eq!(names.len(), all().len(), "duplicate check name");
    for check in all() {
        assert!(
            check.id.len() == 5
                && check.id.starts_with("PC")
                && check.id[2..].chars().all(|c| c.is_ascii_digit()),
            "{}",
            check.id
        );
        assert!(
            check
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
            "{}",
            check.name
        );
        assert_eq!(lookup(check.id).map(|c| c.name), Some(check.name));
        assert_eq!(
            lookup(&check.name.to_uppercase()).map(|c| c.id),
            Some(check.id)
        );
    }
    let mut sorted: Vec<&str> = all().iter().map(|check| check.id).collect();
    sorted.sort();
    assert_eq!(
        sorted,
        all().iter().map(|check| check.id).collect::<Vec<_>>(),
        "all() is in id order"
    );
}

#[test]
fn every_check_documents_the_four_sections() {
    for check in all() {
        for section in [
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Fix",
        ] {
            assert!(
                check.documentation.contains(section),
                "{} lacks `{section}`",
                check.id
            );
        }
    }
}

#[test]
fn docs_folder_matches_the_doc_comments() {
    let folder = repo().join("docs/checks");
    let bless = std::env::var_os("BLESS").is_some();
    let mut index = String::from(
        "# Checks\n\nGenerated from the checks' doc comments (`BLESS=1 cargo test -p ecr-pathcheck-checks --test catalog`).\n\n| check | name | severity |\n|---|---|---|\n",
    );
    for check in all() {
        let file = folder.join(format!("{}-{}.md", check.id, check.name));
        index.push_str(&format!(
            "| [{}]({}-{}.md) | `{}` | {} |\n",
            check.id,
            check.id,
            check.name,
            check.name,
            check.severity.as_str()
        ));
        if bless {
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(&file, check.markdown()).unwrap();
        } else {
            let on_disk = std::fs::read_to_string(&file).unwrap_or_default();
            assert_eq!(
                on_disk,
                check.markdown(),
                "{} is stale: run with BLESS=1",
                file.display()
            );
        }
    }
    let index_file = folder.join("README.md");
    if bless {
        std::fs::write(&index_file, &index).unwrap();
    } else {
        assert_eq!(
            std::fs::read_to_string(&index_file).unwrap_or_default(),
            index,
            "docs/checks/README.md is stale"
        );
    }
    let listed: BTreeSet<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = all()
        .iter()
        .map(|check| format!("{}-{}.md", check.id, check.name))
        .chain(["README.md".to_string()])
        .collect();
    assert_eq!(
        listed, expected,
        "docs/checks holds a file for a check that no longer exists"
    );
}

#[test]
fn every_check_is_exercised_by_a_scenario() {
    let mut seen = String::new();
    for entry in std::fs::read_dir(repo().join("mocks")).unwrap() {
        let golden = entry.unwrap().path().join("expected.json");
        seen.push_str(&std::fs::read_to_string(golden).unwrap_or_default());
    }
    for check in all() {
        assert!(
            seen.contains(&format!("\"check\": \"{}\"", check.id)),
            "{} {} appears in no scenario golden",
            check.id,
            check.name
        );
    }
}

/// Every check declared in `checks/src/rules/` runs from a table of `rules/registry.rs` or is
/// listed there as reported by others: a check declared but never run fails here.
#[test]
fn every_declared_check_is_registered() {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let registered: BTreeSet<&str> = all().iter().map(|check| check.id).collect();
    let mut declared = BTreeSet::new();
    for entry in std::fs::read_dir(rules).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (at, _) in text.match_indices("static CHECK = (\"") {
            let id = &text[at + "static CHECK = (\"".len()..][..5];
            declared.insert(id.to_string());
        }
    }
    assert!(
        declared.len() > 40,
        "found only {} declarations",
        declared.len()
    );
    let declared: BTreeSet<&str> = declared.iter().map(String::as_str).collect();
    assert_eq!(declared, registered);
}
