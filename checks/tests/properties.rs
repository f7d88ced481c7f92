//! No input makes the classifier or the snapshot loader panic.

use std::path::Path;

use ecr_pathcheck_checks::reason::{Category, classify};
use ecr_pathcheck_checks::snapshot;
use proptest::prelude::*;

const REASONS: &[&str] = &[
    "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 54.239.28.85:443: i/o timeout",
    "CannotPullContainerError: The task can\u{2019}t pull the image. Check that the role has the permissions to pull images from the registry.",
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): image Manifest does not contain descriptor matching platform 'linux/amd64'",
];

fn healthy_snapshot() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks/healthy-endpoints/snapshot.json"),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn classifier_never_panics(text in any::<String>()) {
        let result = classify(&text);
        prop_assert!(!result.summary.is_empty());
    }

    #[test]
    fn classifier_survives_truncation_anywhere(which in 0..REASONS.len(), cut in 0usize..400) {
        let text = REASONS[which];
        let end = text.char_indices().map(|(at, _)| at).chain([text.len()]).find(|at| *at >= cut.min(text.len())).unwrap();
        let _ = classify(&format!("{}...", &text[..end]));
    }

    #[test]
    fn quotes_and_case_do_not_change_the_category(which in 0..REASONS.len(), upper in any::<bool>()) {
        let text = REASONS[which];
        let variant = text.replace('\u{2019}', "'");
        let variant = if upper { variant.to_uppercase() } else { variant };
        prop_assert_eq!(classify(text).category, classify(&variant).category);
        prop_assert_ne!(classify(text).category, Category::Unknown);
    }

    #[test]
    fn loader_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = snapshot::from_json(&bytes, Path::new("fuzz.json"));
    }

    #[test]
    fn loader_never_panics_on_mutated_snapshots(position in 0usize..20_000, replacement in "[\\[\\]{}\",:0-9a-z/. -]{0,6}") {
        let text = healthy_snapshot();
        let at = position % text.len();
        let at = (0..=at).rev().find(|at| text.is_char_boundary(*at)).unwrap();
        let mutated = format!("{}{}{}", &text[..at], replacement, &text[at..]);
        if let Ok(snapshot) = snapshot::from_json(mutated.as_bytes(), Path::new("fuzz.json")) {
            // Whatever loads must also diagnose without panicking.
            let _ = ecr_pathcheck_checks::diagnose(&snapshot);
        }
    }
}

#[test]
fn diagnosis_is_deterministic_and_survives_a_round_trip() {
    let loaded = snapshot::from_json(healthy_snapshot().as_bytes(), Path::new("h.json")).unwrap();
    let written = serde_json::to_vec(&loaded).unwrap();
    let reloaded = snapshot::from_json(&written, Path::new("h.json")).unwrap();
    assert_eq!(loaded, reloaded);
    let first = serde_json::to_string(&ecr_pathcheck_checks::diagnose(&loaded)).unwrap();
    let second = serde_json::to_string(&ecr_pathcheck_checks::diagnose(&reloaded)).unwrap();
    assert_eq!(first, second);
}
