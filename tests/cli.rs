//! The binary as users run it: exit codes, every output format, and one-line errors for every
//! bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;
use support::{assert_one_line_error, stderr, stdout};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ecr-pathcheck"))
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

fn mock(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("mocks")
        .join(name)
        .join("snapshot.json")
        .to_string_lossy()
        .into_owned()
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecr-pathcheck-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn demo_reports_the_prefix_list_rule_and_exits_1() {
    let output = run(&["diagnose", "--demo"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("PC401"), "{text}");
    assert!(text.contains("authorize-security-group-egress"), "{text}");
    let table: Vec<&str> = text
        .lines()
        .take_while(|line| !line.starts_with("Fixes, ready to paste"))
        .collect();
    assert!(
        table.iter().all(|line| line.chars().count() <= 100),
        "table wider than 100 columns:\n{text}"
    );
}

#[test]
fn healthy_account_exits_0() {
    for scenario in ["healthy-endpoints", "nat-path-healthy"] {
        let output = run(&["diagnose", "--snapshot", &mock(scenario)]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scenario}: {}",
            stdout(&output)
        );
        assert!(stdout(&output).contains("0 blocked"), "{scenario}");
    }
}

#[test]
fn json_output_is_the_ticket_contract() {
    let output = run(&[
        "diagnose",
        "--snapshot",
        &mock("endpoint-sg-no-ingress"),
        "--output",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(report["schema_version"], 1);
    assert!(
        report["targets"]
            .as_array()
            .is_some_and(|targets| !targets.is_empty())
    );
    let findings = report["findings"].as_array().unwrap();
    let finding = findings
        .iter()
        .find(|f| f["check"] == "PC403")
        .expect("PC403 finding");
    for field in [
        "check",
        "name",
        "severity",
        "flow",
        "resources",
        "title",
        "detail",
        "fix",
    ] {
        assert!(!finding[field].is_null(), "finding lacks {field}");
    }
    assert_eq!(finding["severity"], "error");
    assert!(
        finding["fix"]["aws_cli"]
            .as_str()
            .unwrap()
            .contains("--group-id sg-endpoints")
    );
    assert!(
        finding["fix"]["terraform"]
            .as_str()
            .unwrap()
            .contains("referenced_security_group_id = \"sg-app\"")
    );
}

#[test]
fn markdown_output_carries_evidence_and_both_fixes() {
    let output = run(&[
        "--output",
        "markdown",
        "diagnose",
        "--snapshot",
        &mock("nacl-blocks-ephemeral"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.starts_with("# ecr-pathcheck report"));
    assert!(
        text.contains("PC502") && text.contains("```bash") && text.contains("```hcl"),
        "{text}"
    );
    assert!(text.contains("acl-private"));
}

#[test]
fn bad_snapshot_inputs_get_one_line_errors() {
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", "/nonexistent/snap.json"]),
        "/nonexistent/snap.json does not exist",
    );
    let malformed = temp_file("malformed.json", "{ not json");
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", malformed.to_str().unwrap()]),
        "is not a valid snapshot",
    );
    let old = temp_file(
        "old.json",
        r#"{"schema_version": 0, "account_id": "1", "region": "us-east-1"}"#,
    );
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", old.to_str().unwrap()]),
        "has schema_version 0; this build reads version 4",
    );
    let wrong_shape = temp_file(
        "shape.json",
        r#"{"schema_version": 1, "account_id": "1", "region": "r", "subnets": [{"id": "s"}]}"#,
    );
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", wrong_shape.to_str().unwrap()]),
        "missing field",
    );
    // A directory is a sweep's snapshots (`snapshot --out-dir`): one without any is refused.
    let directory =
        std::env::temp_dir().join(format!("ecr-pathcheck-empty-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", directory.to_str().unwrap()]),
        "holds no snapshot",
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["diagnose"]).status.code(), Some(2));
    assert_eq!(
        run(&["diagnose", "--demo", "--snapshot", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["diagnose", "--demo", "--output", "yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn explain_classifies_without_aws() {
    let text = "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 54.239.28.85:443: i/o timeout";
    let output = run(&["explain", text, "--output", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["category"], "network");
    assert_eq!(value["flow"], "ecr-auth");
    assert_eq!(value["host"], "api.ecr.us-east-1.amazonaws.com");
    assert_eq!(value["ip"], "54.239.28.85");
    assert!(
        value["summary"]
            .as_str()
            .unwrap()
            .contains("public address")
    );
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["category", "flow", "host", "ip", "summary"]);

    let mut child = binary()
        .args(["explain", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"CannotPullContainerError: context canceled")
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert!(
        stdout(&piped).contains("category: network"),
        "{}",
        stdout(&piped)
    );

    assert_one_line_error(&run(&["explain", "  "]), "the reason text is empty");
}

#[test]
fn rule_prints_documentation_and_rejects_unknown_ids() {
    let output = run(&["rule", "s3-prefix-list-egress"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("# PC401 s3-prefix-list-egress"));
    let list = stdout(&run(&["rule"]));
    assert!(list.contains("PC101") && list.contains("PC904"));
    assert_one_line_error(&run(&["rule", "PC999"]), "no check `PC999`");
}

const FORMATS: [&str; 6] = ["table", "json", "jsonl", "markdown", "sarif", "junit"];

/// A reader that went away (`| head`) is not an error: nothing on stderr, and the exit code is
/// still the whole diagnosis's (the demo blocks: 1), in every format.
#[test]
fn a_closed_pipe_is_not_an_error() {
    for format in FORMATS {
        let mut child = binary()
            .args(["diagnose", "--demo", "--output", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(stderr(&output), "", "{format}");
        assert_eq!(output.status.code(), Some(1), "{format}");
    }
}

/// A report that cannot be written (a full disk) is a failure: one line, exit 2.
#[test]
fn a_failed_write_is_an_error_in_every_format() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for format in FORMATS {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = binary()
            .args(["diagnose", "--demo", "--output", format])
            .stdout(full)
            .output()
            .unwrap();
        assert_one_line_error(&output, "cannot write the report");
    }
}

/// `--output jsonl`: one JSON object per line, the account's first (with the account-wide
/// findings), then one per target with its findings, the summary last; together they are the
/// JSON report, and the exit code is the same.
#[test]
fn jsonl_output_is_the_json_report_a_line_per_target() {
    let text = std::fs::read_to_string(mock("network-acls-refused")).unwrap();
    let mut snapshot: serde_json::Value = serde_json::from_str(&text).unwrap();
    let services = snapshot["services"].as_array_mut().unwrap();
    let mut second = services[0].clone();
    for field in ["arn", "name"] {
        second[field] = format!("{}-2", second[field].as_str().unwrap()).into();
    }
    services.push(second);
    let path = temp_file("two-services.json", &snapshot.to_string());
    let path = path.to_str().unwrap();
    let json = run(&["diagnose", "--snapshot", path, "--output", "json"]);
    let jsonl = run(&["diagnose", "--snapshot", path, "--output", "jsonl"]);
    assert_eq!(jsonl.status.code(), Some(3), "{}", stderr(&jsonl));
    assert_eq!(jsonl.status.code(), json.status.code());
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let text = stdout(&jsonl);
    assert!(text.ends_with('\n'));
    let mut lines: Vec<serde_json::Map<String, serde_json::Value>> = text
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(serde_json::Value::Object(object)) => object,
            other => panic!("not a JSON object: {line}: {other:?}"),
        })
        .collect();
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(lines.len(), targets.len() + 2, "{text}");
    let findings_of = |target: &serde_json::Value| -> Vec<serde_json::Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["target"] == *target)
            .cloned()
            .collect()
    };
    let take = |line: &mut serde_json::Map<String, serde_json::Value>, field: &str| {
        line.remove(field)
            .unwrap_or_else(|| panic!("no {field} in {line:?}"))
    };

    let mut account = lines.remove(0);
    assert_eq!(take(&mut account, "type"), "account");
    let account_findings = take(&mut account, "findings");
    assert_eq!(
        account_findings,
        serde_json::json!(findings_of(&serde_json::Value::Null))
    );
    assert!(!account_findings.as_array().unwrap().is_empty());
    for field in ["schema_version", "account_id", "region"] {
        assert_eq!(take(&mut account, field), report[field], "{field}");
    }
    assert!(account.is_empty(), "{account:?}");

    let mut summary = lines.pop().unwrap();
    assert_eq!(take(&mut summary, "type"), "summary");
    assert_eq!(serde_json::Value::Object(summary), report["summary"]);

    for (mut line, target) in lines.into_iter().zip(targets) {
        assert_eq!(take(&mut line, "type"), "target");
        let findings = take(&mut line, "findings");
        assert_eq!(findings, serde_json::json!(findings_of(&target["target"])));
        assert!(!findings.as_array().unwrap().is_empty());
        assert_eq!(serde_json::Value::Object(line), *target);
    }
}

/// A usage error is clap's message and where to look, on two lines, exit 2.
fn assert_usage_error(output: &Output, expected: &str, hint: &str) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {message}");
    let lines: Vec<&str> = message.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "not two lines: {message}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(expected),
        "{message}"
    );
    assert_eq!(lines[1], format!("try '{hint}'"), "{message}");
    assert!(stdout(output).is_empty());
}

#[test]
fn usage_errors_are_two_lines_with_a_hint() {
    assert_usage_error(
        &run(&["diagnose", "--foo"]),
        "unexpected argument '--foo'",
        "ecr-pathcheck diagnose --help",
    );
    assert_usage_error(
        &run(&["diagnose", "--demo", "--output", "yaml"]),
        "'yaml'",
        "ecr-pathcheck diagnose --help",
    );
    assert_usage_error(
        &run(&["frobnicate"]),
        "'frobnicate'",
        "ecr-pathcheck --help",
    );
    assert_usage_error(
        &run(&["--output", "json", "snapshot", "--cluster", "c"]),
        "--out",
        "ecr-pathcheck snapshot --help",
    );
    // An argument echoed back is cut and made inert.
    let huge = format!("--{}\u{1b}]0;owned\u{7}", "x".repeat(50_000));
    let output = run(&["diagnose", &huge]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.len() < 400, "{} bytes", message.len());
    assert!(
        !message.contains('\u{1b}') && !message.contains('\u{7}'),
        "{message}"
    );
}

#[test]
fn help_and_version_print_normally() {
    for args in [&["--help"][..], &["diagnose", "--help"], &["-h"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(stdout(&output).contains("Usage:"), "{args:?}");
        assert!(stderr(&output).is_empty(), "{args:?}");
    }
    let output = run(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("ecr-pathcheck "));
}

#[test]
fn regions_and_partitions_are_checked() {
    assert_one_line_error(
        &run(&["--region", "US-EAST-1", "diagnose", "--demo"]),
        "did you mean us-east-1?",
    );
    assert_one_line_error(
        &run(&["diagnose", "--demo", "--region", "mars"]),
        "is not an AWS region",
    );
    assert_one_line_error(
        &run(&[
            "diagnose",
            "--task-arn",
            "arn:awsx:ecs:us-east-1:111122223333:task/prod/0123abcd",
        ]),
        "\"awsx\" is not a partition (aws, aws-cn or aws-us-gov)",
    );
    assert_one_line_error(
        &run(&[
            "diagnose",
            "--task-arn",
            "arn:aws:ecs:US-EAST-1:111122223333:task/prod/0123abcd",
        ]),
        "did you mean us-east-1?",
    );
    assert_one_line_error(
        &run(&[
            "diagnose",
            "--task-arn",
            "arn:aws-cn:ecs:us-east-1:111122223333:task/prod/0123abcd",
        ]),
        "region us-east-1 is in partition aws, not aws-cn",
    );
    assert_one_line_error(
        &run(&["diagnose", "--cluster", "c;rm -rf /"]),
        "is not an ECS cluster name or ARN",
    );
    assert_one_line_error(
        &run(&[
            "diagnose",
            "--cluster",
            "arn:aws:ecs:us-west-2:111122223333:cluster/prod",
            "--service",
            "arn:aws:ecs:eu-west-1:111122223333:service/prod/web",
        ]),
        "--cluster and --service name different regions",
    );
    // A well-formed region passes the argument check; the demo is of us-east-1, so only that
    // one replays it, and another is refused as disagreeing with the snapshot.
    assert_eq!(
        run(&["--region", "us-east-1", "diagnose", "--demo"])
            .status
            .code(),
        Some(1)
    );
    assert_one_line_error(
        &run(&["--region", "eu-west-1", "diagnose", "--demo"]),
        "the snapshot is of region us-east-1 but --region says eu-west-1",
    );
}

#[test]
fn terminal_output_escapes_hostile_values() {
    let mut value: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(mock("s3-prefix-list-egress-missing")).unwrap(),
    )
    .unwrap();
    let hostile = "sg-app\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\r";
    let text = serde_json::to_string(&value)
        .unwrap()
        .replace("\"sg-app\"", &serde_json::to_string(hostile).unwrap());
    value = serde_json::from_str(&text).unwrap();
    let file = temp_file("hostile-terminal.json", &value.to_string());
    for format in ["table", "markdown"] {
        let output = run(&[
            "diagnose",
            "--snapshot",
            file.to_str().unwrap(),
            "--output",
            format,
        ]);
        let text = stdout(&output);
        if output.status.code() == Some(2) {
            // The loader may refuse such an id: then the error line must be inert.
            let message = stderr(&output);
            assert!(
                !message.contains('\u{1b}') && !message.contains('\r'),
                "{message}"
            );
            continue;
        }
        assert!(text.contains("sg-app\\u{1b}]0;owned"), "{format}: {text}");
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\r'] {
            assert!(!text.contains(bad), "{format}: {bad:?} in {text}");
        }
    }
    let output = run(&[
        "explain",
        "CannotPullContainerError: \u{1b}]0;owned\u{7} dial tcp 52.216.8.10:443: i/o timeout",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(!stdout(&output).contains('\u{1b}'), "{}", stdout(&output));
}

#[test]
fn long_values_in_error_lines_are_cut() {
    let cluster = "c".repeat(120_000);
    let output = run(&[
        "diagnose",
        "--snapshot",
        &format!("/nonexistent/{cluster}.json"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    assert!(message.len() < 700, "{} bytes", message.len());
    assert!(message.contains('…'), "{message}");
}

/// Deterministic hostile texts: terminal escapes (CSI, OSC, title setting), carriage returns,
/// backspaces, bidi overrides, NUL, shell syntax and very long runs, mixed into real reasons.
fn hostile_texts() -> Vec<String> {
    const PIECES: &[&str] = &[
        "\u{1b}[2J",
        "\u{1b}]0;owned\u{7}",
        "\u{1b}[31m",
        "\r",
        "\u{8}\u{8}",
        "\u{202e}",
        "\u{0}",
        "\u{9b}1m",
        "$(touch /tmp/pwned)",
        "`id`",
        "'; rm -rf ~; '",
        "dial tcp 52.216.8.10:443: i/o timeout",
        "CannotPullContainerError: ",
        "ResourceInitializationError: unable to pull secrets or registry auth: ",
        "api.ecr.us-east-1.amazonaws.com",
        "toomanyrequests",
        "\n",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..60)
        .map(|_| {
            let count = 1 + next() % 8;
            let mut text: String = (0..count)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            if next() % 10 == 0 {
                text.push_str(&"x".repeat(20_000));
            }
            text
        })
        .collect()
}

/// `explain` with hostile text, from an argument and from standard input: never a panic, exit
/// 0, valid JSON, and no raw control character in the table or markdown output.
#[test]
fn explain_survives_hostile_text_in_every_format() {
    for text in hostile_texts() {
        let argument = text.replace('\u{0}', "");
        if argument.trim().is_empty() {
            assert_one_line_error(&run(&["explain", &argument]), "the reason text is empty");
            continue;
        }
        for format in ["table", "json", "markdown"] {
            let output = run(&["explain", &argument, "--output", format]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            let printed = stdout(&output);
            if format == "json" {
                serde_json::from_str::<serde_json::Value>(&printed).expect("explain JSON");
            } else {
                assert!(
                    !printed
                        .chars()
                        .any(|c| c.is_control() && c != '\n' || ('\u{80}'..='\u{9f}').contains(&c)),
                    "{format}: raw control characters in {printed:?}"
                );
            }
        }
        let mut child = binary()
            .args(["explain", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(!stdout(&output).contains('\u{1b}'));
    }
}

/// The handed snapshot with a splunk token, a firelens password and presigned-URL credentials in
/// its stopped reasons: no output format, nor a snapshot written back, carries any of them.
#[test]
fn secrets_reach_no_output() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/cases/hostile/secrets-in-snapshot.json");
    let file = file.to_str().unwrap();
    let secrets = [
        "hunter2-splunk-token",
        "hunter2-firelens",
        "FwoGZXIvYXdzCanaryToken",
        "deadbeefcanarysignature",
    ];
    let original = std::fs::read_to_string(file).unwrap();
    for secret in secrets {
        assert!(original.contains(secret), "the case lost {secret}");
    }
    for format in ["table", "json", "markdown"] {
        let output = run(&["diagnose", "--snapshot", file, "--output", format]);
        assert!(
            matches!(output.status.code(), Some(0..=3)) && output.status.code() != Some(2),
            "{format}: {}",
            stderr(&output)
        );
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        for secret in secrets {
            assert!(!printed.contains(secret), "{format} prints {secret}");
        }
        if format == "json" {
            // The parameter names stay, so the reason still reads; only the values are masked.
            assert!(printed.contains("X-Amz-Security-Token"), "{printed}");
        }
    }
}

#[test]
fn completions_are_generated_for_every_shell() {
    let output = run(&["completions", "bash"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bash = stdout(&output);
    for word in [
        "_ecr__pathcheck() {",
        "complete -F _ecr__pathcheck",
        "ecr-pathcheck",
        "diagnose",
        "snapshot",
        "explain",
        "plan",
        "rule",
        "completions",
        "man",
        "--task-arn",
        "--registry-role",
        "--output",
        "--endpoint-url",
        "--color",
        "--debug",
    ] {
        assert!(bash.contains(word), "{word} not in the bash script");
    }
    for (shell, marker) in [
        ("zsh", "#compdef ecr-pathcheck"),
        ("fish", "complete -c ecr-pathcheck"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = run(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("--task-arn"), "{shell}");
    }
    assert_usage_error(
        &run(&["completions", "tcsh"]),
        "'tcsh'",
        "ecr-pathcheck completions --help",
    );
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let output = run(&["man"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains("\n.TH ECR-PATHCHECK 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH \"EXAMPLES\"",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(page.contains(section), "{section} not in {page}");
    }
    for command in [
        "diagnose",
        "snapshot",
        "explain",
        "plan",
        "rule",
        "completions",
    ] {
        assert!(
            page.contains(&format!("ecr\\-pathcheck\\-{command}(1)")),
            "{command} not listed"
        );
    }
    assert!(page.contains("\\-\\-endpoint\\-url"), "{page}");
    // Rendered by groff, where installed: no warnings, and the examples keep their lines.
    if let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let checked = groff.wait_with_output().unwrap();
        assert!(checked.status.success(), "{}", stderr(&checked));
        assert!(stderr(&checked).is_empty(), "{}", stderr(&checked));
    }

    let dir = std::env::temp_dir().join(format!("ecr-pathcheck-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = run(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diagnose = std::fs::read_to_string(dir.join("ecr-pathcheck-diagnose.1")).unwrap();
    assert!(
        diagnose.contains(".TH ECR-PATHCHECK-DIAGNOSE 1"),
        "{diagnose}"
    );
    assert!(diagnose.contains("\\-\\-task\\-arn"), "{diagnose}");
    assert!(
        diagnose.contains("\\-\\-region"),
        "global options are on every page"
    );
    assert!(dir.join("ecr-pathcheck.1").is_file());
    assert!(dir.join("ecr-pathcheck-man.1").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

const ESC: char = '\u{1b}';

/// The demo's table with `args` added, and `NO_COLOR` as given (removed when `None`).
fn demo_table(args: &[&str], no_color: Option<&str>) -> String {
    let mut command = binary();
    command.args(["diagnose", "--demo"]).args(args);
    command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn color_always_colours_severities_and_verdicts_in_the_table_only() {
    let text = demo_table(&["--color", "always"], None);
    assert!(text.contains(ESC), "{text}");
    assert!(
        text.contains("\u{1b}[1m\u{1b}[31mBLOCKED\u{1b}[0m"),
        "{text:?}"
    );
    assert!(
        text.lines()
            .any(|line| line.contains(ESC) && line.contains("error") && line.starts_with('│')),
        "the severity cell is not coloured: {text:?}"
    );
    // `--color always` is a flag: it overrides NO_COLOR (no-color.org), `on` is the AWS CLI's word.
    assert!(demo_table(&["--color", "always"], Some("1")).contains(ESC));
    assert!(demo_table(&["--color=on"], None).contains(ESC));
    // The styling does not move the columns: without the escapes, the same text.
    let plain = demo_table(&["--color", "never"], None);
    assert_eq!(strip_ansi(&text), plain);
    let list = run(&["rule", "--color", "always"]);
    assert!(stdout(&list).contains(ESC));
}

#[test]
fn no_colour_when_piped_asked_or_not_a_table() {
    // The tests' stdout is a pipe: `auto` (the default) does not colour it.
    assert!(!demo_table(&[], None).contains(ESC));
    assert!(!demo_table(&["--color", "auto"], None).contains(ESC));
    assert!(!demo_table(&["--color", "never"], None).contains(ESC));
    assert!(!demo_table(&["--color", "off"], None).contains(ESC));
    assert!(!demo_table(&["--color", "auto"], Some("1")).contains(ESC));
    for format in ["json", "markdown", "sarif", "junit"] {
        let text = demo_table(&["--color", "always", "--output", format], None);
        assert!(!text.contains(ESC), "{format}: {text:?}");
    }
    let output = run(&["explain", "--color", "always", "i/o timeout"]);
    assert!(!stdout(&output).contains(ESC));
    assert_usage_error(
        &run(&["diagnose", "--demo", "--color", "sometimes"]),
        "'sometimes'",
        "ecr-pathcheck diagnose --help",
    );
}

/// `auto` on a terminal, through util-linux `script` (a pseudo-terminal); skipped without it.
#[test]
fn color_auto_on_a_terminal_honours_no_color() {
    let on_terminal = |no_color: Option<&str>| -> Option<String> {
        let binary = env!("CARGO_BIN_EXE_ecr-pathcheck");
        let mut command = Command::new("script");
        command
            .args(["-qec", &format!("'{binary}' diagnose --demo"), "/dev/null"])
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::null());
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let output = command.output().ok()?;
        let text = stdout(&output);
        text.contains("PC401").then_some(text)
    };
    let Some(coloured) = on_terminal(None) else {
        eprintln!("skipped: util-linux `script` is not available");
        return;
    };
    assert!(coloured.contains(ESC), "{coloured:?}");
    let plain = on_terminal(Some("1")).unwrap();
    assert!(!plain.contains(ESC), "{plain:?}");
    // An empty NO_COLOR is as if unset.
    assert!(on_terminal(Some("")).unwrap().contains(ESC));
}

/// Removes SGR sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == ESC {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let long = stdout(&run(&["--help"]));
    for text in [
        "Examples:",
        "ecr-pathcheck diagnose --demo",
        "ecr-pathcheck diagnose --cluster prod --service web",
        "ecr-pathcheck completions bash",
        "Exit codes:",
        "--endpoint-url <URL>",
        "--color <WHEN>",
        "--debug",
    ] {
        assert!(long.contains(text), "{text} not in --help: {long}");
    }
    let short = stdout(&run(&["-h"]));
    assert!(short.contains("ecr-pathcheck --help") && !short.contains("Exit codes:"));
    for command in [
        "diagnose",
        "snapshot",
        "explain",
        "plan",
        "rule",
        "completions",
        "man",
    ] {
        let help = stdout(&run(&[command, "--help"]));
        assert!(
            help.contains("Examples:") && help.contains(&format!("ecr-pathcheck {command}")),
            "{command}: {help}"
        );
    }
    // Help is never coloured when asked not to, even where clap would.
    assert!(!stdout(&run(&["--color", "never", "--help"])).contains(ESC));
    let version = stdout(&run(&["--version"]));
    assert_eq!(
        version.trim(),
        format!("ecr-pathcheck {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn endpoint_url_is_checked_and_used() {
    assert_usage_error(
        &run(&[
            "diagnose",
            "--cluster",
            "prod",
            "--endpoint-url",
            "localhost:5000",
        ]),
        "http:// or https://",
        "ecr-pathcheck diagnose --help",
    );
    assert_usage_error(
        &run(&["diagnose", "--cluster", "prod", "--endpoint-url", "http://"]),
        "needs a host",
        "ecr-pathcheck diagnose --help",
    );
    // Nothing listens on port 1: the first call that names the target fails there, and
    // `--debug` shows the SDK trying that endpoint. AWS_ENDPOINT_URL is overridden.
    let output = binary()
        .args([
            "diagnose",
            "--cluster",
            "prod",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--debug",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_SESSION_TOKEN", "session-token-that-must-not-be-logged")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{log}");
    assert!(log.contains("127.0.0.1:1"), "{log}");
    assert!(!log.contains("127.0.0.1:9"), "{log}");
    assert!(log.lines().count() > 3, "--debug logged nothing: {log}");
    for secret in ["wJalrXUtnFEMI", "session-token-that-must-not-be-logged"] {
        assert!(!log.contains(secret), "{secret} in the debug log");
    }
    assert!(log.lines().last().unwrap().starts_with("error: "), "{log}");
}

/// `explain -` reads at most 1 MiB: a stopped reason is a few KB, and /dev/zero never ends.
#[test]
fn explain_reads_a_bounded_standard_input() {
    let output = binary()
        .args(["explain", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_one_line_error(&output, "longer than 1048576 bytes");
}

/// `--select` / `--ignore` (ruff's flags): ids, names, former names and id prefixes; a check
/// left out neither runs nor reports, so the exit code follows what is left.
#[test]
fn select_and_ignore_choose_the_checks_that_run() {
    let demo = |args: &[&str]| {
        let mut all = vec!["diagnose", "--demo", "--output", "json"];
        all.extend_from_slice(args);
        let output = run(&all);
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let checks: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| finding["check"].as_str().unwrap().to_string())
            .collect();
        (output.status.code(), checks)
    };
    let (code, checks) = demo(&[]);
    assert_eq!(code, Some(1));
    assert!(checks.contains(&"PC401".to_string()), "{checks:?}");

    let (code, checks) = demo(&["--ignore", "PC401"]);
    assert_eq!(code, Some(0), "{checks:?}");
    assert!(!checks.contains(&"PC401".to_string()), "{checks:?}");

    let (code, checks) = demo(&["--select", "PC4"]);
    assert_eq!(code, Some(1));
    assert_eq!(checks, ["PC401"]);

    let (code, checks) = demo(&[
        "--select",
        "s3-prefix-list-egress,PC801",
        "--ignore",
        "PC801",
    ]);
    assert_eq!((code, checks), (Some(1), vec!["PC401".to_string()]));

    // The name PC603 had before it was renamed still selects it.
    let (code, checks) = demo(&["--select", "execution-role-denies"]);
    assert_eq!((code, checks), (Some(0), Vec::<String>::new()));

    assert_one_line_error(
        &run(&["diagnose", "--demo", "--select", "PC999"]),
        "--select PC999: no check has that id, name or id prefix (closest: PC",
    );
    assert_one_line_error(
        &run(&["diagnose", "--demo", "--ignore", "s3-prefix-list-egres"]),
        "closest: s3-prefix-list-egress",
    );
    // An empty value (an unset variable in a script) is not "every check".
    for empty in ["", ",", " , ,"] {
        assert_one_line_error(
            &run(&["diagnose", "--demo", "--select", empty]),
            "--select needs check ids, names or id prefixes",
        );
    }
    assert_one_line_error(
        &run(&["diagnose", "--demo", "--select", "PC4", "--ignore", "PC4"]),
        "--select and --ignore leave no check to run",
    );
    // A read that failed is never a clean bill of health, whatever checks were selected.
    let refused = mock("network-acls-refused");
    for selection in [["--select", "PC901"], ["--select", "PC401"]] {
        let output = run(&[
            "diagnose",
            "--snapshot",
            &refused,
            selection[0],
            selection[1],
        ]);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{selection:?}: {}",
            stdout(&output)
        );
    }
}

/// Several snapshots, or a directory of them with its `sweep.json`, are one sweep's report in
/// every format; what a sweep could not read counts as undecided.
#[test]
fn several_snapshots_are_one_sweep_report() {
    let mocks = concat!(env!("CARGO_MANIFEST_DIR"), "/mocks");
    let blocked = format!("{mocks}/s3-prefix-list-egress-missing/snapshot.json");
    let healthy = format!("{mocks}/healthy-endpoints/snapshot.json");
    let both = ["diagnose", "--snapshot", &blocked, "--snapshot", &healthy];
    let json_out = run(&[&both[..], &["--output", "json"]].concat());
    assert_eq!(json_out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(report["reports"].as_array().unwrap().len(), 2);
    // Two snapshots of one account and region (two clusters, say): one region read.
    assert_eq!(report["summary"]["account_regions_read"], 1);
    assert_eq!(report["accounts"].as_array().unwrap().len(), 1);
    // The same snapshot twice is read once, never counted twice.
    let twice = run(&[
        "diagnose",
        "--snapshot",
        &blocked,
        "--snapshot",
        &blocked,
        "--output",
        "json",
    ]);
    let twice_report: serde_json::Value = serde_json::from_slice(&twice.stdout).unwrap();
    assert_eq!(twice_report["reports"].as_array().unwrap().len(), 1);
    assert!(
        stderr(&twice).contains("is given twice, identically"),
        "{}",
        stderr(&twice)
    );
    assert_eq!(
        report["summary"]["errors"],
        report["reports"][0]["summary"]["errors"].as_u64().unwrap()
            + report["reports"][1]["summary"]["errors"].as_u64().unwrap()
    );
    let markdown =
        String::from_utf8(run(&[&both[..], &["--output", "markdown"]].concat()).stdout).unwrap();
    assert!(
        markdown.starts_with("# ecr-pathcheck sweep\n"),
        "{markdown}"
    );
    assert!(markdown.contains("| account | regions read |"));
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(&[&both[..], &["--output", "sarif"]].concat()).stdout).unwrap();
    // One run (GitHub code scanning takes at most 20 per file), each result naming its scope.
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results
            .iter()
            .all(|r| r["properties"]["account_id"] == "111122223333")
    );
    let junit =
        String::from_utf8(run(&[&both[..], &["--output", "junit"]].concat()).stdout).unwrap();
    assert_eq!(junit.matches("<testsuites ").count(), 1);
    assert_eq!(junit.matches("</testsuites>").count(), 1);
    let lines =
        String::from_utf8(run(&[&both[..], &["--output", "jsonl"]].concat()).stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["errors"], report["summary"]["errors"]);
    for line in lines.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        if line["type"] == "target" {
            assert_eq!(line["account_id"], "111122223333");
            assert_eq!(line["region"], "us-east-1");
        }
    }

    // A directory: its snapshots and what its sweep.json says was not read.
    let directory =
        std::env::temp_dir().join(format!("ecr-pathcheck-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    std::fs::copy(&healthy, directory.join("111122223333-us-east-1.json")).unwrap();
    std::fs::write(
        directory.join("sweep.json"),
        r#"{"failures": [{"account_id": "444455556666", "region": null, "error": "cannot assume arn:aws:iam::444455556666:role/reader"}]}"#,
    )
    .unwrap();
    let replay = run(&[
        "diagnose",
        "--snapshot",
        directory.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(
        replay.status.code(),
        Some(3),
        "a sweep that could not read an account is undecided"
    );
    let replay: serde_json::Value = serde_json::from_slice(&replay.stdout).unwrap();
    assert_eq!(replay["failures"][0]["account_id"], "444455556666");
    std::fs::write(
        directory.join("sweep.json"),
        r#"{"failures": [{"account_id": "x"}]}"#,
    )
    .unwrap();
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", directory.to_str().unwrap()]),
        "is not a sweep file",
    );
    std::fs::write(directory.join("sweep.json"), r#"{"failures": []}"#).unwrap();
    std::fs::write(directory.join("broken.json"), "{").unwrap();
    assert_one_line_error(
        &run(&["diagnose", "--snapshot", directory.to_str().unwrap()]),
        "broken.json",
    );
    let _ = std::fs::remove_dir_all(&directory);
}

/// `--redact` over a sweep: one mapping for every account and region, so two accounts get two
/// placeholders, the same account the same one everywhere, and no original account survives,
/// not even in what could not be read.
#[test]
fn a_redacted_sweep_maps_every_account_with_one_mapping() {
    let mocks = concat!(env!("CARGO_MANIFEST_DIR"), "/mocks");
    let directory =
        std::env::temp_dir().join(format!("ecr-pathcheck-redact-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    let blocked = std::fs::read_to_string(format!(
        "{mocks}/s3-prefix-list-egress-missing/snapshot.json"
    ))
    .unwrap();
    std::fs::write(directory.join("111122223333-us-east-1.json"), &blocked).unwrap();
    std::fs::write(
        directory.join("444455556666-us-east-1.json"),
        blocked.replace("111122223333", "444455556666"),
    )
    .unwrap();
    std::fs::write(
        directory.join("sweep.json"),
        r#"{"failures": [{"account_id": "777788889999", "region": null, "error": "cannot assume arn:aws:iam::777788889999:role/reader; exclude the account with --exclude-accounts"}]}"#,
    )
    .unwrap();
    let output = run(&[
        "diagnose",
        "--snapshot",
        directory.to_str().unwrap(),
        "--redact",
        "--output",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    for original in ["111122223333", "444455556666", "777788889999"] {
        assert!(!text.contains(original), "{original} survived");
    }
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let accounts: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| account["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    let failure = report["failures"][0]["account_id"].as_str().unwrap();
    let error = report["failures"][0]["error"].as_str().unwrap();
    assert!(error.contains(failure), "{error}");
    // The tool's own words stay: flags keep their hyphens.
    assert!(error.ends_with("with --exclude-accounts"), "{error}");
    assert!(report["failures"][0]["region"].is_null());
    for scope in report["reports"].as_array().unwrap() {
        let account = scope["account_id"].as_str().unwrap();
        for target in scope["targets"].as_array().unwrap() {
            assert!(target["target"].as_str().unwrap().contains(account));
        }
    }
    let _ = std::fs::remove_dir_all(&directory);
}
