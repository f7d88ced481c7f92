use std::collections::BTreeMap;

use crate::declare_check;
use crate::facts::{Carrier, PathContext, Question, Verdict};
use crate::flows::FlowKind;
use crate::policy::{Decision, PolicyKind, Request, evaluate, evaluate_set};
use crate::snapshot::IamRole;

use super::fixes::{hcl, hcl_json, json_str, name_of, sh};

declare_check! {
    /// ## What it does
    /// Evaluates the task execution role's (on the EC2 launch type without one: the container
    /// instance role's) identity policies (inline and attached, AWS managed
    /// ones included) and its permissions boundary against every request the flow makes:
    /// `ecr:GetAuthorizationToken` on `*`; `ecr:BatchCheckLayerAvailability`,
    /// `ecr:GetDownloadUrlForLayer`, `ecr:BatchGetImage` on the repository;
    /// `logs:CreateLogStream`, `logs:PutLogEvents` (and `logs:CreateLogGroup` when
    /// `awslogs-create-group` is set) on the log group; `secretsmanager:GetSecretValue`
    /// or `ssm:GetParameters` on each secret. Explicit denies win, including conditions on
    /// `aws:SourceVpce`/`aws:SourceVpc` evaluated against the path the flow takes. When the
    /// collector could ask `iam:SimulatePrincipalPolicy`, its answer is the cross-check: a request
    /// our evaluator allows and IAM's simulator denies is reported as unknown; when the simulator
    /// was refused or is not implemented, the finding says the verdict is our evaluator's alone.
    ///
    /// ## Why is this bad
    /// With a perfect network the pull still fails: `CannotPullContainerError: ... Check that the
    /// role has the permissions to pull images` or `AccessDeniedException` inside a
    /// `ResourceInitializationError`.
    ///
    /// ## Example
    /// A hand-written execution role policy allowing `ecr:BatchGetImage` but not
    /// `ecr:GetDownloadUrlForLayer`.
    ///
    /// ## Fix
    /// Attach `AmazonECSTaskExecutionRolePolicy` (ECR and logs; for a container instance role
    /// `AmazonEC2ContainerServiceforEC2Role`), or add the missing actions; remove
    /// or narrow the denying statement.
    pub static CHECK = ("PC603", "role-denies-request", Error);
}

/// `None` when the flow needs no credentials or the role is not in the snapshot (reported once
/// per target by `execution_role`).
pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    verdict(context, carrier.source_vpce).into_iter().collect()
}

/// The pulling role's verdict for the flow's requests through `source_vpce`; `None` for flows
/// that carry no role's credentials. PC604 reads it: a registry refusal is the repository's
/// policy only when the role's side allows.
pub(crate) fn verdict(context: &PathContext, source_vpce: Option<&str>) -> Option<Verdict> {
    if !context.flow.kind.uses_pulling_role() {
        return None;
    }
    let Some(role_arn) = context.pulling_role() else {
        return unread_instance_role(context);
    };
    let Some(role) = context.index.role(role_arn) else {
        // Not in the snapshot and not for a failed read: PC601 or PC606 report the missing role.
        let gap = context.index.gap_about(&["iam:GetRole"], role_arn)?;
        return Some(Verdict::Unknown(
            CHECK
                .finding(format!(
                    "The permissions of {} {} are unknown: the role could not be read",
                    context.pulling_role_kind(),
                    name_of(role_arn)
                ))
                .resource(role_arn)
                .detail(super::collection_gap::because(gap)),
        ));
    };
    let flow = context.flow;
    let question = Question::RolePermissions {
        role: role.arn.clone(),
        flow: flow.kind,
        region: flow.region.clone(),
        resources: flow.resources.clone(),
        source_vpce: source_vpce.map(str::to_string),
    };
    Some(
        context
            .index
            .memo(question, || decide(context, role, source_vpce)),
    )
}

/// On EC2 without an execution role, the instance's role pulls: when its instance profile could
/// not be read, which role that is (and what it may do) is unknown.
fn unread_instance_role(context: &PathContext) -> Option<Verdict> {
    let instance = context.placement.instance?;
    if context.execution_role().is_some() || instance.role_arn.is_some() {
        return None;
    }
    let profile = instance.instance_profile_arn.as_deref()?;
    let gap = context
        .index
        .gap_about(&["iam:GetInstanceProfile"], profile)?;
    Some(Verdict::Unknown(
        CHECK
            .finding(format!(
                "The role of instance profile {} is unknown: the profile could not be read",
                name_of(profile)
            ))
            .resource(profile)
            .detail(super::collection_gap::because(gap)),
    ))
}

fn decide(context: &PathContext, role: &IamRole, source_vpce: Option<&str>) -> Verdict {
    let policies = role.identity_policies();
    let account = super::fixes::account_of(&role.arn).to_string();
    let mut known = BTreeMap::new();
    known.insert("aws:PrincipalArn".to_string(), vec![role.arn.clone()]);
    known.insert("aws:PrincipalAccount".to_string(), vec![account]);
    known.insert(
        "aws:RequestedRegion".to_string(),
        vec![context.flow.region.clone()],
    );
    known.insert(
        "aws:SourceVpce".to_string(),
        source_vpce.map(str::to_string).into_iter().collect(),
    );
    known.insert(
        "aws:SourceVpc".to_string(),
        source_vpce
            .map(|_| context.placement.vpc.id.clone())
            .into_iter()
            .collect(),
    );
    let requests = context.flow.requests();
    for (action, resource) in &requests {
        let request = Request {
            principal_arn: Some(&role.arn),
            action,
            resource,
            context: known.clone(),
        };
        let mut decision = evaluate_set(&policies, PolicyKind::Identity, &request);
        if decision.is_allowed()
            && let Some(boundary) = &role.permissions_boundary
        {
            decision = match evaluate(&boundary.document, PolicyKind::Identity, &request) {
                Decision::Allowed { .. } => decision,
                Decision::ImplicitDeny => Decision::ExplicitDeny {
                    statement: format!(
                        "the permissions boundary {} (it does not allow the action)",
                        boundary.name
                    ),
                },
                Decision::ExplicitDeny { statement } => Decision::ExplicitDeny {
                    statement: format!("{statement} of the permissions boundary {}", boundary.name),
                },
                unknown @ Decision::Unknown { .. } => unknown,
            };
        }
        let simulated = simulated_decision(role, action, resource);
        if decision.is_allowed()
            && let Some(simulated) = simulated.filter(|simulated| *simulated != "allowed")
        {
            return Verdict::Unknown(
                CHECK
                    .finding(format!("Our evaluator and IAM's policy simulator disagree on {action} for {}", name_of(&role.arn)))
                    .resource(role.arn.as_str())
                    .resource(resource.as_str())
                    .detail(format!("Our evaluator allows {action} on {resource}; iam:SimulatePrincipalPolicy answers {simulated}. Something the snapshot does not show (a policy version, a condition key) decides it; check the role in the IAM console's policy simulator.")),
            );
        }
        let unread = context.index.unread_role_policies(&role.arn);
        let why = match (decision, unread) {
            (Decision::ExplicitDeny { statement }, _) => format!("{statement} denies it"),
            (Decision::Allowed { .. }, None) => continue,
            // IAM's simulator sees every policy, including those the snapshot lacks.
            (_, Some(_)) if simulated == Some("allowed") => continue,
            // A policy that could not be read may be the one that allows it, or one that denies it.
            (decision @ (Decision::Allowed { .. } | Decision::ImplicitDeny), Some(gap)) => {
                let seen = if decision.is_allowed() {
                    "The policies that could be read allow"
                } else {
                    "No policy that could be read allows"
                };
                return Verdict::Unknown(
                    CHECK
                        .finding(format!("Cannot tell whether {} {} may call {action}: its policies could not all be read", context.pulling_role_kind(), name_of(&role.arn)))
                        .resource(role.arn.as_str())
                        .detail(format!("{seen} {action} on {resource}, but a policy that could not be read may decide it. {}", super::collection_gap::because(gap))),
                );
            }
            (Decision::ImplicitDeny, None) => "no statement of its policies allows it".to_string(),
            (Decision::Unknown { reason }, _) => {
                return Verdict::Unknown(
                    CHECK
                        .finding(format!("Cannot tell whether {} {} may call {action}", context.pulling_role_kind(), name_of(&role.arn)))
                        .resource(role.arn.as_str())
                        .detail(format!("Evaluating {action} on {resource} (our own evaluator; iam:SimulatePrincipalPolicy was not used): {reason}.")),
                );
            }
        };
        let why = format!("{why}{}", source_note(role, simulated));
        return Verdict::Block(refusal(context, &role.arn, action, resource, &why));
    }
    let actions: Vec<&str> = requests.iter().map(|(action, _)| action.as_str()).collect();
    let simulated = requests
        .first()
        .and_then(|(action, resource)| simulated_decision(role, action, resource));
    Verdict::Pass(format!(
        "{} may call {}{}",
        name_of(&role.arn),
        actions.join(", "),
        source_note(role, simulated)
    ))
}

fn simulated_decision<'a>(role: &'a IamRole, action: &str, resource: &str) -> Option<&'a str> {
    role.simulation
        .as_ref()?
        .decisions
        .iter()
        .find(|decision| decision.action == action && decision.resource == resource)
        .map(|decision| decision.decision.as_str())
}

/// Where the verdict comes from, when the snapshot says whether IAM's simulator was asked.
fn source_note(role: &IamRole, simulated: Option<&str>) -> String {
    let Some(simulation) = &role.simulation else {
        return String::new();
    };
    match (simulated, &simulation.unavailable) {
        (Some(decision), _) => {
            format!(" (our evaluator; IAM's policy simulator answers {decision})")
        }
        (None, Some(why)) => {
            format!(" (from our evaluator alone: iam:SimulatePrincipalPolicy {why})")
        }
        (None, None) => {
            " (from our evaluator alone: the simulator was not asked about this request)"
                .to_string()
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn refusal(
    context: &PathContext,
    role: &str,
    action: &str,
    resource: &str,
    why: &str,
) -> crate::finding::Finding {
    let name = name_of(role);
    // The managed policies hold the ECR and log-stream actions, not logs:CreateLogGroup.
    let managed = matches!(
        context.flow.kind,
        FlowKind::EcrAuth | FlowKind::EcrRegistry | FlowKind::Logs
    ) && action != "logs:CreateLogGroup";
    let statement = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":[{}]}}]}}"#,
        json_str(action),
        json_str(resource)
    );
    let kind = context.pulling_role_kind();
    let (managed_policy, attachment) = if kind == "execution role" {
        ("AmazonECSTaskExecutionRolePolicy", "execution")
    } else {
        ("AmazonEC2ContainerServiceforEC2Role", "container_instance")
    };
    let (cli, terraform) = if managed {
        (
            format!(
                "aws iam attach-role-policy --role-name {} --policy-arn arn:aws:iam::aws:policy/service-role/{managed_policy}",
                sh(name)
            ),
            format!(
                "resource \"aws_iam_role_policy_attachment\" \"{}_{attachment}\" {{\n  role       = \"{}\"\n  policy_arn = \"arn:aws:iam::aws:policy/service-role/{managed_policy}\"\n}}",
                super::fixes::label(name),
                hcl(name)
            ),
        )
    } else {
        (
            format!(
                "aws iam put-role-policy --role-name {} --policy-name {} --policy-document {}",
                sh(name),
                sh(&format!("ecs-pull-{}", context.flow.kind.id())),
                sh(&statement)
            ),
            format!(
                "resource \"aws_iam_role_policy\" \"{}_{}\" {{\n  role   = \"{}\"\n  policy = jsonencode({})\n}}",
                super::fixes::label(name),
                super::fixes::label(context.flow.kind.id()),
                hcl(name),
                hcl_json(&statement)
            ),
        )
    };
    CHECK
        .finding(format!("{} {name} may not call {action}", capitalized(kind)))
        .resource(role)
        .resource(resource)
        .detail(format!("{} needs {action} on {resource}; for role {role}, {why}. An explicit deny must be removed or narrowed; attaching more policies does not override it.", context.flow.kind.describe()))
        .fix(cli, terraform)
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";

    fn gap(snapshot: &mut Snapshot, api: &str) {
        snapshot.gaps.push(CollectionGap {
            api: api.into(),
            resource: Some(ROLE.into()),
            error_code: "AccessDenied".into(),
            message: "no".into(),
        });
    }

    #[test]
    fn the_managed_execution_policy_allows_every_request_of_the_pull() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC603").is_empty());
    }

    #[test]
    fn a_role_without_batch_get_image_may_not_pull_the_manifest() {
        let mut snapshot = scenario("healthy-endpoints");
        let document = &mut snapshot.iam_roles[0].attached_policies[0].document;
        let actions = document["Statement"][0]["Action"].as_array_mut().unwrap();
        actions.retain(|action| action != "ecr:BatchGetImage");
        let findings = findings_of(&snapshot, "PC603");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding.title,
            "Execution role ecsTaskExecutionRole may not call ecr:BatchGetImage"
        );
        assert_eq!(
            finding.resources,
            [ROLE, "arn:aws:ecr:us-east-1:111122223333:repository/web"]
        );
    }

    #[test]
    fn a_role_or_policies_that_could_not_be_read_are_unknown() {
        let mut unread_role = scenario("healthy-endpoints");
        unread_role.iam_roles.clear();
        gap(&mut unread_role, "iam:GetRole");
        let mut unread_policies = scenario("healthy-endpoints");
        unread_policies.iam_roles[0].attached_policies.clear();
        gap(&mut unread_policies, "iam:ListAttachedRolePolicies");
        for snapshot in [unread_role, unread_policies] {
            let findings = findings_of(&snapshot, "PC603");
            assert!(!findings.is_empty());
            for finding in &findings {
                assert_eq!(finding.severity, Severity::Warning, "{finding:#?}");
                assert_eq!(finding.resources, [ROLE]);
            }
        }
    }
}
