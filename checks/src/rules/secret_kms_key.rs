use std::collections::BTreeMap;

use crate::declare_check;
use crate::engine::{PathContext, Verdict};
use crate::flows::FlowKind;
use crate::policy::{Decision, PolicyKind, Request, evaluate, evaluate_set};

declare_check! {
    /// ## What it does
    /// For each Secrets Manager secret or SSM SecureString parameter the task reads that is
    /// encrypted with a customer-managed KMS key: the key must be enabled and the execution
    /// role's identity policies (and permissions boundary) must allow `kms:Decrypt` on it, with
    /// `kms:ViaService` set to the service that decrypts. The AWS managed default keys need
    /// nothing. The key policy is not read: a key policy that omits the account's IAM policies
    /// can still refuse.
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
    /// Allow the execution role `kms:Decrypt` on the key (and let the key policy delegate to
    /// IAM), or enable the key.
    pub static CHECK = ("PC605", "secret-kms-decrypt", Error);
}

pub fn check(context: &PathContext) -> Vec<Verdict> {
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
        let Some(key_reference) = snapshot
            .secret_keys
            .iter()
            .find(|secret| &secret.resource == resource)
            .and_then(|secret| secret.kms_key.as_deref())
        else {
            continue;
        };
        let Some(key) = snapshot.kms_keys.iter().find(|key| key.is(key_reference)) else {
            verdicts.push(Verdict::Unknown(
                CHECK
                    .finding(format!("The KMS key of {resource} cannot be checked"))
                    .resource(resource.as_str())
                    .resource(key_reference)
                    .detail(format!("{resource} is encrypted with {key_reference}, which is not in the snapshot; whether {} may decrypt with it is unknown.", role_name(&role.arn))),
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
                    .fix(format!("aws kms enable-key --key-id {}", key.arn), "# on the aws_kms_key\nis_enabled = true".to_string()),
            ));
            continue;
        }
        let request = Request {
            principal_arn: Some(&role.arn),
            action: "kms:Decrypt",
            resource: &key.arn,
            context: BTreeMap::from([
                ("aws:PrincipalArn".to_string(), vec![role.arn.clone()]),
                (
                    "aws:RequestedRegion".to_string(),
                    vec![context.flow.region.clone()],
                ),
                (
                    "kms:ViaService".to_string(),
                    vec![format!("{service}.{}.amazonaws.com", context.flow.region)],
                ),
            ]),
        };
        let policies = role.identity_policies();
        let mut decision = evaluate_set(&policies, PolicyKind::Identity, &request);
        if decision.is_allowed()
            && let Some(boundary) = &role.permissions_boundary
            && !evaluate(&boundary.document, PolicyKind::Identity, &request).is_allowed()
        {
            decision = Decision::ImplicitDeny;
        }
        let why = match decision {
            Decision::Allowed { .. } => {
                verdicts.push(Verdict::Pass(format!(
                    "{} may decrypt {resource} with {}",
                    role_name(&role.arn),
                    key.arn
                )));
                continue;
            }
            Decision::Unknown { reason } => {
                verdicts.push(Verdict::Unknown(
                    CHECK
                        .finding(format!(
                            "Cannot tell whether {} may decrypt {resource}",
                            role_name(&role.arn)
                        ))
                        .resource(role.arn.as_str())
                        .detail(format!("Evaluating kms:Decrypt on {}: {reason}.", key.arn)),
                ));
                continue;
            }
            Decision::ExplicitDeny { statement } => format!("{statement} denies it"),
            Decision::ImplicitDeny => "no statement of its policies allows it".to_string(),
        };
        let name = role_name(&role.arn);
        let statement = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"{}"}}]}}"#,
            key.arn
        );
        verdicts.push(Verdict::Block(
            CHECK
                .finding(format!("Execution role {name} may not decrypt {resource} (kms:Decrypt on its customer-managed key)"))
                .resource(role.arn.as_str())
                .resource(resource.as_str())
                .resource(key.arn.as_str())
                .detail(format!("{resource} is encrypted with customer-managed key {}; {service} decrypts it with the role's permission, and for {}, {why}.", key.arn, role.arn))
                .fix(
                    format!("aws iam put-role-policy --role-name {name} --policy-name decrypt-task-secrets --policy-document '{statement}'"),
                    format!("resource \"aws_iam_role_policy\" \"{}_decrypt_secrets\" {{\n  role   = \"{name}\"\n  policy = jsonencode({statement})\n}}", super::fixes::label(name)),
                ),
        ));
    }
    verdicts
}

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
