use super::fixes::{hcl, hcl_json, json_str, note, sh};
use std::collections::BTreeMap;

use crate::declare_check;
use crate::engine::{PathContext, Verdict};
use crate::flows::FlowKind;
use crate::policy::{Decision, PolicyKind, Request, evaluate, explicit_deny};

declare_check! {
    /// ## What it does
    /// Evaluates the ECR repository policy against the execution role's pull actions
    /// (`ecr:BatchCheckLayerAvailability`, `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage`).
    /// For an image in another account the policy must allow the role or its account; in the same
    /// account only a `Deny` matters.
    ///
    /// ## Why is this bad
    /// A repository policy `Deny` (for example on `aws:SourceVpce` of another endpoint) blocks
    /// same-account pulls despite a perfect execution role; a cross-account image without a grant
    /// is refused with a 403 that the stopped reason words as a permissions problem of the role.
    ///
    /// ## Example
    /// Repository in account A, task in account B, repository policy granting only account A.
    ///
    /// ## Fix
    /// Add a statement allowing the pull actions to the role (or its account), or narrow the
    /// denying statement.
    pub static CHECK = ("PC604", "repository-policy-denies", Error);
}

pub fn check(context: &PathContext, source_vpce: Option<&str>) -> Vec<Verdict> {
    if context.flow.kind != FlowKind::EcrRegistry {
        return Vec::new();
    }
    let Some(role) = context.pulling_role() else {
        return Vec::new();
    };
    let role_account = role.split(':').nth(4).unwrap_or_default();
    let mut known = BTreeMap::new();
    known.insert("aws:PrincipalArn".to_string(), vec![role.to_string()]);
    known.insert(
        "aws:PrincipalAccount".to_string(),
        vec![role_account.to_string()],
    );
    known.insert(
        "aws:SourceVpce".to_string(),
        source_vpce.map(str::to_string).into_iter().collect(),
    );
    let mut verdicts = Vec::new();
    for repository in context
        .index
        .snapshot
        .ecr_repositories
        .iter()
        .filter(|repo| context.flow.resources.contains(&repo.arn))
    {
        let Some(policy) = &repository.policy else {
            if let Some(gap) = context
                .index
                .gap_about(&["ecr:GetRepositoryPolicy"], &repository.arn)
            {
                verdicts.push(Verdict::Unknown(
                    CHECK
                        .finding(format!("Whether the repository policy of {} allows the pull is unknown: it could not be read", repository.name))
                        .resource(repository.arn.as_str())
                        .detail(super::collection_gap::because(gap)),
                ));
                continue;
            }
            verdicts.push(Verdict::Pass(format!(
                "{} has no repository policy",
                repository.name
            )));
            continue;
        };
        let cross_account = repository.arn.split(':').nth(4) != Some(role_account);
        let mut refusal = None;
        for action in [
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
        ] {
            let request = Request {
                principal_arn: Some(role),
                action,
                resource: &repository.arn,
                context: known.clone(),
            };
            // Across accounts the policy must grant the pull; within the account it can only
            // take access away, so only its denies matter there.
            let decision = if cross_account {
                Some(evaluate(policy, PolicyKind::Resource, &request))
            } else {
                explicit_deny(policy, PolicyKind::Resource, &request)
            };
            let why = match decision {
                None | Some(Decision::Allowed { .. }) => continue,
                Some(Decision::ExplicitDeny { statement }) => format!("{statement} denies it"),
                Some(Decision::ImplicitDeny) => "the image is in another account and no statement grants the role or its account".to_string(),
                Some(Decision::Unknown { reason }) => {
                    refusal = Some(Verdict::Unknown(
                        CHECK.finding(format!("Cannot tell whether repository {}'s policy lets {} pull", repository.name, role)).resources([repository.arn.as_str(), role]).detail(reason),
                    ));
                    break;
                }
            };
            let grant = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AllowEcsPull","Effect":"Allow","Principal":{{"AWS":{}}},"Action":["ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]}}]}}"#,
                json_str(role)
            );
            refusal = Some(Verdict::Block(
                CHECK
                    .finding(format!("Repository {}'s policy refuses {action} to {}", repository.name, role.rsplit('/').next().unwrap_or(role)))
                    .resources([repository.arn.as_str(), role])
                    .detail(format!("Evaluated {action} on {} by {role}: {why}.", repository.arn))
                    .fix(
                        format!("# merge with the current policy (aws ecr get-repository-policy --repository-name {}), then:\naws ecr set-repository-policy --repository-name {} --policy-text {}", note(&sh(&repository.name)), sh(&repository.name), sh(&grant)),
                        format!("resource \"aws_ecr_repository_policy\" \"{}\" {{\n  repository = \"{}\"\n  policy     = jsonencode({})\n}}", super::fixes::label(&repository.name), hcl(&repository.name), hcl_json(&grant)),
                    ),
            ));
            break;
        }
        verdicts.push(refusal.unwrap_or_else(|| {
            Verdict::Pass(format!("{}'s policy lets the role pull", repository.name))
        }));
    }
    verdicts
}
