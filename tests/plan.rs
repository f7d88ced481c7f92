//! `ecr-pathcheck plan` as CI runs it: every scenario of mocks/plans against the account of
//! mocks/healthy-endpoints, its exit code and golden JSON report (`BLESS=1` rewrites them),
//! SARIF validated against the SARIF 2.1.0 schema, JUnit XML, the README's CI commands, and one
//! line with exit 2 for every bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;
use support::{assert_one_line_error, stderr, stdout};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const ACCOUNT: &str = "mocks/healthy-endpoints/snapshot.json";

/// (scenario, exit code, the error checks it must report, addresses that must be named).
const SCENARIOS: &[(&str, i32, &[&str], &[&str])] = &[
    (
        "narrow-egress",
        1,
        &["PC401"],
        &["aws_security_group.tasks"],
    ),
    ("narrow-egress-with-prefix-list", 0, &[], &[]),
    (
        "delete-s3-endpoint",
        1,
        &["PC201"],
        &["aws_vpc_endpoint.s3"],
    ),
    ("keep-s3-endpoint", 0, &[], &[]),
    (
        "module-nested",
        1,
        &["PC401"],
        &[
            "module.app.aws_security_group.tasks",
            "module.app.aws_vpc_security_group_egress_rule.s3",
        ],
    ),
    ("module-nested-healthy", 0, &[], &[]),
    ("first-apply", 3, &[], &[]),
];

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"));
    command.current_dir(ROOT);
    command
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

fn plan_path(scenario: &str) -> String {
    format!("mocks/plans/{scenario}/plan.json")
}

fn check_plan(scenario: &str, format: &str) -> Output {
    run(&[
        "plan",
        &plan_path(scenario),
        "--snapshot",
        ACCOUNT,
        "--output",
        format,
    ])
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ecr-pathcheck-plan-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn each_scenario_is_caught_or_passes_with_its_golden_report() {
    let bless = std::env::var_os("BLESS").is_some();
    for (scenario, code, checks, addresses) in SCENARIOS {
        let output = check_plan(scenario, "json");
        assert_eq!(
            output.status.code(),
            Some(*code),
            "{scenario}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).is_empty(),
            "{scenario}: {}",
            stderr(&output)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let findings = report["findings"].as_array().unwrap();
        let mut errors: Vec<&str> = findings
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["check"].as_str().unwrap())
            .collect();
        errors.sort();
        errors.dedup();
        assert_eq!(&errors, checks, "{scenario}");
        for address in *addresses {
            assert!(
                findings.iter().any(|f| f["severity"] == "error"
                    && f["resources"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r == address)),
                "{scenario}: no error names {address}"
            );
        }
        let golden = Path::new(ROOT)
            .join("mocks/plans")
            .join(scenario)
            .join("expected.json");
        let text = stdout(&output);
        if bless {
            std::fs::write(&golden, &text).unwrap();
        } else {
            let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
                panic!(
                    "{}: missing; run BLESS=1 cargo test --test plan",
                    golden.display()
                )
            });
            assert_eq!(
                text,
                expected,
                "{scenario}: the report differs from {}",
                golden.display()
            );
        }
    }
}

#[test]
fn markdown_and_table_name_the_addresses() {
    let output = check_plan("module-nested", "markdown");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.starts_with("# ecr-pathcheck: Terraform plan check"),
        "{text}"
    );
    assert!(
        text.contains("`module.app.aws_vpc_security_group_egress_rule.s3`"),
        "{text}"
    );
    assert!(
        text.contains(
            "```hcl\n# for module.app.aws_security_group.tasks in module.app (modules/app/)"
        ),
        "{text}"
    );
    let output = check_plan("first-apply", "markdown");
    assert!(stdout(&output).contains("## Known only after apply"));
    let output = check_plan("narrow-egress", "table");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("Terraform plan (format 1.2, Terraform 1.9.8): "));
    assert!(stdout(&output).contains("aws_security_group.tasks"));
}

/// Validates with Python's `jsonschema` (draft 4, as the schema declares): the test build
/// adds no Rust dependency that could change the AWS SDK's features.
fn validate_sarif(text: &str) -> Result<(), String> {
    let dir = temp_dir("sarif");
    let log = dir.join("log.sarif");
    std::fs::write(&log, text).unwrap();
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\nlog=json.load(open(sys.argv[2]))\nerrors=sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)\nfor e in errors[:5]: print(list(e.absolute_path), e.message)\nsys.exit(1 if errors else 0)\n";
    let output = Command::new(support::python())
        .arg("-c")
        .arg(script)
        .arg(Path::new(ROOT).join("mocks/plans/sarif-schema-2.1.0.json"))
        .arg(&log)
        .output()
        .expect("the Python of the emulator runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", stdout(&output), stderr(&output)))
    }
}

#[test]
fn sarif_validates_against_the_schema_and_points_at_the_tf_files() {
    for (scenario, code, checks, _) in SCENARIOS {
        let output = check_plan(scenario, "sarif");
        assert_eq!(output.status.code(), Some(*code), "{scenario}");
        let text = stdout(&output);
        validate_sarif(&text).unwrap_or_else(|e| panic!("{scenario}: invalid SARIF: {e}"));
        let log: serde_json::Value = serde_json::from_str(&text).unwrap();
        let run = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), ecr_pathcheck_rule_count());
        assert!(
            rules
                .iter()
                .all(|r| r["help"]["text"].as_str().unwrap().contains("## Fix"))
        );
        for check in *checks {
            assert!(
                run["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["ruleId"] == *check
                        && r["level"] == "error"
                        && r["partialFingerprints"]["ecrPathcheckFinding/v1"]
                            .as_str()
                            .is_some_and(|f| f.len() == 16)),
                "{scenario}: no {check} result"
            );
        }
    }
    let output = check_plan("narrow-egress", "sarif");
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let result = &log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "PC401")
        .unwrap()
        .clone();
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "mocks/plans/narrow-egress/main.tf"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 17);
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "aws_security_group.tasks"
    );
    let output = check_plan("module-nested", "sarif");
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let uri = &log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "PC401")
        .unwrap()["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "mocks/plans/module-nested/modules/app/main.tf");
    // Stable across runs.
    assert_eq!(check_plan("module-nested", "sarif").stdout, output.stdout);
    // diagnose writes SARIF too (no plan, so no file locations).
    let output = run(&[
        "diagnose",
        "--snapshot",
        "mocks/s3-prefix-list-egress-missing/snapshot.json",
        "--output",
        "sarif",
    ]);
    assert_eq!(output.status.code(), Some(1));
    validate_sarif(&stdout(&output)).unwrap();
}

fn ecr_pathcheck_rule_count() -> usize {
    let output = run(&["rule", "--output", "json"]);
    serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn junit_fails_the_blocking_checks_and_parses() {
    let output = check_plan("narrow-egress", "junit");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ecr-pathcheck\""
    ));
    assert!(text.contains("<failure type=\"PC401\""), "{text}");
    let dir = temp_dir("junit");
    std::fs::write(dir.join("report.xml"), &text).unwrap();
    let parsed = Command::new("python3")
        .arg("-c")
        .arg("import sys,xml.etree.ElementTree as E\nr=E.parse(sys.argv[1]).getroot()\nprint(r.get('tests'), r.get('failures'), len(r.findall('.//testcase')), len(r.findall('.//failure')))")
        .arg(dir.join("report.xml"))
        .output()
        .unwrap();
    assert!(parsed.status.success(), "{}", stderr(&parsed));
    let numbers: Vec<usize> = stdout(&parsed)
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(numbers[0], numbers[2], "tests = testcases");
    assert_eq!(numbers[1], numbers[3], "failures = failure elements");
    assert!(numbers[1] >= 1);
    let output = check_plan("narrow-egress-with-prefix-list", "junit");
    assert_eq!(output.status.code(), Some(0));
    assert!(!stdout(&output).contains("<failure"));
}

#[test]
fn the_plan_can_come_from_standard_input() {
    let mut child = binary()
        .args(["plan", "-", "--snapshot", ACCOUNT, "--output", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let text = std::fs::read(Path::new(ROOT).join(plan_path("narrow-egress"))).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &text).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "plan".into(),
                "no/such/plan.json".into(),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "does not exist",
        ),
        (
            vec![
                "plan".into(),
                write("bad.json", "{\"format_version\": "),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "is not valid JSON",
        ),
        (
            vec![
                "plan".into(),
                "mocks/plans/shapes/format-0.1.json".into(),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "format_version \"0.1\"",
        ),
        (
            vec![
                "plan".into(),
                write(
                    "v2.json",
                    "{\"format_version\":\"2.0\",\"planned_values\":{}}",
                ),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "reads major version 1",
        ),
        (
            vec![
                "plan".into(),
                write("state.json", "{\"format_version\":\"1.0\",\"values\":{}}"),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "state rather than",
        ),
        (
            vec![
                "plan".into(),
                write("array.json", "[1]"),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "is an array",
        ),
        (
            vec![
                "plan".into(),
                write(
                    "changes.json",
                    "{\"format_version\":\"1.2\",\"resource_changes\":{}}",
                ),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "not an array",
        ),
        (
            vec![
                "plan".into(),
                write(
                    "actions.json",
                    "{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"a.b\",\"type\":\"a\",\"name\":\"b\",\"change\":{\"actions\":[\"explode\"]}}]}",
                ),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "unknown actions",
        ),
        (
            vec![
                "plan".into(),
                dir.to_string_lossy().into_owned(),
                "--snapshot".into(),
                ACCOUNT.into(),
            ],
            "not a regular file",
        ),
        (
            vec!["plan".into(), plan_path("narrow-egress")],
            "--snapshot FILE",
        ),
        (
            vec![
                "plan".into(),
                plan_path("narrow-egress"),
                "--snapshot".into(),
                "no/such/snapshot.json".into(),
            ],
            "does not exist",
        ),
        (
            vec![
                "explain".into(),
                "x".into(),
                "--output".into(),
                "sarif".into(),
            ],
            "--output sarif and junit",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_one_line_error(&run(&args), expected);
    }
    // Deep nesting is refused by the JSON parser, not by a stack overflow.
    let deep = format!(
        "{{\"format_version\":\"1.2\",\"planned_values\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_one_line_error(
        &run(&["plan", &write("deep.json", &deep), "--snapshot", ACCOUNT]),
        "is not valid JSON",
    );
}

/// The `ecr-pathcheck plan` commands of the README's CI section, run as written in a directory
/// holding `plan.json` (a plan) and `account.json` (a snapshot).
#[test]
fn the_readme_ci_commands_run_as_written() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let section = readme
        .split("<!-- plan-ci:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- plan-ci:end -->").next())
        .expect("README.md has the plan-ci section");
    let commands: Vec<&str> = section
        .lines()
        .map(|line| {
            line.trim()
                .trim_start_matches("- run: ")
                .trim_start_matches("- ")
                .trim()
        })
        .filter(|line| line.starts_with("ecr-pathcheck plan "))
        .collect();
    assert!(commands.len() >= 3, "{commands:?}");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ecr-pathcheck"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (scenario, code) in [("narrow-egress-with-prefix-list", 0), ("narrow-egress", 1)] {
        let dir = temp_dir(&format!("readme-{scenario}"));
        std::fs::copy(
            Path::new(ROOT).join(plan_path(scenario)),
            dir.join("plan.json"),
        )
        .unwrap();
        std::fs::copy(Path::new(ROOT).join(ACCOUNT), dir.join("account.json")).unwrap();
        for command in &commands {
            let output = Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(&dir)
                .env("PATH", &path)
                .output()
                .unwrap();
            assert_eq!(
                output.status.code(),
                Some(code),
                "{scenario}: {command}: {}",
                stderr(&output)
            );
        }
        if let Ok(sarif) = std::fs::read_to_string(dir.join("ecr-pathcheck.sarif")) {
            validate_sarif(&sarif).unwrap();
        }
    }
}

/// As for `diagnose`: with checks left out by --select and failed reads in the account, a plan
/// with no error is undecided (exit 3), never a clean bill; and a plan is one account's.
#[test]
fn a_partial_selection_over_failed_reads_is_undecided_and_sweeps_are_refused() {
    let mut account: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/{ACCOUNT}")).unwrap())
            .unwrap();
    account["gaps"] = serde_json::json!([{
        "api": "ec2:DescribeNetworkAcls",
        "error_code": "UnauthorizedOperation",
        "message": "You are not authorized to perform this operation."
    }]);
    let dir = temp_dir("partial");
    let path = dir.join("account.json");
    std::fs::write(&path, account.to_string()).unwrap();
    let plan = plan_path("keep-s3-endpoint");
    let whole = run(&["plan", &plan, "--snapshot", path.to_str().unwrap()]);
    let partial = run(&[
        "plan",
        &plan,
        "--snapshot",
        path.to_str().unwrap(),
        "--select",
        "PC401",
    ]);
    assert_eq!(
        partial.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&partial.stderr)
    );
    // Every check run: the tables were read after all (the gap is of an older attempt), so 0.
    assert_eq!(whole.status.code(), Some(0));
    let sweep = run(&[
        "plan",
        &plan,
        "--cluster",
        "prod",
        "--regions",
        "us-east-1,eu-west-1",
    ]);
    assert_eq!(sweep.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&sweep.stderr).contains("a plan applies to one account and region")
    );
}
