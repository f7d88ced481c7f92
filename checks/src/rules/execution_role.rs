use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{Index, TargetFacts, TargetInput};
use crate::finding::Finding;
use crate::flows::Flow;
use crate::snapshot::{LaunchType, TaskDefinition};

declare_check! {
    /// ## What it does
    /// Checks that a Fargate task whose pull needs AWS credentials (a private ECR image,
    /// `awslogs`, secrets) has a task execution role, and that the role is in the snapshot. On
    /// the EC2 launch type the container instance's role may pull images and write logs instead
    /// (PC606), but secrets still need the execution role.
    ///
    /// ## Why is this bad
    /// On Fargate the agent pulls private ECR images, creates log streams and fetches secrets
    /// with the execution role's credentials. Without one, the task cannot even ask ECR for a
    /// token: `CannotPullContainerError ... no basic auth credentials` or `... role has the
    /// permissions to pull images`. (The task role is a different role and is not used for this.)
    ///
    /// ## Example
    /// A task definition with `taskRoleArn` set and `executionRoleArn` missing.
    ///
    /// ## Fix
    /// Set `executionRoleArn` to a role that trusts `ecs-tasks.amazonaws.com` and carries
    /// `AmazonECSTaskExecutionRolePolicy`.
    pub static CHECK = ("PC601", "execution-role-missing", Error);
}

pub(crate) const TASK_PRINCIPAL: &str = "ecs-tasks.amazonaws.com";

pub fn check(facts: &TargetFacts) -> Vec<Finding> {
    match facts.definition {
        Some(definition) => judge(facts.index, facts.target, definition, facts.flows),
        None => Vec::new(),
    }
}

fn judge(
    index: &Index,
    target: &TargetInput,
    definition: &TaskDefinition,
    flows: &[Flow],
) -> Vec<Finding> {
    let needs_credentials = flows.iter().any(|flow| flow.kind.uses_pulling_role());
    let Some(role_arn) = definition.execution_role_arn.as_deref() else {
        if !needs_credentials {
            return Vec::new();
        }
        let family = definition.arn.rsplit('/').next().unwrap_or(&definition.arn);
        let mut findings = Vec::new();
        let detail = if target.launch_type == Some(LaunchType::Ec2) {
            // The agent pulls and logs with the instance's credentials; secrets still need the role.
            findings.extend(super::container_instance_role::check(index, target));
            if !flows.iter().any(|flow| flow.kind.needs_execution_role()) {
                return findings;
            }
            "On EC2 the agent may pull images with the instance's role, but it fetches secrets (and private registry credentials) only with the task execution role. The task definition sets none."
        } else {
            "Fargate fetches the ECR token, pulls private images, writes awslogs and reads secrets with the task execution role. The task definition sets none."
        };
        findings.push(CHECK
            .finding(format!("Task definition {family} has no execution role, which its pull needs"))
            .resource(definition.arn.as_str())
            .detail(detail)
            .fix(
                format!("aws ecs register-task-definition --cli-input-json {}  # with \"executionRoleArn\": \"arn:aws:iam::{}:role/ecsTaskExecutionRole\"", sh(&format!("file://{family}.json")), note(&index.snapshot.account_id)),
                format!("# in the aws_ecs_task_definition of {}\nexecution_role_arn = \"arn:aws:iam::{}:role/ecsTaskExecutionRole\"", note(family), hcl(&index.snapshot.account_id)),
            ));
        return findings;
    };
    let Some(role) = index.role(role_arn) else {
        if let Some(gap) = index.gap_about(&["iam:GetRole"], role_arn) {
            return vec![super::collection_gap::unread_role(
                role_arn,
                &target.name,
                gap,
            )];
        }
        let cause = "the role is not in the snapshot (deleted, or in another account)";
        return vec![
            CHECK
                .finding(format!(
                    "Execution role {role_arn} of {} cannot be checked",
                    target.name
                ))
                .severity(crate::finding::Severity::Warning)
                .resource(role_arn)
                .detail(format!(
                    "{cause}; its trust policy and permissions are unknown."
                )),
        ];
    };
    let source = super::execution_role_trust::AssumeSource::of(index, target);
    super::execution_role_trust::check(role, &source)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, SecretReference};

    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole";
    const DEFINITION: &str = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:7";

    #[test]
    fn a_fargate_role_or_an_ec2_instance_role_pulls_the_image() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC601").is_empty());
        assert!(findings_of(&scenario("ec2-instance-healthy"), "PC601").is_empty());
    }

    #[test]
    fn a_fargate_task_without_an_execution_role_cannot_pull() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.task_definitions[0].execution_role_arn = None;
        let findings = findings_of(&snapshot, "PC601");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, [DEFINITION]);
    }

    #[test]
    fn secrets_need_the_execution_role_even_on_ec2() {
        let mut snapshot = scenario("ec2-instance-healthy");
        snapshot.task_definitions[0].containers[0].secrets = vec![SecretReference {
            name: "DB_PASSWORD".into(),
            value_from: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf".into(),
        }];
        let findings = findings_of(&snapshot, "PC601");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0].detail.contains("secrets"),
            "{}",
            findings[0].detail
        );
    }

    #[test]
    fn a_role_missing_from_the_snapshot_cannot_be_checked() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.iam_roles.clear();
        let findings = findings_of(&snapshot, "PC601");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, [ROLE]);
        assert!(findings[0].detail.contains("not in the snapshot"));
    }

    #[test]
    fn a_role_that_could_not_be_read_is_a_collection_gap_not_pc601() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.iam_roles.clear();
        snapshot.gaps.push(CollectionGap {
            api: "iam:GetRole".into(),
            resource: Some(ROLE.into()),
            error_code: "AccessDenied".into(),
            message: "denied".into(),
        });
        assert!(findings_of(&snapshot, "PC601").is_empty());
        let gaps: Vec<_> = findings_of(&snapshot, "PC901")
            .into_iter()
            .filter(|finding| finding.target.is_some())
            .collect();
        assert_eq!(gaps.len(), 1, "{gaps:#?}");
        assert_eq!(gaps[0].severity, Severity::Warning);
        assert_eq!(gaps[0].resources, [ROLE]);
        assert!(gaps[0].detail.contains("iam:GetRole for"));
        assert!(gaps[0].detail.contains("AccessDenied"));
    }
}
