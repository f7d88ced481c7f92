use std::collections::BTreeMap;

use crate::declare_check;
use crate::facts::{PathContext, Verdict};
use crate::policy::{Decision, PolicyKind, Request, evaluate, evaluate_set};
use crate::snapshot::{EcrRegistry, PullThroughCacheRule};

use crate::facts::FlowImage;

use super::fixes::{hcl, hcl_json, json_str, name_of, sh};

declare_check! {
    /// ## What it does
    /// For an image in a pull-through cache repository (its name starts with a rule's
    /// `ecrRepositoryPrefix/`) that is not cached yet, checks that the first pull may import it:
    /// the execution role needs `ecr:BatchImportUpstreamImage` on the repository (from its
    /// identity policies, the registry policy or the repository policy) and, while the
    /// repository does not exist, `ecr:CreateRepository` (identity policies or registry policy).
    /// The task's network path is the usual one to ECR's endpoints: ECR itself fetches from the
    /// upstream registry.
    ///
    /// ## Why is this bad
    /// The first task to pull a new upstream image fails with `CannotPullContainerError` (access
    /// denied) although the rule exists, and keeps failing until someone pulls it with broader
    /// permissions.
    ///
    /// ## Example
    /// Rule `docker-hub` → `registry-1.docker.io`; image `111122223333.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx:1.27`;
    /// the role carries only `AmazonECSTaskExecutionRolePolicy`.
    ///
    /// ## Fix
    /// Allow the role `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository` on
    /// `repository/<prefix>/*`, or pull the image once with a principal that may.
    pub static CHECK = ("PC703", "pull-through-cache-import", Error);
}

/// `None` when the image is not a pull-through cache image waiting for its first pull.
pub fn verdict(
    context: &PathContext,
    image: &FlowImage,
    name: &str,
    reference: &str,
) -> Option<Verdict> {
    if image.found.is_some() {
        return None;
    }
    let registry = context.index.snapshot.ecr_registry.as_ref()?;
    let rule = registry.pull_through_rule(name)?;
    let arn = image.image.repository_arn()?;
    let upstream = format!(
        "{name}:{reference} is pulled through cache rule {} from {}",
        rule.ecr_repository_prefix, rule.upstream_registry_url
    );
    let Some(role) = context
        .pulling_role()
        .and_then(|arn| context.index.role(arn))
    else {
        return Some(Verdict::Unknown(
            CHECK
                .finding(format!("The first pull of {name}:{reference} through the cache cannot be checked"))
                .resource(arn.as_str())
                .detail(format!("{upstream}, which needs the {}'s permission to import it; the role is not in the snapshot.", context.pulling_role_kind())),
        ));
    };
    let mut needed = vec!["ecr:BatchImportUpstreamImage"];
    if image.repository.is_none() {
        needed.push("ecr:CreateRepository");
    }
    let policies = role.identity_policies();
    let mut refused = Vec::new();
    for action in needed {
        let request = Request {
            principal_arn: Some(&role.arn),
            action,
            resource: &arn,
            context: BTreeMap::from([
                ("aws:PrincipalArn".to_string(), vec![role.arn.clone()]),
                (
                    "aws:RequestedRegion".to_string(),
                    vec![context.flow.region.clone()],
                ),
            ]),
        };
        let mut decision = evaluate_set(&policies, PolicyKind::Identity, &request);
        if decision.is_allowed()
            && let Some(boundary) = &role.permissions_boundary
            && !evaluate(&boundary.document, PolicyKind::Identity, &request).is_allowed()
        {
            decision = Decision::ImplicitDeny;
        }
        if !decision.is_allowed() && !matches!(decision, Decision::ExplicitDeny { .. }) {
            decision = resource_grant(registry, image, action, &request).unwrap_or(decision);
        }
        // A policy that could not be read may allow or deny it; only a Deny that was read decides.
        if !matches!(decision, Decision::ExplicitDeny { .. })
            && let Some(gap) = context.index.unread_role_policies(&role.arn)
        {
            return Some(Verdict::Unknown(
                CHECK
                    .finding(format!("Cannot tell whether {} may import {name}:{reference}: its policies could not all be read", name_of(&role.arn)))
                    .resource(role.arn.as_str())
                    .detail(format!("{upstream}; evaluating {action}. {}", super::collection_gap::because(gap))),
            ));
        }
        match decision {
            Decision::Allowed { .. } => {}
            Decision::Unknown { reason } => {
                return Some(Verdict::Unknown(
                    CHECK
                        .finding(format!(
                            "Cannot tell whether {} may import {name}:{reference}",
                            name_of(&role.arn)
                        ))
                        .resource(role.arn.as_str())
                        .detail(format!("{upstream}; evaluating {action}: {reason}.")),
                ));
            }
            Decision::ExplicitDeny { statement } => {
                refused.push(format!("{action} ({statement} denies it)"))
            }
            Decision::ImplicitDeny => refused.push(format!("{action} (nothing allows it)")),
        }
    }
    if refused.is_empty() {
        return Some(Verdict::Pass(format!(
            "{upstream} on first use; {} may import it",
            name_of(&role.arn)
        )));
    }
    Some(Verdict::Block(refusal(
        context, rule, &role.arn, name, reference, &refused, &upstream,
    )))
}

/// The registry policy, or for the import the repository policy, granting the role.
fn resource_grant(
    registry: &EcrRegistry,
    image: &FlowImage,
    action: &str,
    request: &Request,
) -> Option<Decision> {
    let repository_policy = image
        .repository
        .and_then(|repository| repository.policy.as_ref())
        .filter(|_| action == "ecr:BatchImportUpstreamImage");
    registry
        .policy
        .iter()
        .chain(repository_policy)
        .map(|policy| evaluate(policy, PolicyKind::Resource, request))
        .find(|decision| decision.is_allowed() || matches!(decision, Decision::ExplicitDeny { .. }))
}

fn refusal(
    context: &PathContext,
    rule: &PullThroughCacheRule,
    role: &str,
    name: &str,
    reference: &str,
    refused: &[String],
    upstream: &str,
) -> crate::finding::Finding {
    let role_short = name_of(role);
    let prefix = &rule.ecr_repository_prefix;
    let resource = format!(
        "arn:aws:ecr:{}:{}:repository/{prefix}/*",
        context.flow.region, context.index.snapshot.account_id
    );
    let statement = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["ecr:BatchImportUpstreamImage","ecr:CreateRepository"],"Resource":[{}]}}]}}"#,
        json_str(&resource)
    );
    CHECK
        .finding(format!("The first pull of {name}:{reference} through cache rule {prefix} is refused to {role_short}"))
        .resource(role)
        .resource(resource.as_str())
        .detail(format!("{upstream}; the image is not cached yet, so the pull imports it, and {role} may not call {}.", refused.join(", ")))
        .fix(
            format!("aws iam put-role-policy --role-name {} --policy-name ecr-pull-through-cache --policy-document {}", sh(role_short), sh(&statement)),
            format!(
                "resource \"aws_iam_role_policy\" \"{}_pull_through_cache\" {{\n  role   = \"{}\"\n  policy = jsonencode({})\n}}",
                super::fixes::label(role_short),
                hcl(role_short),
                hcl_json(&statement)
            ),
        )
}
