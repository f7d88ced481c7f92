//! The handed cases (`mocks/cases/*.json`, schema version 1 snapshots of public reports of pull
//! failures; see `/work/shared/cases/README.md`): each loads through the version 1 → 2
//! migration and gives the verdict its README states.

use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::{Finding, Severity, diagnose, snapshot};

fn case(name: &str) -> (u32, Vec<Finding>) {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mocks/cases")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let loaded = snapshot::from_json_versioned(&bytes, &path).unwrap_or_else(|e| panic!("{e}"));
    // The plain loader reads it too.
    snapshot::load_file(&path).unwrap();
    (loaded.read_version, diagnose(&loaded.snapshot).findings)
}

/// The finding of `check` with `severity` on `flow` whose title and detail name every word.
fn assert_named(
    findings: &[Finding],
    check: &str,
    severity: Severity,
    flow: &str,
    resources: &[&str],
    words: &[&str],
) {
    let found = findings.iter().find(|f| {
        f.check == check
            && f.severity == severity
            && f.flow.map(|flow| flow.id()) == Some(flow)
            && resources
                .iter()
                .all(|r| f.resources.iter().any(|have| have == r))
            && words.iter().all(|w| {
                f.title.contains(w)
                    || f.detail.contains(w)
                    || f.fix
                        .as_ref()
                        .is_some_and(|fix| fix.aws_cli.contains(w) || fix.terraform.contains(w))
            })
    });
    assert!(
        found.is_some(),
        "no {check} {severity:?} on {flow} naming {resources:?} and {words:?}: {findings:#?}"
    );
}

fn errors(findings: &[Finding]) -> Vec<&'static str> {
    let mut checks: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.check)
        .collect();
    checks.dedup();
    checks
}

#[test]
fn dualstack_registry_ipv6_only_egress() {
    let (version, findings) = case("dualstack-registry-ipv6-only-egress.json");
    assert_eq!(version, 1);
    assert_named(
        &findings,
        "PC201",
        Severity::Error,
        "ecr-auth",
        &["rtb-11b1963f2edcde9fd"],
        &[
            "api.ecr.us-east-1.amazonaws.com",
            "registry auth needs IPv4 even for a dual-stack image",
        ],
    );
    for finding in &findings {
        let text = format!("{} {}", finding.title, finding.detail).to_lowercase();
        assert!(
            !(text.contains("outside aws")
                || text.contains("external registry")
                || text.contains("public registry")),
            "{}: {}",
            finding.check,
            finding.title
        );
        assert_ne!(
            finding.flow.map(|f| f.id()),
            Some("external-registry"),
            "{}",
            finding.title
        );
    }
}

#[test]
fn secret_json_key_missing() {
    let (_, findings) = case("secret-json-key-missing.json");
    assert_named(
        &findings,
        "PC607",
        Severity::Error,
        "secrets-manager",
        &["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-oDuwul"],
        &["DB_HOST", "`app`", "put-secret-value", "valueFrom"],
    );
    assert_eq!(errors(&findings), vec!["PC607"]);
    // No network or IAM finding.
    assert!(
        findings
            .iter()
            .all(|f| f.severity == Severity::Info || f.check == "PC607"),
        "{findings:#?}"
    );
}

#[test]
fn docker_hub_rate_limit_sidecar() {
    let (_, findings) = case("docker-hub-rate-limit-sidecar.json");
    assert_named(
        &findings,
        "PC707",
        Severity::Error,
        "external-registry",
        &["arn:aws:ecs:us-east-1:123456789012:task-definition/app:2"],
        &[
            "`datadog-agent`",
            "datadog/agent:7",
            "create-pull-through-cache-rule",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/datadog/agent:7",
            "repositoryCredentials",
        ],
    );
    assert_eq!(errors(&findings), vec!["PC707"]);
}

#[test]
fn s3_endpoint_policy_principal_account() {
    let (_, findings) = case("s3-endpoint-policy-principal-account.json");
    assert_named(
        &findings,
        "PC204",
        Severity::Error,
        "s3-layers",
        &["vpce-53650f5a5c01c5e4c"],
        &[
            "SameAccountOnly",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
            "modify-vpc-endpoint",
        ],
    );
    assert!(
        findings.iter().all(|f| !f.title.starts_with("Cannot tell")),
        "{findings:#?}"
    );
    assert_eq!(errors(&findings), vec!["PC204"]);
}

#[test]
fn image_reference_missing_registry() {
    let (_, findings) = case("image-reference-missing-registry.json");
    assert_named(
        &findings,
        "PC706",
        Severity::Error,
        "external-registry",
        &["arn:aws:ecs:us-east-1:123456789012:task-definition/app:1"],
        &[
            "`app:3f9c2e1`",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:3f9c2e1",
        ],
    );
    assert_eq!(errors(&findings), vec!["PC706"]);
}
