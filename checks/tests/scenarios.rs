//! Every scenario under `mocks/` against its golden report, plus the facts each scenario exists
//! to prove (so blessing a wrong golden cannot pass). `BLESS=1` rewrites the goldens.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::{Severity, diagnose, snapshot};

fn mocks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks")
}

fn scenario_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(mocks())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("snapshot.json").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// (scenario, error checks that must be reported — exactly these —, other checks that must appear)
const EXPECTATIONS: &[(&str, &[&str], &[&str])] = &[
    ("healthy-endpoints", &[], &[]),
    ("s3-prefix-list-egress-missing", &["PC401"], &["PC801"]),
    ("s3-gateway-endpoint-missing", &["PC201"], &["PC801"]),
    ("s3-gateway-not-associated", &["PC301"], &["PC801"]),
    ("ecr-api-endpoint-missing", &["PC201"], &["PC801"]),
    ("private-dns-disabled", &["PC103"], &["PC801"]),
    ("endpoint-sg-no-ingress", &["PC403"], &["PC801"]),
    ("custom-dns", &["PC104"], &["PC801"]),
    ("custom-dns-no-evidence", &[], &["PC104"]),
    ("dns-support-disabled", &["PC101"], &[]),
    ("dns-hostnames-disabled", &["PC102"], &[]),
    ("logs-endpoint-missing", &["PC201"], &["PC801"]),
    ("nacl-blocks-https", &["PC501"], &["PC801"]),
    ("nacl-blocks-ephemeral", &["PC502"], &["PC801"]),
    ("nat-path-healthy", &[], &[]),
    ("nat-without-internet-route", &["PC304"], &["PC801"]),
    ("public-subnet-no-public-ip", &["PC305"], &[]),
    ("endpoint-policy-denies", &["PC204"], &[]),
    ("endpoint-sg-open-to-world", &[], &["PC404"]),
    ("transit-gateway-egress", &[], &["PC306"]),
    ("image-in-other-region", &["PC205", "PC302", "PC402"], &[]),
    (
        "image-in-other-region-replicated-late",
        &["PC205", "PC302", "PC402"],
        &[],
    ),
    (
        "image-in-other-region-replicated",
        &["PC205", "PC302", "PC402"],
        &[],
    ),
    ("network-acls-refused", &[], &["PC901"]),
    ("endpoint-pending", &["PC202"], &[]),
    ("endpoint-single-az", &[], &["PC203"]),
    ("nat-route-blackhole", &["PC303"], &[]),
    ("external-launch-type", &[], &["PC902"]),
    ("ec2-instance-healthy", &[], &[]),
    ("ec2-instance-role-denies", &["PC603"], &["PC801"]),
    ("ec2-instance-no-profile", &["PC606"], &[]),
    ("ec2-instance-sg-no-s3-egress", &["PC401"], &["PC801"]),
    ("legacy-platform", &[], &["PC903"]),
    ("task-definition-missing", &[], &["PC904"]),
    ("reason-already-fixed", &[], &["PC802", "PC801"]),
    ("secrets-endpoint-missing", &["PC201", "PC603"], &["PC801"]),
    ("execution-role-missing", &["PC601"], &["PC801"]),
    ("execution-role-trust", &["PC602"], &[]),
    ("execution-role-denies", &["PC603"], &["PC801"]),
    ("repository-policy-denies", &["PC604"], &[]),
    ("image-tag-missing", &["PC701"], &["PC801"]),
    ("cross-account-repository-unseen", &[], &["PC701", "PC901"]),
    ("cross-account-repository-missing", &["PC701"], &[]),
    (
        "cross-account-repository-policy-403",
        &[],
        &["PC604", "PC701", "PC801", "PC901"],
    ),
    ("simulator-disagrees", &[], &["PC603"]),
    ("pull-through-cache-import-denied", &["PC703"], &[]),
    ("pull-through-cache-ready", &[], &[]),
    ("repository-kms-key-disabled", &["PC704"], &[]),
    ("secret-kms-decrypt-denied", &["PC605"], &[]),
    (
        "secret-kms-key-policy-excludes-role",
        &["PC605"],
        &["PC801"],
    ),
    ("secret-kms-key-policy-grants-role", &[], &[]),
    ("logs-create-group-denied", &["PC603"], &["PC801"]),
    ("execution-role-boundary-denies", &["PC603"], &["PC801"]),
    (
        "external-registry-private-subnet",
        &["PC201", "PC205", "PC302", "PC402"],
        &[],
    ),
    ("image-platform-mismatch", &["PC702"], &["PC801"]),
    ("registry-rate-limit-sidecar", &["PC707"], &["PC801"]),
    ("secret-json-key-missing", &["PC607"], &["PC801"]),
    ("image-digest-expired", &["PC705"], &["PC801"]),
    ("image-bare-name-own-repository", &["PC706"], &["PC801"]),
    ("exec-format-error-platform-unknown", &[], &["PC702"]),
    ("ephemeral-storage-too-small", &["PC708"], &["PC801"]),
    (
        "dualstack-registry-ipv6-only-egress",
        &["PC201"],
        &["PC302", "PC801"],
    ),
    (
        "s3-endpoint-policy-principal-account",
        &["PC204"],
        &["PC801"],
    ),
];

#[test]
fn every_scenario_matches_its_golden_report() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
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
            Ok(_) => failures.push(format!(
                "{name}: report differs from expected.json (review, then BLESS=1)"
            )),
            Err(_) => failures.push(format!("{name}: no expected.json (run with BLESS=1)")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (scenario, check, words its finding must contain): the deciding statement or resource named.
const NAMED_CAUSES: &[(&str, &str, &str)] = &[
    (
        "ec2-instance-role-denies",
        "PC603",
        "for role arn:aws:iam::111122223333:role/ecsInstanceRole, no statement",
    ),
    (
        "ec2-instance-no-profile",
        "PC606",
        "the instance has no IAM instance profile",
    ),
    ("ec2-instance-sg-no-s3-egress", "PC401", "sg-instances"),
    (
        "cross-account-repository-missing",
        "PC701",
        "ECR answered RepositoryNotFoundException for arn:aws:ecr:us-east-1:444455556666:repository/shared-web",
    ),
    (
        "logs-create-group-denied",
        "PC603",
        "CloudWatch Logs needs logs:CreateLogGroup on arn:aws:logs:us-east-1:111122223333:log-group:/ecs/web:*",
    ),
    (
        "execution-role-boundary-denies",
        "PC603",
        "the permissions boundary arn:aws:iam::111122223333:policy/logs-only-boundary (it does not allow the action) denies it",
    ),
    (
        "external-registry-private-subnet",
        "PC201",
        "reads secret arn:aws:secretsmanager:us-east-1:111122223333:secret:ghcr-token-Q1w2E3",
    ),
    (
        "image-in-other-region",
        "PC205",
        "has 0 rule(s), none with destination us-east-1 that covers web",
    ),
    (
        "image-in-other-region-replicated-late",
        "PC205",
        "ECR replicates only images pushed after the rule was created",
    ),
    (
        "secret-kms-decrypt-denied",
        "PC605",
        "statement `Enable IAM User Permissions` of the key policy",
    ),
    (
        "secret-kms-key-policy-excludes-role",
        "PC605",
        "names neither the role nor its account (arn:aws:iam::111122223333:root)",
    ),
    (
        "registry-rate-limit-sidecar",
        "PC707",
        "container `datadog-agent`, image datadog/agent:7",
    ),
    (
        "secret-json-key-missing",
        "PC607",
        "container `web` sets DB_HOST from valueFrom arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/web/db-oDuwul:DB_HOST::",
    ),
    ("image-digest-expired", "PC705", "none with that digest"),
    (
        "image-digest-expired",
        "PC705",
        "The repository's lifecycle policy expires it: rulePriority 1 (\"Expire untagged images after 7 days\"), tagStatus untagged, sinceImagePushed 7 days, action expire",
    ),
    (
        "image-bare-name-own-repository",
        "PC706",
        "the account's ECR repository arn:aws:ecr:us-east-1:111122223333:repository/web holds 1.4.2",
    ),
    (
        "exec-format-error-platform-unknown",
        "PC702",
        "its binaries are for another architecture than linux/amd64",
    ),
    (
        "ephemeral-storage-too-small",
        "PC708",
        "more than the 20 GiB of Fargate's default ephemeral storage",
    ),
    (
        "dualstack-registry-ipv6-only-egress",
        "PC201",
        "Registry auth needs IPv4 even for a dual-stack image",
    ),
    (
        "s3-endpoint-policy-principal-account",
        "PC204",
        "Layer downloads are presigned URLs that ECR's own service signs",
    ),
    ("image-in-other-region", "PC205", "eu-west-1"),
    (
        "cross-account-repository-policy-403",
        "PC604",
        "own policies allow ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage on arn:aws:ecr:us-east-1:444455556666:repository/shared-web, so the refusal comes from the repository's side",
    ),
];

#[test]
fn findings_name_the_statement_or_resource_that_decides() {
    for (name, check, words) in NAMED_CAUSES {
        let snapshot = snapshot::load_file(&mocks().join(name).join("snapshot.json")).unwrap();
        let report = diagnose(&snapshot);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == *check && f.detail.contains(words)),
            "{name}: no {check} finding saying `{words}`"
        );
    }
}

#[test]
fn every_scenario_proves_what_it_is_named_for() {
    let names = scenario_names();
    for (name, _, _) in EXPECTATIONS {
        assert!(
            names.contains(&name.to_string()),
            "expectation for missing scenario {name}"
        );
    }
    for name in &names {
        let (_, errors, others) = EXPECTATIONS
            .iter()
            .find(|(scenario, _, _)| scenario == name)
            .unwrap_or_else(|| panic!("scenario {name} has no expectation"));
        let snapshot = snapshot::load_file(&mocks().join(name).join("snapshot.json")).unwrap();
        let report = diagnose(&snapshot);
        let actual_errors: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.check)
            .collect();
        let expected_errors: BTreeSet<&str> = errors.iter().copied().collect();
        assert_eq!(actual_errors, expected_errors, "{name}: error checks");
        assert_eq!(
            report.has_errors(),
            !errors.is_empty(),
            "{name}: exit status"
        );
        for check in *others {
            assert!(
                report.findings.iter().any(|f| f.check == *check),
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
            assert!(
                fix.aws_cli.starts_with("aws ") || fix.aws_cli.starts_with('#'),
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
