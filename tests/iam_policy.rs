//! `docs/iam-policy.json` lists exactly the actions the collector calls: a new call without its
//! permission, or a permission nothing uses any more, fails here.

use std::collections::BTreeSet;
use std::path::Path;

fn collector_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/collect");
    let mut sources = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".rs") && name != "tests.rs" {
                sources.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    sources.sort();
    sources
}

/// Every `"service:Action"` literal of the collector: the names `Calls::run` is given.
fn called_actions() -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for (_, text) in collector_sources() {
        for literal in text.split('"').skip(1).step_by(2) {
            let Some((service, action)) = literal.split_once(':') else {
                continue;
            };
            if [
                "ec2",
                "ecs",
                "ecr",
                "iam",
                "kms",
                "organizations",
                "route53",
                "route53resolver",
                "secretsmanager",
                "ssm",
                "sts",
            ]
            .contains(&service)
                && action.starts_with(|c: char| c.is_ascii_uppercase())
                && action.chars().all(|c| c.is_ascii_alphanumeric())
            {
                actions.insert(literal.to_string());
            }
        }
    }
    actions
}

#[test]
fn the_policy_lists_exactly_the_actions_the_collector_calls() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/iam-policy.json"))
            .unwrap();
    let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    let mut granted = BTreeSet::new();
    for statement in statements {
        assert_eq!(statement["Effect"], "Allow");
        for action in statement["Action"].as_array().unwrap() {
            granted.insert(action.as_str().unwrap().to_string());
        }
    }
    let called = called_actions();
    assert!(called.len() >= 25, "the scan found only {called:?}");
    let missing: Vec<_> = called.difference(&granted).collect();
    let unused: Vec<_> = granted.difference(&called).collect();
    assert!(
        missing.is_empty(),
        "the collector calls actions the policy lacks: {missing:?}"
    );
    assert!(
        unused.is_empty(),
        "the policy grants actions nothing calls: {unused:?}"
    );
    for action in &granted {
        let verb = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "Get", "List", "BatchGet", "Simulate", "Search"]
                .iter()
                .any(|prefix| verb.starts_with(prefix)),
            "{action} is not a read-only action"
        );
    }
}

/// Each SDK request is handed to a `Calls` wrapper (`run`, `list`, `optional`, `target`,
/// `for_role`) with its action name, so none escapes the scan.
#[test]
fn every_request_goes_through_the_named_call_wrapper() {
    // call.rs is the wrapper itself.
    for (name, text) in collector_sources()
        .into_iter()
        .filter(|(name, _)| name != "call.rs")
    {
        let sends = text.matches(".send()").count();
        let named = [".run(", ".list(", ".optional(", ".target(", ".for_role("]
            .iter()
            .map(|wrapper| text.matches(wrapper).count())
            .sum::<usize>();
        assert_eq!(
            sends, named,
            "{name}: {sends} requests but {named} Calls::run wrappers"
        );
    }
}

/// The sweep's reader role (docs/sweep/) grants the policy's actions, less the two only the
/// sweeping account calls; its trust policy lets one role of one account assume it.
#[test]
fn the_sweep_reader_role_grants_the_policys_actions() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(docs.join(path)).unwrap()).unwrap()
    };
    let policy = read("iam-policy.json");
    let expected: BTreeSet<String> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action.as_str().unwrap().to_string())
        .filter(|action| {
            action != "organizations:ListAccounts" && action != "sts:GetCallerIdentity"
        })
        .collect();
    let template = read("sweep/reader-role.cfn.json");
    let role = &template["Resources"]["ReaderRole"]["Properties"];
    let granted: BTreeSet<String> = role["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        granted, expected,
        "regenerate docs/sweep/reader-role.cfn.json"
    );
    assert_eq!(
        template["Parameters"]["RoleName"]["Default"],
        "ecr-pathcheck-reader"
    );
    let trust = &role["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Action"], "sts:AssumeRole");
    assert!(trust["Condition"]["ArnEquals"]["aws:PrincipalArn"].is_object());
    let file = read("sweep/trust-policy.json");
    assert_eq!(file["Statement"][0]["Action"], "sts:AssumeRole");
    let sweeper = read("sweep/sweeper-policy.json");
    let actions: Vec<&str> = sweeper["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|statement| statement["Action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["sts:AssumeRole", "organizations:ListAccounts"]);
}
