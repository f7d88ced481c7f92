//! The live collector against a real AWS API emulator (moto, over HTTP), started and stopped
//! by these tests. Each scenario of `mocks/` is built as API state by `mocks/live/seed.py`; the
//! live diagnosis must find what the offline diagnosis of the scenario's snapshot finds.
//!
//! Needs `python3`: `mocks/live/ensure_emulator.py` finds `moto[server]` 5.2.1 and `boto3` in
//! it, or installs them once into a virtual environment under the target directory.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

mod support;
use support::{assert_one_line_error, python};

/// Why the emulator cannot hold `scenario`, if it cannot: the `live_skip` of its declaration
/// (`mocks/NAME/scenario.json`, written from its `@scenario(...)` in `mocks/build_scenarios.py`).
/// The offline goldens and the SDK mock tests in `src/collect/` cover those.
fn live_skip(scenario: &str) -> Option<String> {
    let path = root().join("mocks").join(scenario).join("scenario.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}: declare the scenario in mocks/build_scenarios.py",
            path.display()
        )
    });
    let declaration: Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    match &declaration["live_skip"] {
        Value::Null => None,
        Value::String(reason) if !reason.trim().is_empty() => Some(reason.clone()),
        other => panic!("{}: live_skip is {other}", path.display()),
    }
}

const ACCOUNT: &str = "111122223333";

/// Scenarios whose image is in another account's registry, read with a role of that account
/// (the emulator acts in the account a role is assumed into).
const READ_AS_OWNER: &[&str] = &[
    "repository-policy-denies",
    "cross-account-repository-missing",
];
const REGISTRY_ROLE: &str = "444455556666=arn:aws:iam::444455556666:role/ecr-pathcheck-reader";

struct Emulator {
    child: Child,
    endpoint: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Emulator {
    fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// moto without the actions `emulator.py` adds (`--stock`): what other emulators, partitions
    /// and regions without those APIs give the product.
    fn start_stock() -> Emulator {
        Emulator::start_with(&["--stock"])
    }

    fn start_with(options: &[&str]) -> Emulator {
        let port = free_port();
        let mut child = Command::new(python())
            .arg(root().join("mocks/live/emulator.py"))
            .arg(port.to_string())
            .args(options)
            .env("MOTO_ACCOUNT_ID", ACCOUNT)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 must be installed to run the live tests");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let first = BufReader::new(stdout).lines().next().and_then(Result::ok);
            let _ = sender.send(first);
        });
        let ready = receiver
            .recv_timeout(Duration::from_secs(90))
            .ok()
            .flatten();
        let emulator = Emulator {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        assert_eq!(
            ready.as_deref(),
            Some("ready"),
            "the emulator did not start: pip install 'moto[server]' boto3"
        );
        emulator
    }

    fn reset(&self) {
        let status = Command::new(python())
            .args(["-c", "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/reset', method='POST')).read()"])
            .arg(&self.endpoint)
            .status()
            .unwrap();
        assert!(status.success(), "reset failed");
    }

    /// Seeds a scenario and returns the map from its ids to moto's.
    fn seed(&self, scenario: &str) -> Value {
        self.seed_file(Path::new(&snapshot_path(scenario)))
    }

    /// Seeds any snapshot file (after a reset) and returns the map from its ids to moto's.
    fn seed_file(&self, snapshot: &Path) -> Value {
        self.reset();
        let output = Command::new(python())
            .arg(root().join("mocks/live/seed.py"))
            .arg(&self.endpoint)
            .arg(snapshot)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "seeding {} failed: {}",
            snapshot.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        run_against(&self.endpoint, args)
    }
}

fn run_against(endpoint: &str, args: &[&str]) -> Output {
    with_test_credentials(Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck")), endpoint)
        .args(args)
        .output()
        .unwrap()
}

/// The emulator's endpoint, its test keys and region, and no profile.
fn with_test_credentials(mut command: Command, endpoint: &str) -> Command {
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE");
    command
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot_path(scenario: &str) -> String {
    root()
        .join("mocks")
        .join(scenario)
        .join("snapshot.json")
        .to_string_lossy()
        .into_owned()
}

fn offline(scenario: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"))
        .args([
            "diagnose",
            "--snapshot",
            &snapshot_path(scenario),
            "--output",
            "json",
        ])
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// What a diagnosis found, without ids (moto assigns its own): target, check, severity, flow.
fn findings(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            let target = finding["target"].as_str().unwrap_or_default();
            let target = if target.contains(":task/") {
                "task"
            } else {
                target.rsplit('/').next().unwrap()
            };
            (
                target.to_string(),
                finding["check"].as_str().unwrap().to_string(),
                finding["severity"].as_str().unwrap().to_string(),
                finding["flow"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("mocks"))
        .unwrap()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            path.join("snapshot.json").exists().then_some(name)
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_scenario_the_emulator_can_hold_diagnoses_live_as_offline() {
    let emulator = Emulator::start();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for scenario in scenarios() {
        if live_skip(&scenario).is_some() {
            continue;
        }
        emulator.seed(&scenario);
        let mut args = vec!["diagnose", "--cluster", "prod", "--output", "json"];
        if READ_AS_OWNER.contains(&scenario.as_str()) {
            args.extend(["--registry-role", REGISTRY_ROLE]);
        }
        let live = emulator.run(&args);
        let offline = offline(&scenario);
        assert_eq!(
            live.status.code(),
            offline.status.code(),
            "{scenario}: exit codes differ; stderr {}",
            String::from_utf8_lossy(&live.stderr)
        );
        let (live, offline) = (findings(&json(&live)), findings(&json(&offline)));
        if live != offline {
            mismatches.push(format!(
                "{scenario}: live only {:?}, offline only {:?}",
                live.difference(&offline).collect::<Vec<_>>(),
                offline.difference(&live).collect::<Vec<_>>()
            ));
        }
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} scenarios compared");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// `--network-role` is assumed at start (moto's STS gives credentials in that account); an
/// account whose subnets are its own never uses it, and reads the same. moto cannot share a
/// subnet across accounts (see `SHARED_SKIP` in mocks/build_scenarios.py), so the shared read
/// itself is tested against scripted clients in `src/collect/tests.rs`.
#[test]
fn a_network_role_is_assumed_and_unused_for_the_callers_own_subnets() {
    let emulator = Emulator::start();
    emulator.seed("healthy-endpoints");
    let plain = emulator.run(&["diagnose", "--cluster", "prod", "--output", "json"]);
    let with_role = emulator.run(&[
        "diagnose",
        "--cluster",
        "prod",
        "--output",
        "json",
        "--network-role",
        "444455556666=arn:aws:iam::444455556666:role/network-reader",
    ]);
    assert_eq!(
        with_role.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&with_role.stderr)
    );
    assert_eq!(findings(&json(&plain)), findings(&json(&with_role)));
}

#[test]
fn task_service_and_snapshot_commands_read_the_same_account() {
    let emulator = Emulator::start();
    let ids = emulator.seed("s3-prefix-list-egress-missing");
    let task_arn = ids
        .as_object()
        .unwrap()
        .iter()
        .find(|(key, _)| key.contains(":task/"))
        .map(|(_, value)| value.as_str().unwrap().to_string())
        .expect("the scenario has a stopped task");

    let task = emulator.run(&["diagnose", "--task-arn", &task_arn, "--output", "json"]);
    assert_eq!(
        task.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&task.stderr)
    );
    let report = json(&task);
    assert_eq!(report["targets"][0]["kind"], "task");
    assert_eq!(report["targets"][0]["target"], task_arn.as_str());
    let checks: BTreeSet<String> = findings(&report)
        .into_iter()
        .map(|finding| finding.1)
        .collect();
    assert!(
        checks.contains("PC401") && checks.contains("PC801"),
        "{checks:?}"
    );

    let service = emulator.run(&[
        "diagnose",
        "--cluster",
        "prod",
        "--service",
        "web",
        "--output",
        "json",
    ]);
    assert_eq!(service.status.code(), Some(1));
    let service = json(&service);
    assert_eq!(service["summary"]["targets"], 1);
    assert_eq!(
        findings(&service),
        findings(&json(&offline("s3-prefix-list-egress-missing")))
    );

    let file = std::env::temp_dir().join(format!("ecr-pathcheck-live-{}.json", std::process::id()));
    let written = emulator.run(&[
        "snapshot",
        "--cluster",
        "prod",
        "--service",
        "web",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let replay = emulator.run(&[
        "diagnose",
        "--snapshot",
        file.to_str().unwrap(),
        "--output",
        "json",
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(replay.status.code(), Some(1));
    let mut replayed = json(&replay);
    let mut live = service;
    // Identical reports, findings and evidence included, once the collection time is set aside.
    replayed["summary"].take();
    live["summary"].take();
    assert_eq!(replayed, live);
}

#[test]
fn unknown_targets_and_regions_are_one_line_errors() {
    let emulator = Emulator::start();
    emulator.seed("healthy-endpoints");
    assert_one_line_error(
        &emulator.run(&["diagnose", "--cluster", "nope"]),
        "cluster nope not found",
    );
    assert_one_line_error(
        &emulator.run(&["diagnose", "--cluster", "prod", "--service", "nope"]),
        "service nope not found in cluster prod",
    );
    let unknown_task =
        format!("arn:aws:ecs:us-east-1:{ACCOUNT}:task/prod/0123456789abcdef0123456789abcdef");
    assert_one_line_error(
        &emulator.run(&["diagnose", "--task-arn", &unknown_task]),
        "task 0123456789abcdef0123456789abcdef not found in cluster prod",
    );
    assert_one_line_error(
        &emulator.run(&[
            "diagnose",
            "--cluster",
            "prod",
            "--registry-role",
            "444455556666=arn:aws:iam::111122223333:role/reader",
        ]),
        "malformed --registry-role",
    );
    assert_one_line_error(
        &emulator.run(&[
            "diagnose",
            "--cluster",
            "prod",
            "--network-role",
            "444455556666=arn:aws:s3:::not-a-role",
        ]),
        "malformed --network-role",
    );
    let other_region = format!("arn:aws:ecs:eu-west-1:{ACCOUNT}:task/prod/0123");
    assert_one_line_error(
        &emulator.run(&["diagnose", "--task-arn", &other_region]),
        "the ARN given is in region eu-west-1 but the configured region is us-east-1",
    );
    assert_one_line_error(
        &emulator.run(&["diagnose", "--task-arn", "arn:aws:ecs:us-east-1:1:task/x"]),
        "malformed task ARN",
    );
}

#[test]
fn missing_credentials_and_an_unreachable_endpoint_are_one_line_errors() {
    let nowhere = Path::new("/nonexistent/ecr-pathcheck");
    let bare = |endpoint: &str, with_keys: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"));
        command
            .args(["diagnose", "--cluster", "prod", "--region", "us-east-1"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", nowhere)
            .env("AWS_CONFIG_FILE", nowhere)
            .env("AWS_SHARED_CREDENTIALS_FILE", nowhere)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_MAX_ATTEMPTS", "1");
        if with_keys {
            command
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing");
        }
        command.output().unwrap()
    };
    assert_one_line_error(
        &bare("http://127.0.0.1:9", false),
        "no AWS credentials found",
    );
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert_one_line_error(
        &bare(&format!("http://127.0.0.1:{closed_port}"), true),
        "cannot reach the AWS endpoint",
    );
}

/// Scenarios whose state needs no action the stock emulator lacks (no pull-through cache rule).
const STOCK_SCENARIOS: &[&str] = &[
    "healthy-endpoints",
    "s3-prefix-list-egress-missing",
    "image-tag-missing",
    "execution-role-denies",
    "nacl-blocks-https",
    "endpoint-policy-denies",
    "nat-path-healthy",
    "private-dns-disabled",
];

fn errors(report: &Value) -> BTreeSet<(String, String, String, String)> {
    findings(report)
        .into_iter()
        .filter(|finding| finding.2 == "error")
        .collect()
}

/// On moto as it is, `ecr:DescribePullThroughCacheRules` answers HTTP 500: the diagnosis must
/// complete with the same errors and exit code as offline, naming the failed read, and fast
/// (a short retry budget for server errors). The patched emulator once hid that it did not.
#[test]
fn stock_moto_gives_the_same_errors_as_the_patched_emulator() {
    let emulator = Emulator::start_stock();
    for scenario in STOCK_SCENARIOS {
        emulator.seed(scenario);
        let started = std::time::Instant::now();
        let live = emulator.run(&["diagnose", "--cluster", "prod", "--output", "json"]);
        let elapsed = started.elapsed();
        let offline = offline(scenario);
        assert_eq!(
            live.status.code(),
            offline.status.code(),
            "{scenario}: exit codes differ; stderr {}",
            String::from_utf8_lossy(&live.stderr)
        );
        let report = json(&live);
        assert_eq!(errors(&report), errors(&json(&offline)), "{scenario}");
        let named = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| {
                finding["check"] == "PC901"
                    && finding["title"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("ecr:DescribePullThroughCacheRules")
            });
        assert!(named, "{scenario}: the failed read is not named");
        assert!(
            elapsed < Duration::from_secs(15),
            "{scenario} took {elapsed:?}"
        );
    }
    // A single-architecture image: stock moto has no image blobs (HTTP 500 for
    // ecr:GetDownloadUrlForLayer), so its platform is unknown: PC702 names the failed read and
    // its error of the offline run is neither kept nor turned into a pass (exit 3).
    let scenario = "image-platform-single-arch-mismatch";
    emulator.seed(scenario);
    let live = emulator.run(&["diagnose", "--cluster", "prod", "--output", "json"]);
    assert_eq!(
        live.status.code(),
        Some(3),
        "{scenario}: stderr {}",
        String::from_utf8_lossy(&live.stderr)
    );
    let report = json(&live);
    let offline_errors = errors(&json(&offline(scenario)));
    assert!(offline_errors.iter().any(|error| error.1 == "PC702"));
    let kept: BTreeSet<_> = offline_errors
        .into_iter()
        .filter(|error| error.1 != "PC702")
        .collect();
    assert_eq!(errors(&report), kept, "{scenario}");
    let findings = report["findings"].as_array().unwrap();
    let names = |check: &str, field: &str| {
        findings.iter().any(|finding| {
            finding["check"] == check
                && finding["severity"] != "error"
                && finding[field]
                    .as_str()
                    .unwrap_or_default()
                    .contains("ecr:GetDownloadUrlForLayer")
        })
    };
    assert!(
        names("PC901", "title"),
        "{scenario}: no PC901 names the read"
    );
    assert!(
        names("PC702", "detail"),
        "{scenario}: PC702 does not name the read"
    );
}

/// Every action of docs/iam-policy.json made to fail alone (refused, unknown operation, 5xx) for
/// one task: `mocks/live/fault_matrix.py` holds the contract (no exit 2 but for the target call,
/// no invented error, the gap named, within its time budget). The cluster sweep runs in the
/// script itself (`python3 mocks/live/fault_matrix.py`).
#[test]
fn the_fault_matrix_holds_for_one_task() {
    let output = Command::new(python())
        .arg(root().join("mocks/live/fault_matrix.py"))
        .args(["--targets", "task", "--budget-s", "20"])
        .env("ECR_PATHCHECK_BIN", env!("CARGO_BIN_EXE_ecr-pathcheck"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

/// `--timeout`: calls still pending when it passes become gaps (`DeadlineExceeded`), and the
/// diagnosis completes with what was read instead of waiting or failing.
#[test]
fn the_run_deadline_turns_pending_calls_into_gaps() {
    let emulator = Emulator::start();
    emulator.seed("s3-prefix-list-egress-missing");
    let port = free_port();
    let mut proxy = Command::new(root().join("mocks/live/aws-proxy"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--target", &emulator.endpoint, "--latency-ms", "800"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mocks/live/aws-proxy runs with python3");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = std::time::Instant::now();
    let output = run_against(
        &format!("http://127.0.0.1:{port}"),
        &[
            "diagnose",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--timeout",
            "3",
            "--output",
            "json",
        ],
    );
    let elapsed = started.elapsed();
    let _ = proxy.kill();
    let _ = proxy.wait();
    assert!(
        matches!(output.status.code(), Some(1) | Some(3)),
        "{:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let deadline_gaps = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| {
            finding["check"] == "PC901"
                && finding["title"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with("DeadlineExceeded")
        })
        .count();
    assert!(deadline_gaps > 0, "no call was cut by the deadline");
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
}

/// A log driver's secret options and a stopped reason with presigned-URL credentials, read live:
/// the snapshot written and every output format keep the option names and the URL, never the
/// values.
#[test]
fn the_collector_writes_no_secret_and_no_output_prints_one() {
    let mut account: Value = serde_json::from_str(
        &std::fs::read_to_string(snapshot_path("s3-prefix-list-egress-missing")).unwrap(),
    )
    .unwrap();
    let container = &mut account["task_definitions"][0]["containers"][0];
    container["log_driver"] = "splunk".into();
    container["log_options"] = serde_json::json!({
        "splunk-token": "hunter2-splunk-token",
        "splunk-url": "https://splunk.example:8088",
    });
    let reason = "CannotPullContainerError: failed to do request: Get \"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/abc?X-Amz-Security-Token=FwoGZXIvYXdzCanaryToken&X-Amz-Signature=deadbeefcanarysignature\": dial tcp 52.216.8.10:443: i/o timeout";
    account["tasks"][0]["stopped_reason"] = reason.into();
    let seeded =
        std::env::temp_dir().join(format!("ecr-pathcheck-secrets-{}.json", std::process::id()));
    std::fs::write(&seeded, serde_json::to_vec(&account).unwrap()).unwrap();
    let emulator = Emulator::start();
    emulator.seed_file(&seeded);
    let _ = std::fs::remove_file(&seeded);
    let secrets = [
        "hunter2-splunk-token",
        "FwoGZXIvYXdzCanaryToken",
        "deadbeefcanarysignature",
    ];
    let file = std::env::temp_dir().join(format!(
        "ecr-pathcheck-secrets-out-{}.json",
        std::process::id()
    ));
    let written = emulator.run(&[
        "snapshot",
        "--cluster",
        "prod",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let snapshot = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(snapshot.contains("splunk-token"), "the option name is kept");
    let mut printed = vec![("snapshot".to_string(), snapshot)];
    for format in ["table", "json", "markdown"] {
        let output = emulator.run(&["diagnose", "--cluster", "prod", "--output", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        printed.push((
            format.to_string(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ));
    }
    for (what, text) in &printed {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} carries {secret}");
        }
    }
}

/// A plaintext password in a container's environment is written nowhere: not in a snapshot
/// (plain or `--redact`), not in any output format, not in `--debug`'s log of the SDK's calls.
/// And `snapshot --redact` writes a file that loads and replays to the same exit code and
/// checks, without the account's id.
#[test]
fn an_environment_password_is_written_nowhere_and_a_redacted_snapshot_replays() {
    const PASSWORD: &str = "hunter2-plaintext-env-password";
    let mut account: Value = serde_json::from_str(
        &std::fs::read_to_string(snapshot_path("s3-prefix-list-egress-missing")).unwrap(),
    )
    .unwrap();
    account["task_definitions"][0]["containers"][0]["environment"] =
        serde_json::json!([{"name": "DB_PASSWORD", "value": PASSWORD}]);
    let seeded =
        std::env::temp_dir().join(format!("ecr-pathcheck-env-{}.json", std::process::id()));
    std::fs::write(&seeded, serde_json::to_vec(&account).unwrap()).unwrap();
    let emulator = Emulator::start();
    emulator.seed_file(&seeded);
    let _ = std::fs::remove_file(&seeded);
    let mut printed = Vec::new();
    let mut files = Vec::new();
    for redact in [false, true] {
        let file = std::env::temp_dir().join(format!(
            "ecr-pathcheck-env-out-{}-{redact}.json",
            std::process::id()
        ));
        let mut args = vec![
            "snapshot",
            "--cluster",
            "prod",
            "-o",
            file.to_str().unwrap(),
        ];
        if redact {
            args.push("--redact");
        }
        let written = emulator.run(&args);
        assert_eq!(
            written.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&written.stderr)
        );
        printed.push((
            format!("snapshot redact={redact}"),
            std::fs::read_to_string(&file).unwrap(),
        ));
        files.push(file);
        for format in ["table", "json", "jsonl", "markdown", "sarif", "junit"] {
            let mut args = vec![
                "diagnose",
                "--cluster",
                "prod",
                "--output",
                format,
                "--debug",
            ];
            if redact {
                args.push("--redact");
            }
            let output = emulator.run(&args);
            assert_eq!(output.status.code(), Some(1), "{format} redact={redact}");
            printed.push((
                format!("{format} redact={redact} (stdout and --debug's stderr)"),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            ));
        }
    }
    for (what, text) in &printed {
        assert!(!text.contains(PASSWORD), "{what} carries the password");
    }
    let replays: Vec<Value> = files
        .iter()
        .map(|file| {
            let replay = emulator.run(&[
                "diagnose",
                "--snapshot",
                file.to_str().unwrap(),
                "--output",
                "json",
            ]);
            assert_eq!(replay.status.code(), Some(1), "{}", file.display());
            json(&replay)
        })
        .collect();
    for file in &files {
        let _ = std::fs::remove_file(file);
    }
    let checks = |report: &Value| -> Vec<String> {
        let mut checks: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| format!("{} {}", finding["check"], finding["severity"]))
            .collect();
        checks.sort();
        checks
    };
    assert_eq!(checks(&replays[0]), checks(&replays[1]));
    assert_eq!(replays[0]["account_id"], ACCOUNT);
    assert!(
        !printed[7].1.contains(ACCOUNT),
        "the redacted snapshot keeps the account id"
    );
}

/// `snapshot -o -` with standard output closed would lose the snapshot: one line, exit 2, and
/// nothing is collected.
#[test]
fn a_snapshot_to_a_closed_standard_output_is_an_error() {
    let emulator = Emulator::start();
    emulator.seed("healthy-endpoints");
    let output = with_test_credentials(Command::new("sh"), &emulator.endpoint)
        .args([
            "-c",
            "exec \"$@\" >&-",
            "sh",
            env!("CARGO_BIN_EXE_ecr-pathcheck"),
        ])
        .args(["snapshot", "--cluster", "prod", "-o", "-"])
        .output()
        .unwrap();
    assert_one_line_error(&output, "standard output is closed");
}

/// A hub-and-spoke account built from `healthy-endpoints`: the spoke's interface endpoints move
/// to a hub VPC reached over a transit gateway (attachments associated with a table each,
/// routes propagated both ways, a blackhole), private hosted zones answer the names with alias
/// records to the hub endpoints' DNS names (the logs zone associated with the hub only, so only
/// `ListHostedZonesByName` finds it), and a Resolver rule is associated with the spoke.
fn hub_and_spoke() -> Value {
    let text = std::fs::read_to_string(snapshot_path("healthy-endpoints")).unwrap();
    let mut s: Value = serde_json::from_str(&text).unwrap();
    let moved = ["vpce-ecrapi", "vpce-ecrdkr", "vpce-logs"];
    s["vpc_endpoints"]
        .as_array_mut()
        .unwrap()
        .retain(|endpoint| !moved.contains(&endpoint["id"].as_str().unwrap()));
    s["security_groups"]
        .as_array_mut()
        .unwrap()
        .retain(|group| group["id"] != "sg-endpoints");
    let tcp443 = |id: &str, peer: &str| serde_json::json!({"rule_id": id, "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "peer": peer});
    s["security_groups"][0]["egress"] = serde_json::json!([
        tcp443("sgr-app-hub", "10.1.0.0/16"),
        tcp443("sgr-app-s3", "pl-63a5400a")
    ]);
    let private = s["route_tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|table| table["id"] == "rtb-private")
        .unwrap();
    private["routes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"destination": "0.0.0.0/0", "target": "tgw-0hub"}));
    let push = |s: &mut Value, list: &str, items: Value| {
        s[list]
            .as_array_mut()
            .unwrap()
            .extend(items.as_array().unwrap().iter().cloned());
    };
    push(
        &mut s,
        "vpcs",
        serde_json::json!([{"id": "vpc-0hub", "cidr_blocks": ["10.1.0.0/16"], "enable_dns_support": true, "enable_dns_hostnames": true, "dhcp_options_id": "dopt-amazon"}]),
    );
    push(
        &mut s,
        "subnets",
        serde_json::json!([
            {"id": "subnet-hub-a", "vpc_id": "vpc-0hub", "availability_zone": "us-east-1a", "cidr_block": "10.1.10.0/24"},
            {"id": "subnet-hub-b", "vpc_id": "vpc-0hub", "availability_zone": "us-east-1b", "cidr_block": "10.1.11.0/24"}
        ]),
    );
    push(
        &mut s,
        "route_tables",
        serde_json::json!([{"id": "rtb-hub", "vpc_id": "vpc-0hub", "main": true, "subnet_ids": ["subnet-hub-a", "subnet-hub-b"],
            "routes": [{"destination": "10.1.0.0/16", "target": "local"}, {"destination": "10.0.0.0/16", "target": "tgw-0hub"}]}]),
    );
    push(
        &mut s,
        "network_acls",
        serde_json::json!([{"id": "acl-hub", "vpc_id": "vpc-0hub", "is_default": true, "entries": [
            {"rule_number": 100, "egress": false, "protocol": "tcp", "port_range": {"from": 443, "to": 443}, "action": "allow", "cidr": "10.0.0.0/8"},
            {"rule_number": 100, "egress": true, "protocol": "tcp", "port_range": {"from": 1024, "to": 65535}, "action": "allow", "cidr": "10.0.0.0/8"}]}]),
    );
    push(
        &mut s,
        "security_groups",
        serde_json::json!([{"id": "sg-hub-endpoints", "name": "shared-endpoints", "vpc_id": "vpc-0hub",
            "ingress": [tcp443("sgr-hub-spokes", "10.0.0.0/8")]}]),
    );
    let hub_endpoint = |service: &str, short: &str, dns: &str| {
        serde_json::json!({"id": format!("vpce-hub{short}"), "vpc_id": "vpc-0hub",
            "service_name": format!("com.amazonaws.us-east-1.{service}"), "endpoint_type": "Interface",
            "state": "available", "private_dns_enabled": false, "subnet_ids": ["subnet-hub-a", "subnet-hub-b"],
            "security_group_ids": ["sg-hub-endpoints"], "dns_names": [dns]})
    };
    let dns = |short: &str, service: &str| {
        format!("vpce-hub{short}-0abc.{service}.us-east-1.vpce.amazonaws.com")
    };
    push(
        &mut s,
        "vpc_endpoints",
        serde_json::json!([
            hub_endpoint("ecr.api", "ecrapi", &dns("ecrapi", "api.ecr")),
            hub_endpoint("ecr.dkr", "ecrdkr", &dns("ecrdkr", "dkr.ecr")),
            hub_endpoint("logs", "logs", &dns("logs", "logs"))
        ]),
    );
    let alias = |name: &str, target: String| serde_json::json!({"name": name, "type": "A", "alias_target": target});
    s["hosted_zones"] = serde_json::json!([
        {"id": "Z0HUBAPI000000000000", "name": "api.ecr.us-east-1.amazonaws.com", "private": true,
         "vpc_ids": ["vpc-0a1", "vpc-0hub"], "records": [alias("api.ecr.us-east-1.amazonaws.com", dns("ecrapi", "api.ecr"))]},
        {"id": "Z0HUBDKR000000000000", "name": "dkr.ecr.us-east-1.amazonaws.com", "private": true,
         "vpc_ids": ["vpc-0a1", "vpc-0hub"], "records": [
             alias("dkr.ecr.us-east-1.amazonaws.com", dns("ecrdkr", "dkr.ecr")),
             alias("*.dkr.ecr.us-east-1.amazonaws.com", dns("ecrdkr", "dkr.ecr"))]},
        {"id": "Z0HUBLOGS00000000000", "name": "logs.us-east-1.amazonaws.com", "private": true,
         "vpc_ids": ["vpc-0hub"], "records": [alias("logs.us-east-1.amazonaws.com", dns("logs", "logs"))]}
    ]);
    s["resolver_rules"] = serde_json::json!([{"id": "rslvr-rr-corp", "domain_name": "corp.example.com",
        "rule_type": "FORWARD", "target_ips": ["10.9.0.2", "10.9.0.3:5353"], "vpc_ids": ["vpc-0a1"]}]);
    s["transit_gateway_attachments"] = serde_json::json!([
        {"id": "tgw-attach-spoke", "transit_gateway_id": "tgw-0hub", "resource_type": "vpc", "resource_id": "vpc-0a1",
         "state": "available", "association_route_table_id": "tgw-rtb-spokes", "subnet_ids": ["subnet-private-a", "subnet-private-b"]},
        {"id": "tgw-attach-hub", "transit_gateway_id": "tgw-0hub", "resource_type": "vpc", "resource_id": "vpc-0hub",
         "state": "available", "association_route_table_id": "tgw-rtb-hub", "subnet_ids": ["subnet-hub-a", "subnet-hub-b"]}
    ]);
    s["transit_gateway_route_tables"] = serde_json::json!([
        {"id": "tgw-rtb-hub", "transit_gateway_id": "tgw-0hub", "routes": [
            {"destination": "10.0.0.0/16", "attachment_ids": ["tgw-attach-spoke"], "state": "active", "route_type": "propagated"}]},
        {"id": "tgw-rtb-spokes", "transit_gateway_id": "tgw-0hub", "routes": [
            {"destination": "10.1.0.0/16", "attachment_ids": ["tgw-attach-hub"], "state": "active", "route_type": "propagated"},
            {"destination": "10.9.0.0/16", "attachment_ids": [], "state": "blackhole", "route_type": "static"}]}
    ]);
    s
}

/// The entry of a snapshot list with that id (or `name` for none).
fn entry<'a>(list: &'a Value, key: &str, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item[key] == id)
        .unwrap_or_else(|| panic!("no {id} in {list}"))
}

/// The landing-zone reads (issue 11) against the emulator: what `snapshot` collects of a
/// hub-and-spoke account is what was seeded, id for id (moto's ids through the seeder's map).
#[test]
fn a_hub_and_spoke_account_is_collected_with_its_zones_rules_transit_gateway_and_hub() {
    let emulator = Emulator::start();
    let seeded = hub_and_spoke();
    let dir = std::env::temp_dir();
    let input = dir.join(format!("ecr-pathcheck-hub-in-{}.json", std::process::id()));
    let output = dir.join(format!("ecr-pathcheck-hub-out-{}.json", std::process::id()));
    std::fs::write(&input, serde_json::to_string_pretty(&seeded).unwrap()).unwrap();
    let ids = emulator.seed_file(&input);
    let _ = std::fs::remove_file(&input);
    let id = |seeded: &Value| -> String {
        let seeded = seeded.as_str().unwrap();
        ids.get(seeded)
            .and_then(Value::as_str)
            .unwrap_or(seeded)
            .to_string()
    };
    let ids_of = |list: &Value| -> Vec<String> {
        let mut mapped: Vec<String> = list.as_array().unwrap().iter().map(&id).collect();
        mapped.sort();
        mapped
    };
    let written = emulator.run(&[
        "snapshot",
        "--cluster",
        "prod",
        "-o",
        output.to_str().unwrap(),
    ]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let collected: Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let _ = std::fs::remove_file(&output);
    assert_eq!(collected["gaps"], serde_json::json!([]), "no read failed");

    // The zones, with their associations and records (the logs zone found by name).
    let zones = &collected["hosted_zones"];
    assert_eq!(zones.as_array().unwrap().len(), 3, "{zones}");
    for zone in seeded["hosted_zones"].as_array().unwrap() {
        let found = entry(zones, "id", &id(&zone["id"]));
        assert_eq!(found["name"], zone["name"]);
        assert_eq!(found["private"], true);
        assert_eq!(
            ids_of(&found["vpc_ids"]),
            ids_of(&zone["vpc_ids"]),
            "{found}"
        );
        let records = found["records"].as_array().unwrap();
        assert_eq!(
            records.len(),
            zone["records"].as_array().unwrap().len(),
            "{found}"
        );
        for record in zone["records"].as_array().unwrap() {
            let got = entry(&found["records"], "name", record["name"].as_str().unwrap());
            assert_eq!(got["type"], "A");
            assert_eq!(
                got["alias_target"].as_str().unwrap(),
                id(&record["alias_target"])
            );
        }
    }

    // The Resolver rule associated with the spoke.
    let rule = entry(
        &collected["resolver_rules"],
        "id",
        &id(&serde_json::json!("rslvr-rr-corp")),
    );
    assert_eq!(rule["domain_name"], "corp.example.com");
    assert_eq!(rule["rule_type"], "FORWARD");
    assert_eq!(
        rule["target_ips"],
        serde_json::json!(["10.9.0.2", "10.9.0.3:5353"])
    );
    assert_eq!(
        ids_of(&rule["vpc_ids"]),
        ids_of(&serde_json::json!(["vpc-0a1"]))
    );

    // The transit gateway: both attachments and both route tables, as seeded.
    for attachment in seeded["transit_gateway_attachments"].as_array().unwrap() {
        let found = entry(
            &collected["transit_gateway_attachments"],
            "id",
            &id(&attachment["id"]),
        );
        assert_eq!(
            found["transit_gateway_id"].as_str().unwrap(),
            id(&attachment["transit_gateway_id"])
        );
        assert_eq!(found["resource_type"], "vpc");
        assert_eq!(
            found["resource_id"].as_str().unwrap(),
            id(&attachment["resource_id"])
        );
        assert_eq!(
            found["association_route_table_id"].as_str().unwrap(),
            id(&attachment["association_route_table_id"])
        );
        assert_eq!(
            ids_of(&found["subnet_ids"]),
            ids_of(&attachment["subnet_ids"])
        );
    }
    for table in seeded["transit_gateway_route_tables"].as_array().unwrap() {
        let found = entry(
            &collected["transit_gateway_route_tables"],
            "id",
            &id(&table["id"]),
        );
        assert_eq!(
            found["transit_gateway_id"].as_str().unwrap(),
            id(&table["transit_gateway_id"])
        );
        let routes = found["routes"].as_array().unwrap();
        assert_eq!(
            routes.len(),
            table["routes"].as_array().unwrap().len(),
            "{found}"
        );
        for route in table["routes"].as_array().unwrap() {
            let got = entry(
                &found["routes"],
                "destination",
                route["destination"].as_str().unwrap(),
            );
            assert_eq!(got["state"], route["state"], "{got}");
            assert_eq!(got["route_type"], route["route_type"], "{got}");
            assert_eq!(
                ids_of(&got["attachment_ids"]),
                ids_of(&route["attachment_ids"])
            );
        }
    }

    // The hub, read like the spoke: its endpoints (ENIs, DNS names, group), the group's rules,
    // its network ACL and route table.
    let hub = id(&serde_json::json!("vpc-0hub"));
    entry(&collected["vpcs"], "id", &hub);
    for endpoint in seeded["vpc_endpoints"].as_array().unwrap() {
        if endpoint["vpc_id"] != "vpc-0hub" {
            continue;
        }
        let found = entry(&collected["vpc_endpoints"], "id", &id(&endpoint["id"]));
        assert_eq!(found["vpc_id"].as_str().unwrap(), hub);
        assert_eq!(
            found["network_interfaces"].as_array().unwrap().len(),
            2,
            "{found}"
        );
        assert_eq!(ids_of(&found["dns_names"]), ids_of(&endpoint["dns_names"]));
        assert_eq!(
            ids_of(&found["security_group_ids"]),
            ids_of(&endpoint["security_group_ids"])
        );
    }
    let group = entry(
        &collected["security_groups"],
        "id",
        &id(&serde_json::json!("sg-hub-endpoints")),
    );
    assert_eq!(group["ingress"][0]["peer"], "10.0.0.0/8");
    assert_eq!(
        group["ingress"][0]["port_range"],
        serde_json::json!({"from": 443, "to": 443})
    );
    let acl = collected["network_acls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|acl| acl["vpc_id"] == hub.as_str())
        .expect("the hub's network ACL");
    for seeded_entry in entry(&seeded["network_acls"], "id", "acl-hub")["entries"]
        .as_array()
        .unwrap()
    {
        assert!(
            acl["entries"].as_array().unwrap().contains(seeded_entry),
            "{seeded_entry} not in {acl}"
        );
    }
    let table = entry(
        &collected["route_tables"],
        "id",
        &id(&serde_json::json!("rtb-hub")),
    );
    assert_eq!(table["vpc_id"].as_str().unwrap(), hub);
    let back = entry(&table["routes"], "destination", "10.0.0.0/16");
    assert_eq!(
        back["target"].as_str().unwrap(),
        id(&serde_json::json!("tgw-0hub"))
    );
    for subnet in ["subnet-hub-a", "subnet-hub-b"] {
        entry(&collected["subnets"], "id", &id(&serde_json::json!(subnet)));
    }
}

/// Seeds `ACCOUNT:REGION:SCENARIO[:SERVICES]` specs into the running emulator (no reset).
fn seed_sweep(emulator: &Emulator, specs: &[&str]) {
    let output = Command::new(python())
        .arg(root().join("mocks/live/seed_sweep.py"))
        .arg(&emulator.endpoint)
        .args(specs)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "seeding the sweep failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// aws-proxy in front of the emulator with `options`, until dropped.
struct Proxy(Child, String);

impl Proxy {
    fn start(emulator: &Emulator, options: &[&str]) -> Proxy {
        let port = free_port();
        let child = Command::new(root().join("mocks/live/aws-proxy"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--target", &emulator.endpoint])
            .args(options)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mocks/live/aws-proxy runs with python3");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Proxy(child, format!("http://127.0.0.1:{port}"))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Per account: (regions read, regions not read, targets, blocked, ok), from a sweep's summary.
fn per_account(summary: &Value) -> Vec<(String, u64, u64, u64, u64, u64)> {
    summary["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| {
            let n = |key: &str| account[key].as_u64().unwrap();
            (
                account["account_id"].as_str().unwrap().to_string(),
                n("regions_read"),
                n("regions_failed"),
                n("targets"),
                n("blocked"),
                n("ok"),
            )
        })
        .collect()
}

/// Three accounts (the caller's and two read through a role assumed into them) in two regions:
/// one report with every account and region, the same live, as JSON Lines, and replayed from
/// the snapshots `snapshot --out-dir` writes; an account whose role cannot be assumed is one
/// line of the report, and nothing read at all is exit 2.
#[test]
fn a_sweep_reads_every_account_and_region_and_reports_each() {
    let emulator = Emulator::start();
    emulator.reset();
    seed_sweep(
        &emulator,
        &[
            "111122223333:us-east-1:s3-prefix-list-egress-missing:2",
            "222233334444:us-east-1:healthy-endpoints:2",
            "222233334444:eu-west-1:s3-prefix-list-egress-missing:1",
            "333344445555:eu-west-1:healthy-endpoints:1",
        ],
    );
    let sweep = [
        "diagnose",
        "--all-clusters",
        "--regions",
        "us-east-1,eu-west-1",
        "--accounts",
        "222233334444,333344445555",
        "--role-name",
        "ecr-pathcheck-reader",
    ];
    let expected = vec![
        ("111122223333".to_string(), 2, 0, 2, 2, 0),
        ("222233334444".to_string(), 2, 0, 3, 1, 2),
        ("333344445555".to_string(), 2, 0, 1, 0, 1),
    ];

    let live = emulator.run(&[&sweep[..], &["--output", "json"]].concat());
    assert_eq!(live.status.code(), Some(1), "{}", support::stderr(&live));
    let report = json(&live);
    assert_eq!(per_account(&report), expected);
    assert_eq!(report["summary"]["account_regions_read"], 6);
    let reports = report["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 6);
    for scope in reports {
        for target in scope["targets"].as_array().unwrap() {
            let arn = target["target"].as_str().unwrap();
            assert!(
                arn.contains(&format!(
                    ":{}:{}:",
                    scope["region"].as_str().unwrap(),
                    scope["account_id"].as_str().unwrap()
                )),
                "{arn} is not of its report's account and region"
            );
        }
    }

    // JSON Lines: every target line carries its account and region; the summary is the same.
    let lines = emulator.run(&[&sweep[..], &["--output", "jsonl"]].concat());
    assert_eq!(lines.status.code(), Some(1));
    let lines: Vec<Value> = support::stdout(&lines)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let targets: Vec<&Value> = lines.iter().filter(|l| l["type"] == "target").collect();
    assert_eq!(targets.len(), 6);
    for target in targets {
        let arn = target["target"].as_str().unwrap();
        let (region, account) = (
            target["region"].as_str().unwrap(),
            target["account_id"].as_str().unwrap(),
        );
        assert!(arn.contains(&format!(":{region}:{account}:")), "{target}");
    }
    assert_eq!(per_account(lines.last().unwrap()), expected);

    // Excluding the caller's own account.
    let excluded = emulator.run(
        &[
            &sweep[..],
            &["--exclude-accounts", "111122223333", "--output", "json"],
        ]
        .concat(),
    );
    assert_eq!(
        per_account(&json(&excluded)),
        expected[1..].to_vec(),
        "{}",
        support::stderr(&excluded)
    );

    // Snapshots per account and region, replayed as one sweep.
    let directory =
        std::env::temp_dir().join(format!("ecr-pathcheck-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    let mut snapshot_args = vec!["snapshot"];
    snapshot_args.extend(&sweep[1..]);
    snapshot_args.extend(["--out-dir", directory.to_str().unwrap()]);
    let written = emulator.run(&snapshot_args);
    assert!(written.status.success(), "{}", support::stderr(&written));
    let files = std::fs::read_dir(&directory).unwrap().count();
    assert_eq!(files, 7, "six snapshots and sweep.json");
    let replayed = Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"))
        .args([
            "diagnose",
            "--snapshot",
            directory.to_str().unwrap(),
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(replayed.status.code(), Some(1));
    assert_eq!(json(&replayed)["summary"], report["summary"]);
    let _ = std::fs::remove_dir_all(&directory);

    // Redacted: one file per account and region still, under placeholders only.
    snapshot_args.push("--redact");
    let written = emulator.run(&snapshot_args);
    assert!(written.status.success(), "{}", support::stderr(&written));
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&directory).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for original in ["111122223333", "222233334444", "333344445555"] {
            assert!(!text.contains(original), "{original} in {}", path.display());
        }
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(names.len(), 7, "{names:?}");
    let replayed = Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"))
        .args([
            "diagnose",
            "--snapshot",
            directory.to_str().unwrap(),
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    let replayed = json(&replayed);
    assert_eq!(replayed["summary"], report["summary"]);
    assert_eq!(replayed["accounts"].as_array().unwrap().len(), 3);
    let _ = std::fs::remove_dir_all(&directory);

    // A cluster named for the sweep that no account and region holds: a typo, exit 2, in
    // every format (JSON Lines are decided from the same summary).
    for format in ["json", "jsonl"] {
        let typo = emulator.run(&[
            "diagnose",
            "--cluster",
            "prdo",
            "--regions",
            "us-east-1,eu-west-1",
            "--output",
            format,
        ]);
        assert_eq!(typo.status.code(), Some(2), "{format}");
        assert_one_line_error(
            &typo,
            "cluster prdo is in none of the accounts and regions swept",
        );
    }
    let found = emulator.run(&[
        "diagnose",
        "--cluster",
        "prod",
        "--regions",
        "us-east-1,eu-west-1",
    ]);
    assert_eq!(found.status.code(), Some(1), "{}", support::stderr(&found));

    // Roles that cannot be assumed: one line each, the sweep goes on.
    let refusing = Proxy::start(
        &emulator,
        &[
            "--fail-only",
            "sts:AssumeRole",
            "--fail-kind",
            "denied",
            "--fail-rate",
            "1",
        ],
    );
    let partial = run_against(&refusing.1, &[&sweep[..], &["--output", "json"]].concat());
    assert_eq!(
        partial.status.code(),
        Some(1),
        "{}",
        support::stderr(&partial)
    );
    let partial = json(&partial);
    assert_eq!(
        per_account(&partial),
        vec![
            ("111122223333".to_string(), 2, 0, 2, 2, 0),
            ("222233334444".to_string(), 0, 1, 0, 0, 0),
            ("333344445555".to_string(), 0, 1, 0, 0, 0),
        ]
    );
    for failure in partial["failures"].as_array().unwrap() {
        assert!(failure["region"].is_null());
        let why = failure["error"].as_str().unwrap();
        assert!(
            why.contains("cannot assume arn:aws:iam::") && why.contains("AccessDenied"),
            "{why}"
        );
    }
    let nothing = run_against(
        &refusing.1,
        &[
            &sweep[..],
            &["--exclude-accounts", "111122223333", "--output", "markdown"],
        ]
        .concat(),
    );
    assert_eq!(nothing.status.code(), Some(2));
    assert!(support::stdout(&nothing).contains("## Not read"));
    assert_one_line_error(&nothing, "no account and region could be read");
}

/// `--organization` reads the accounts from organizations:ListAccounts.
#[test]
fn an_organization_sweep_lists_its_accounts() {
    let emulator = Emulator::start();
    emulator.reset();
    let created = Command::new(python())
        .args([
            "-c",
            "import sys, boto3\nkw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\norg = boto3.client('organizations', **kw)\norg.create_organization(FeatureSet='ALL')\nprint(org.create_account(Email='member@example.com', AccountName='member')['CreateAccountStatus']['AccountId'])",
        ])
        .arg(&emulator.endpoint)
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", support::stderr(&created));
    let member = support::stdout(&created).trim().to_string();
    seed_sweep(
        &emulator,
        &[&format!("{member}:us-east-1:healthy-endpoints:1")],
    );
    let output = emulator.run(&[
        "diagnose",
        "--organization",
        "--role-name",
        "OrganizationAccountAccessRole",
        "--all-clusters",
        "--output",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::stderr(&output)
    );
    let accounts: Vec<String> = per_account(&json(&output))
        .into_iter()
        .map(|account| account.0)
        .collect();
    let mut expected = vec!["111122223333".to_string(), member];
    expected.sort();
    assert_eq!(accounts, expected);
}
