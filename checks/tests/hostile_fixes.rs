//! Fixes are pasted into shells and Terraform files: a value read from the account (an id, a
//! name, an ARN, a tag) must never become code there. Every scenario under `mocks/` is loaded
//! with its ids, names and ARNs replaced by hostile strings, diagnosed, and every fix is checked:
//! the AWS CLI text may hold a hostile value only inside quotes, as part of one word, and the
//! Terraform only inside HCL strings, escaped.
//!
//! The snapshots are read with serde directly, not through `snapshot::from_json`, which may
//! refuse such ids: the fixes must be safe whatever the loader lets through.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ecr_pathcheck_checks::{Snapshot, diagnose};
use serde_json::Value;

/// Appended to the names they poison; each carries a unique marker `PWNn`.
const PAYLOADS: &[&str] = &[
    "$(touch${IFS}/tmp/PWN0)",
    "';rm -rf ~PWN1;'",
    "`reboot PWN2`",
    "\"${var.PWN3}\"",
    "\nrm -rf ~PWN4\n",
    "\u{1b}]0;PWN5\u{7}\u{1b}[2J\u{9b}31m",
    "|curl PWN6|sh&",
    "%{if PWN7}x%{endif}\\",
    "\"; touch PWN8 #",
];

/// The payloads for names inside ARNs, which the engine splits on `/`.
const ARN_PAYLOADS: &[&str] = &[
    "$(touch${IFS}PWN0)",
    "';rm -rf ~PWN1;'",
    "`reboot PWN2`",
    "\"${var.PWN3}\"",
    "\nrm -rf ~PWN4\n",
    "\u{1b}]0;PWN5\u{7}\u{1b}[2J",
    "|curl PWN6|sh&",
    "%{if PWN7}x%{endif}\\",
];

fn mocks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks")
}

fn scenarios() -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = std::fs::read_dir(mocks())
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("snapshot.json"))
        .filter(|path| path.exists())
        .map(|path| {
            let name = path.parent().unwrap().file_name().unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            (
                name.to_string_lossy().into_owned(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The names worth poisoning: resource ids, names, the last segment of ARNs (role, cluster,
/// service, task definition family, key), repository names and tags, refused API names.
fn tokens(value: &Value, key: Option<&str>, out: &mut BTreeMap<String, bool>) {
    match value {
        Value::Object(fields) => fields
            .iter()
            .for_each(|(key, value)| tokens(value, Some(key), out)),
        Value::Array(items) => items.iter().for_each(|item| tokens(item, key, out)),
        Value::String(text) => {
            let key = key.unwrap_or_default();
            if text.contains("amazonaws") || text.is_empty() || text == "local" {
                return;
            }
            if matches!(
                key,
                "id" | "rule_id"
                    | "name"
                    | "tags"
                    | "api"
                    | "ecr_repository_prefix"
                    | "ec2_instance_id"
            ) {
                out.entry(text.clone()).or_insert(false);
            }
            if key.ends_with("arn") && text.starts_with("arn:") {
                let last = text.rsplit('/').next().unwrap_or_default();
                let last = last.split(':').next().unwrap_or_default();
                if !last.is_empty() && !last.starts_with("arn") && last.len() > 2 {
                    out.insert(last.to_string(), true);
                }
            }
        }
        _ => {}
    }
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// Replaces every whole-word occurrence of each token (longest first).
fn poison_text(text: &str, replacements: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (from, to) in replacements {
        let mut result = String::new();
        let mut rest = out.as_str();
        let mut previous: Option<char> = None;
        while let Some(at) = rest.find(from.as_str()) {
            let before = rest[..at].chars().next_back().or(previous);
            let after = rest[at + from.len()..].chars().next();
            let bounded = !before.is_some_and(word_char) && !after.is_some_and(word_char);
            result.push_str(&rest[..at]);
            result.push_str(if bounded { to } else { from });
            previous = from.chars().next_back();
            rest = &rest[at + from.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

fn poison(value: &mut Value, replacements: &[(String, String)]) {
    match value {
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|value| poison(value, replacements)),
        Value::Array(items) => items.iter_mut().for_each(|item| poison(item, replacements)),
        Value::String(text) => *text = poison_text(text, replacements),
        _ => {}
    }
}

fn hostile(value: &Value, shift: usize) -> Snapshot {
    let mut found = BTreeMap::new();
    tokens(value, None, &mut found);
    let mut replacements: Vec<(String, String)> = found
        .into_iter()
        .enumerate()
        .map(|(n, (token, in_arn))| {
            let payloads = if in_arn { ARN_PAYLOADS } else { PAYLOADS };
            let payload = payloads[(n + shift) % payloads.len()];
            (token.clone(), format!("{token}{payload}"))
        })
        .collect();
    replacements.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut value = value.clone();
    poison(&mut value, &replacements);
    let mut snapshot: Snapshot = serde_json::from_value(value).unwrap();
    snapshot.normalize();
    snapshot
}

fn markers(text: &str) -> Vec<usize> {
    (0..PAYLOADS.len())
        .filter(|n| text.contains(&format!("PWN{n}")))
        .collect()
}

/// The templates' own idiom for an id a later command needs: a line `NAME=$(aws ...)` (NAME in
/// capitals) becomes its command, and `$NAME` of a name so captured becomes plain text, so that
/// only the captures the fix itself made are allowed; any other `$` is still found.
fn without_captures(command: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for line in command.lines() {
        let captured = line.split_once("=$(").filter(|(name, rest)| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && rest.ends_with(')')
        });
        match captured {
            Some((name, rest)) => {
                names.push(name.to_string());
                lines.push(rest[..rest.len() - 1].to_string());
            }
            None => lines.push(line.to_string()),
        }
    }
    let mut text = lines.join("\n");
    // Longest first, so that `$TARGET_ZONE_10` is not read as `$TARGET_ZONE_1` then `0`.
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    for name in names {
        text = text.replace(
            &format!("${name}"),
            &format!("captured-{}", name.to_lowercase()),
        );
    }
    text
}

/// Walks a shell command as POSIX sh would tokenise it and returns the problems: hostile text
/// outside quotes, live `$` or backtick inside double quotes, metacharacters that are not the
/// templates' own (`&&`, `>`, `<placeholder>`), and lines that do not start a known command.
fn shell_problems(command: &str) -> Vec<String> {
    let command = without_captures(command);
    let mut problems = Vec::new();
    let mut unquoted = String::new();
    let chars: Vec<char> = command.chars().collect();
    let mut i = 0;
    let mut word_start = true;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                let end = chars[i + 1..].iter().position(|&c| c == '\'');
                let Some(end) = end else {
                    problems.push("unterminated single quote".into());
                    break;
                };
                i += end + 2;
                word_start = false;
                continue;
            }
            '"' => {
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            problems.push("unterminated double quote".into());
                            break;
                        }
                        Some('\\') => j += 2,
                        Some('"') => break,
                        Some('$') | Some('`') => {
                            problems.push(format!("live {} inside double quotes", chars[j]));
                            j += 1;
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
                word_start = false;
                continue;
            }
            '\\' => {
                i += 2;
                word_start = false;
                continue;
            }
            '#' if word_start => {
                let end = chars[i..].iter().position(|&c| c == '\n');
                i = end.map(|end| i + end).unwrap_or(chars.len());
                continue;
            }
            ' ' | '\t' => word_start = true,
            '\n' => {
                word_start = true;
                unquoted.push('\n');
            }
            _ => {
                word_start = false;
                unquoted.push(c);
            }
        }
        i += 1;
    }
    if !markers(&unquoted).is_empty() {
        problems.push(format!("hostile text outside quotes: {unquoted:?}"));
    }
    let operators = unquoted.replace("&&", " ");
    for bad in ['$', '`', ';', '|', '&', '(', ')'] {
        if operators.contains(bad) {
            problems.push(format!("unquoted {bad:?}"));
        }
    }
    if unquoted.chars().any(|c| c.is_control() && c != '\n') {
        problems.push("unquoted control character".into());
    }
    for line in unquoted.lines() {
        let line = line.trim_start();
        let known = ["aws", "docker", "terraform"]
            .iter()
            .any(|program| line.starts_with(program));
        if !line.is_empty() && !known {
            problems.push(format!(
                "a line starts with something else than a command: {line:?}"
            ));
        }
    }
    problems
}

/// Walks Terraform text: outside strings and comments no hostile text, inside strings no live
/// interpolation or directive and no raw control character; comments stay on their line.
fn terraform_problems(terraform: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if terraform
        .chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{9b}')
    {
        problems.push("raw control character".into());
    }
    let mut bare = String::new();
    for line in terraform.lines() {
        // Shell lines in the Terraform advice (`terraform apply -replace=...`) are shell.
        if line.starts_with("terraform ") {
            problems.extend(shell_problems(line));
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '#' => break,
                '"' => {
                    let mut j = i + 1;
                    loop {
                        match chars.get(j) {
                            None => {
                                problems.push(format!("unterminated string in {line:?}"));
                                break;
                            }
                            Some('\\') => j += 2,
                            Some('"') => break,
                            Some('$') | Some('%') if chars.get(j + 1) == Some(&chars[j]) => j += 2,
                            Some('$') | Some('%') if chars.get(j + 1) == Some(&'{') => {
                                problems.push(format!("live template sequence in {line:?}"));
                                j += 2;
                            }
                            Some(_) => j += 1,
                        }
                    }
                    i = j + 1;
                }
                c => {
                    bare.push(c);
                    i += 1;
                }
            }
        }
        bare.push('\n');
    }
    if !markers(&bare).is_empty() {
        problems.push(format!("hostile text outside strings: {bare:?}"));
    }
    problems
}

/// Each word holding a hostile marker holds the whole payload it came from.
fn words_problems(command: &str) -> Vec<String> {
    let Some(words) = shlex::split(command) else {
        return vec!["shlex cannot split it".into()];
    };
    let mut problems = Vec::new();
    for word in &words {
        // A JSON document (a policy) holds the payload JSON-escaped: look in its strings.
        let texts = match serde_json::from_str::<Value>(word) {
            Ok(document) => {
                let mut texts = Vec::new();
                strings(&document, &mut texts);
                if !markers(word).is_empty() && texts.iter().all(|text| markers(text).is_empty()) {
                    problems.push(format!(
                        "JSON word {word:?} holds a marker outside its strings"
                    ));
                }
                texts
            }
            Err(_) => vec![word.clone()],
        };
        for text in &texts {
            for n in markers(text) {
                let whole = PAYLOADS[n..=n]
                    .iter()
                    .chain(ARN_PAYLOADS.get(n))
                    .any(|payload| text.contains(payload));
                if !whole {
                    problems.push(format!("word {word:?} holds part of payload {n}"));
                }
            }
        }
    }
    problems
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(fields) => fields.iter().for_each(|(key, value)| {
            out.push(key.clone());
            strings(value, out);
        }),
        _ => {}
    }
}

#[test]
fn hostile_names_stay_literal_in_every_fix() {
    let mut problems = Vec::new();
    let mut checks_with_hostile_fix = BTreeSet::new();
    let mut payloads_seen = BTreeSet::new();
    let mut fixes_checked = 0;
    let scenarios = scenarios();
    assert!(scenarios.len() >= 40, "{} scenarios", scenarios.len());
    for (name, value) in &scenarios {
        for shift in 0..3 {
            let report = diagnose(&hostile(value, shift));
            for finding in &report.findings {
                let Some(fix) = &finding.fix else { continue };
                fixes_checked += 1;
                let hit = markers(&fix.aws_cli)
                    .into_iter()
                    .chain(markers(&fix.terraform))
                    .collect::<Vec<_>>();
                if !hit.is_empty() {
                    checks_with_hostile_fix.insert(finding.check);
                    payloads_seen.extend(hit);
                }
                let found = shell_problems(&fix.aws_cli)
                    .into_iter()
                    .chain(words_problems(&fix.aws_cli))
                    .map(|problem| format!("aws_cli: {problem}\n{}", fix.aws_cli))
                    .chain(
                        terraform_problems(&fix.terraform)
                            .into_iter()
                            .map(|problem| format!("terraform: {problem}\n{}", fix.terraform)),
                    );
                problems
                    .extend(found.map(|problem| format!("{name} {}: {problem}", finding.check)));
            }
        }
    }
    eprintln!(
        "{fixes_checked} fixes checked; hostile values reached the fixes of {} checks: {checks_with_hostile_fix:?}",
        checks_with_hostile_fix.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n\n")
    );
    assert!(fixes_checked >= 150, "only {fixes_checked} fixes checked");
    assert!(
        checks_with_hostile_fix.len() >= 30,
        "hostile values reached the fixes of only {} checks: {checks_with_hostile_fix:?}",
        checks_with_hostile_fix.len()
    );
    assert_eq!(
        payloads_seen.len(),
        PAYLOADS.len(),
        "payloads that reached a fix: {payloads_seen:?}"
    );
}

#[test]
fn the_checker_catches_unquoted_values() {
    // The checks above would catch the fixes as they were written before quoting.
    let id = format!("sg-app{}", PAYLOADS[0]);
    assert!(
        !shell_problems(&format!(
            "aws ec2 describe-security-groups --group-ids {id}"
        ))
        .is_empty()
    );
    let quoted = format!("aws ec2 x --ip-permissions 'GroupId=sg-app{}'", PAYLOADS[1]);
    assert!(!shell_problems(&quoted).is_empty());
    let newline = format!("aws ec2 x --vpc-id vpc-1{}", PAYLOADS[4]);
    assert!(!shell_problems(&newline).is_empty());
    let tf = format!(
        "resource \"a\" \"b\" {{\n  vpc_id = \"vpc-1{}\"\n}}",
        PAYLOADS[3]
    );
    assert!(!terraform_problems(&tf).is_empty());
    let comment = format!(
        "# on the aws_vpc of vpc-1{}\nenable_dns_support = true",
        PAYLOADS[4]
    );
    assert!(!terraform_problems(&comment).is_empty());
}
