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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{
        CollectionGap, EcrRegistry, NamedPolicy, PullThroughCacheRule, Snapshot,
    };

    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";

    /// The healthy account pulling `docker-hub/library/nginx:1.27` through cache rule
    /// `docker-hub`, not cached yet.
    fn first_pull() -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.task_definitions[0].containers[0].image =
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx:1.27".into();
        snapshot.ecr_registry = Some(EcrRegistry {
            pull_through_cache_rules: vec![PullThroughCacheRule {
                ecr_repository_prefix: "docker-hub".into(),
                upstream_registry_url: "registry-1.docker.io".into(),
            }],
            policy: None,
        });
        snapshot
    }

    #[test]
    fn a_role_that_may_import_and_create_the_repository_passes_the_first_pull() {
        let mut snapshot = first_pull();
        snapshot.iam_roles[0].inline_policies.push(NamedPolicy {
            name: "pull-through-cache".into(),
            document: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], "Resource": "arn:aws:ecr:us-east-1:111122223333:repository/docker-hub/*"}]}),
        });
        assert!(findings_of(&snapshot, "PC703").is_empty());
        assert!(findings_of(&scenario("healthy-endpoints"), "PC703").is_empty());
    }

    #[test]
    fn a_role_without_import_rights_is_refused_the_first_pull() {
        let findings = findings_of(&first_pull(), "PC703");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding.resources,
            [
                ROLE,
                "arn:aws:ecr:us-east-1:111122223333:repository/docker-hub/*"
            ]
        );
        assert!(finding.detail.contains("ecr:BatchImportUpstreamImage (nothing allows it), ecr:CreateRepository (nothing allows it)"), "{}", finding.detail);
    }

    #[test]
    fn unread_role_policies_leave_the_import_unknown() {
        let mut snapshot = first_pull();
        snapshot.gaps.push(CollectionGap {
            api: "iam:ListRolePolicies".into(),
            resource: Some(ROLE.into()),
            error_code: "AccessDenied".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC703");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, [ROLE]);
    }
}
