use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{TargetFacts, TargetInput};
use crate::finding::{Finding, Severity};
use crate::flows::FlowKind;
use crate::snapshot::TaskDefinition;

declare_check! {
    /// ## What it does
    /// Reads the stopped reason `... did not contain json key KEY` (Secrets Manager answered, the
    /// secret exists, the role may read it) and finds, in the task definition, the container and
    /// the `secrets[].valueFrom` that ask for that key
    /// (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abcdef:KEY::`). It never reads secret
    /// values: the key comes from the reason and from `valueFrom`.
    ///
    /// ## Why is this bad
    /// ECS injects each JSON key as an environment variable before the container starts; a key
    /// that the secret's JSON lacks (renamed, never added, a typo in `valueFrom`) stops the task
    /// with `ResourceInitializationError`, although the network and every permission are fine.
    /// When no `valueFrom` names the key, the finding is a warning: the reason may come from
    /// another revision of the task definition.
    ///
    /// ## Example
    /// `valueFrom: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-oDuwul:DB_HOST::`
    /// and the secret's JSON is `{"username": …, "password": …}`.
    ///
    /// ## Fix
    /// Add the key to the secret's JSON (a new secret version keeping the other keys), or
    /// correct `valueFrom` to a key the secret has.
    pub static CHECK = ("PC607", "secret-json-key-missing", Error);
}

/// The key a `did not contain json key KEY` reason names.
fn missing_key(reason: &str) -> Option<&str> {
    const LEAD: &str = "did not contain json key ";
    let at = reason.to_ascii_lowercase().find(LEAD)? + LEAD.len();
    let rest = &reason[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ',' || c == '"' || c == '\'')
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches(['.', ':'])).filter(|key| !key.is_empty())
}

/// `arn:aws:secretsmanager:…:secret:NAME-abcdef:KEY:STAGE:VERSION` → (secret ARN, KEY).
fn json_key_of(value_from: &str) -> Option<(String, &str)> {
    let parts: Vec<&str> = value_from.split(':').collect();
    (parts.len() >= 8 && parts[2] == "secretsmanager" && !parts[7].is_empty())
        .then(|| (parts[..7].join(":"), parts[7]))
}

pub fn check(facts: &TargetFacts) -> Vec<Finding> {
    match facts.definition {
        Some(definition) => judge(facts.target, definition),
        None => Vec::new(),
    }
}

fn judge(target: &TargetInput, definition: &TaskDefinition) -> Vec<Finding> {
    let mut keys: Vec<&str> = target
        .reasons
        .iter()
        .filter_map(|r| missing_key(r))
        .collect();
    keys.sort();
    keys.dedup();
    let mut findings = Vec::new();
    for key in keys {
        let asking: Vec<(&str, &str, String)> = definition
            .containers
            .iter()
            .flat_map(|container| {
                container.secrets.iter().filter_map(move |secret| {
                    let (arn, wanted) = json_key_of(&secret.value_from)?;
                    (wanted == key).then_some((container.name.as_str(), secret.name.as_str(), arn))
                })
            })
            .collect();
        if asking.is_empty() {
            findings.push(
                CHECK
                    .finding(format!("A secret has no JSON key {key}, and no valueFrom of {} asks for it", definition.arn))
                    .severity(Severity::Warning)
                    .flow(FlowKind::SecretsManager)
                    .resource(definition.arn.as_str())
                    .detail(format!("The stopped reason says a Secrets Manager secret did not contain JSON key {key}, but no secrets[].valueFrom of {} names that key: the task that stopped may have run another revision.", definition.arn)),
            );
            continue;
        }
        for (container, variable, arn) in asking {
            findings.push(
                CHECK
                    .finding(format!("Secret {arn} has no JSON key {key}, which container `{container}` asks for"))
                    .flow(FlowKind::SecretsManager)
                    .resources([arn.as_str(), definition.arn.as_str()])
                    .detail(format!(
                        "Secrets Manager answered (network and permissions worked), but the secret's JSON has no key {key}: container `{container}` sets {variable} from valueFrom {arn}:{key}:: of {}. The secret value was not read; the key comes from the stopped reason and the task definition.",
                        definition.arn
                    ))
                    .fix(
                        format!(
                            "# add {} to the secret's JSON, keeping its other keys (write secret.json yourself; this tool never reads the value):\naws secretsmanager put-secret-value --secret-id {} --secret-string file://secret.json\n# or register the task definition with a valueFrom naming an existing key",
                            note(key),
                            sh(&arn)
                        ),
                        format!(
                            "# in the container definition `{}` of {}: name a key the secret has, or add {} to the secret's aws_secretsmanager_secret_version\nsecrets = [{{ name = \"{}\", valueFrom = \"{}:<existing key>::\" }}]",
                            note(container),
                            note(&definition.arn),
                            note(key),
                            hcl(variable),
                            hcl(&arn)
                        ),
                    ),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::diagnose;
    use crate::facts::Index;
    use crate::rules::test_support::{scenario, task};
    use crate::snapshot::{SecretReference, Snapshot};

    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db-oDuwul";

    fn snapshot(reason: &str, key: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.task_definitions[0].containers[0].secrets = vec![SecretReference {
            name: "DB_HOST".into(),
            value_from: format!("{SECRET}:{key}::"),
        }];
        snapshot.tasks = vec![task(&snapshot, Some(reason), Vec::new())];
        snapshot
    }

    const REASON: &str = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key DB_HOST";

    #[test]
    fn names_the_secret_the_key_and_the_container() {
        let report = diagnose(&snapshot(REASON, "DB_HOST"));
        let finding = report.findings.iter().find(|f| f.check == "PC607").unwrap();
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding.title.contains(SECRET)
                && finding.title.contains("DB_HOST")
                && finding.title.contains("`web`")
        );
        assert!(report.findings.iter().all(|f| f.check != "PC802"));
    }

    #[test]
    fn no_error_without_the_reason_or_when_no_value_from_names_the_key() {
        let quiet = snapshot("Essential container in task exited", "DB_HOST");
        assert!(diagnose(&quiet).findings.iter().all(|f| f.check != "PC607"));
        let other = snapshot(REASON, "HOST");
        let index = Index::new(&other);
        let _ = index;
        let report = diagnose(&other);
        let finding = report.findings.iter().find(|f| f.check == "PC607").unwrap();
        assert_eq!(finding.severity, Severity::Warning);
    }
}
