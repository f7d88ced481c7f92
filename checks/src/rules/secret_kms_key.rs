use std::collections::BTreeMap;

use crate::declare_check;
use crate::facts::{Carrier, PathContext, Verdict};
use crate::flows::FlowKind;
use crate::policy::{Decision, PolicyKind, Request, evaluate, evaluate_set};
use crate::snapshot::{IamRole, KmsKey};

use super::fixes::{account_of, hcl, hcl_json, json_str, name_of, note, sh};

declare_check! {
    /// ## What it does
    /// For each Secrets Manager secret or SSM SecureString parameter the task reads that is
    /// encrypted with a customer-managed KMS key: the key must be enabled and the execution
    /// role's identity policies (and permissions boundary) must allow `kms:Decrypt` on it, with
    /// `kms:ViaService` set to the service that decrypts. The AWS managed default keys need
    /// nothing. The key policy decides too: a statement naming the role grants it directly; a
    /// statement naming the account (`arn:aws:iam::<account>:root`) only lets the role's IAM
    /// policies grant it; a key policy with neither refuses whatever IAM allows, and a `Deny` in
    /// either wins.
    ///
    /// ## Why is this bad
    /// The task stops with `ResourceInitializationError: unable to pull secrets or registry
    /// auth: ... AccessDeniedException ... kms:Decrypt`, though the role may read the secret.
    ///
    /// ## Example
    /// Secret `prod/db` encrypted with a customer-managed key; the role allows
    /// `secretsmanager:GetSecretValue` only.
    ///
    /// ## Fix
    /// Allow the execution role `kms:Decrypt` on the key; add the role (or the account root) to
    /// the key policy when it names neither; remove a denying statement; or enable the key.
    pub static CHECK = ("PC605", "secret-kms-decrypt", Error);
}

pub fn check(context: &PathContext, _carrier: &Carrier) -> Vec<Verdict> {
    let service = match context.flow.kind {
        FlowKind::SecretsManager => "secretsmanager",
        FlowKind::Ssm => "ssm",
        _ => return Vec::new(),
    };
    let Some(role) = context
        .execution_role()
        .and_then(|arn| context.index.role(arn))
    else {
        return Vec::new();
    };
    let snapshot = context.index.snapshot;
    let mut verdicts = Vec::new();
    for resource in &context.flow.resources {
        let Some(secret) = snapshot
            .secret_keys
            .iter()
            .find(|secret| &secret.resource == resource)
        else {
            let reads = ["secretsmanager:DescribeSecret", "ssm:DescribeParameters"];
            if let Some(gap) = context.index.gap_about(&reads, resource) {
                verdicts.push(Verdict::Unknown(
                    CHECK
                        .finding(format!("Which KMS key encrypts {resource} is unknown: it could not be described"))
                        .resource(resource.as_str())
                        .detail(super::collection_gap::because(gap)),
                ));
            }
            continue;
        };
        let Some(key_reference) = secret.kms_key.as_deref() else {
            continue;
        };
        let Some(key) = snapshot.kms_keys.iter().find(|key| key.is(key_reference)) else {
            verdicts.push(Verdict::Unknown(
                CHECK
                    .finding(format!("The KMS key of {resource} cannot be checked"))
                    .resource(resource.as_str())
                    .resource(key_reference)
                    .detail(format!("{resource} is encrypted with {key_reference}, which is not in the snapshot; whether {} may decrypt with it is unknown.", name_of(&role.arn))),
            ));
            continue;
        };
        if key.key_manager.eq_ignore_ascii_case("AWS") {
            continue;
        }
        if key.key_state != "Enabled" {
            verdicts.push(Verdict::Block(
                CHECK
                    .finding(format!("The KMS key of {resource} is {}", key.key_state))
                    .resource(resource.as_str())
                    .resource(key.arn.as_str())
                    .detail(format!("{resource} is encrypted with {}, whose state is {}: {service} cannot decrypt it for the task.", key.arn, key.key_state))
                    .fix(format!("aws kms enable-key --key-id {}", sh(&key.arn)), "# on the aws_kms_key\nis_enabled = true".to_string()),
            ));
            continue;
        }
        verdicts.push(decide(context, role, resource, key, service));
    }
    verdicts
}

/// Whether the role may call `kms:Decrypt` on the key for the secret: the identity side (its
/// policies and boundary) and the key policy side, combined as KMS combines them.
fn decide(
    context: &PathContext,
    role: &IamRole,
    resource: &str,
    key: &KmsKey,
    service: &str,
) -> Verdict {
    let name = name_of(&role.arn);
    let request = Request {
        principal_arn: Some(&role.arn),
        action: "kms:Decrypt",
        resource: &key.arn,
        context: BTreeMap::from([
            ("aws:PrincipalArn".to_string(), vec![role.arn.clone()]),
            (
                "aws:PrincipalAccount".to_string(),
                vec![account_of(&role.arn).to_string()],
            ),
            (
                "aws:RequestedRegion".to_string(),
                vec![context.flow.region.clone()],
            ),
            (
                "kms:ViaService".to_string(),
                vec![format!("{service}.{}.amazonaws.com", context.flow.region)],
            ),
            (
                "kms:CallerAccount".to_string(),
                vec![account_of(&role.arn).to_string()],
            ),
        ]),
    };
    let identity = evaluate_set(&role.identity_policies(), PolicyKind::Identity, &request);
    let boundary = role.permissions_boundary.as_ref().map(|boundary| {
        (
            boundary,
            evaluate(&boundary.document, PolicyKind::Identity, &request),
        )
    });
    let Some(key_policy) = &key.policy else {
        let cause = match context.index.gap("kms:GetKeyPolicy") {
            Some(gap) => format!("kms:GetKeyPolicy was refused ({})", gap.error_code),
            None => "the key policy is not in the snapshot".to_string(),
        };
        return unknown(
            role,
            resource,
            key,
            &format!("{cause}, and the key policy decides as much as the role's policies"),
        );
    };
    let by_key = evaluate(key_policy, PolicyKind::Resource, &request);
    let names_role =
        evaluate(key_policy, PolicyKind::ResourceNamingPrincipal, &request).is_allowed();
    let same_account = account_of(&key.arn) == account_of(&role.arn);
    let key_label = |statement: &str| format!("{statement} of the key policy of {}", key.arn);
    let refusal = match (&by_key, &identity) {
        (Decision::ExplicitDeny { statement }, _) => {
            Refusal::KeyPolicy(format!("{} denies it", key_label(statement)))
        }
        (_, Decision::ExplicitDeny { statement }) => {
            Refusal::Identity(format!("{statement} denies it"))
        }
        (Decision::Unknown { reason }, _) => {
            return unknown(role, resource, key, &format!("the key policy: {reason}"));
        }
        (Decision::ImplicitDeny, _) => Refusal::KeyPolicy(format!(
            "the key policy of {} names neither the role nor its account (arn:aws:iam::{}:root), so no IAM policy can grant it",
            key.arn,
            account_of(&role.arn)
        )),
        (Decision::Allowed { .. }, _) if names_role && same_account => Refusal::None,
        (Decision::Allowed { .. }, Decision::Allowed { .. }) => Refusal::None,
        (Decision::Allowed { .. }, Decision::Unknown { reason }) => {
            return unknown(role, resource, key, &format!("its policies: {reason}"));
        }
        (Decision::Allowed { statement }, Decision::ImplicitDeny) => Refusal::Identity(format!(
            "no statement of its policies allows it ({} only lets IAM policies grant it)",
            key_label(statement)
        )),
    };
    let refusal = match (refusal, boundary) {
        (Refusal::None, Some((boundary, decision))) if !decision.is_allowed() => match decision {
            Decision::Unknown { reason } => {
                return unknown(
                    role,
                    resource,
                    key,
                    &format!("its permissions boundary {}: {reason}", boundary.name),
                );
            }
            _ => Refusal::Identity(format!(
                "its permissions boundary {} does not allow it",
                boundary.name
            )),
        },
        (refusal, _) => refusal,
    };
    let statement = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":{}}}]}}"#,
        json_str(&key.arn)
    );
    let (why, fix) = match refusal {
        Refusal::None => {
            let how = if names_role && same_account {
                "the key policy names it"
            } else {
                "its policies allow it and the key policy lets them"
            };
            return Verdict::Pass(format!(
                "{name} may decrypt {resource} with {} ({how})",
                key.arn
            ));
        }
        Refusal::Identity(why) => (
            why,
            (
                format!(
                    "aws iam put-role-policy --role-name {} --policy-name decrypt-task-secrets --policy-document {}",
                    sh(name),
                    sh(&statement)
                ),
                format!(
                    "resource \"aws_iam_role_policy\" \"{}_decrypt_secrets\" {{\n  role   = \"{}\"\n  policy = jsonencode({})\n}}",
                    super::fixes::label(name),
                    hcl(name),
                    hcl_json(&statement)
                ),
            ),
        ),
        Refusal::KeyPolicy(why) => {
            let grant = format!(
                r#"{{"Sid":"AllowTaskSecretsDecrypt","Effect":"Allow","Principal":{{"AWS":{}}},"Action":"kms:Decrypt","Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":{}}}}}}}"#,
                json_str(&role.arn),
                json_str(&format!("{service}.{}.amazonaws.com", context.flow.region))
            );
            (
                why,
                (
                    format!(
                        "aws kms get-key-policy --key-id {} --policy-name default --query Policy --output text > key-policy.json  # add {} to Statement (and drop a denying one), then: aws kms put-key-policy --key-id {} --policy-name default --policy file://key-policy.json",
                        sh(&key.arn),
                        note(&grant),
                        note(&sh(&key.arn))
                    ),
                    format!(
                        "# in the policy of the aws_kms_key {}\n{}",
                        note(&key.arn),
                        hcl_json(&grant)
                    ),
                ),
            )
        }
    };
    Verdict::Block(
        CHECK
            .finding(format!("Execution role {name} may not decrypt {resource} (kms:Decrypt on its customer-managed key)"))
            .resource(role.arn.as_str())
            .resource(resource)
            .resource(key.arn.as_str())
            .detail(format!("{resource} is encrypted with customer-managed key {}; {service} decrypts it with the role's permission, and for {}, {why}.", key.arn, role.arn))
            .fix(fix.0, fix.1),
    )
}

enum Refusal {
    None,
    Identity(String),
    KeyPolicy(String),
}

fn unknown(role: &IamRole, resource: &str, key: &KmsKey, reason: &str) -> Verdict {
    Verdict::Unknown(
        CHECK
            .finding(format!(
                "Cannot tell whether {} may decrypt {resource}",
                name_of(&role.arn)
            ))
            .resource(role.arn.as_str())
            .resource(key.arn.as_str())
            .detail(format!("Evaluating kms:Decrypt on {}: {reason}.", key.arn)),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, NamedPolicy, Snapshot};

    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";
    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

    /// The secret encrypted with a customer-managed key whose policy delegates to IAM; the
    /// role may read the secret, and decrypt with the key when `decrypt`.
    fn secret(decrypt: bool) -> Snapshot {
        let mut snapshot = scenario("secret-kms-decrypt-denied");
        if decrypt {
            snapshot.iam_roles[0].inline_policies.push(NamedPolicy {
                name: "decrypt".into(),
                document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]}),
            });
        }
        snapshot
    }

    #[test]
    fn a_role_allowed_to_decrypt_with_the_key_passes() {
        assert!(findings_of(&secret(true), "PC605").is_empty());
        assert!(findings_of(&scenario("healthy-endpoints"), "PC605").is_empty());
    }

    #[test]
    fn a_role_without_kms_decrypt_cannot_read_the_secret() {
        let findings = findings_of(&secret(false), "PC605");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, [ROLE, SECRET, KEY]);
        // A disabled key refuses the decryption whatever the role may do.
        let mut snapshot = secret(true);
        snapshot.kms_keys[0].key_state = "Disabled".into();
        let findings = findings_of(&snapshot, "PC605");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, [SECRET, KEY]);
    }

    #[test]
    fn a_secret_that_could_not_be_described_is_unknown() {
        let mut snapshot = secret(false);
        snapshot.secret_keys.clear();
        snapshot.gaps.push(CollectionGap {
            api: "secretsmanager:DescribeSecret".into(),
            resource: Some(SECRET.into()),
            error_code: "AccessDeniedException".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC605");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, [SECRET]);
    }
}
