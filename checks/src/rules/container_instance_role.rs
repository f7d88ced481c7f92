use crate::declare_check;
use crate::facts::{Index, TargetInput};
use crate::finding::{Finding, Severity};
use crate::snapshot::ContainerInstance;

use super::execution_role_trust::{AssumeSource, Trust, trusts};
use super::fixes::{name_of, note, sh};

declare_check! {
    /// ## What it does
    /// For an EC2 task whose definition has no execution role: each container instance it runs
    /// (or, for a service without tasks yet, may run) on must have an instance profile, the
    /// profile a role, and the role must trust `ec2.amazonaws.com`. Its permissions are then
    /// evaluated like an execution role's (PC603).
    ///
    /// ## Why is this bad
    /// Without an execution role the ECS agent fetches the ECR token and writes `awslogs` with the
    /// instance's own credentials. An instance without a profile role has none: the pull fails
    /// with `CannotPullContainerError: ... no basic auth credentials`.
    ///
    /// ## Example
    /// An instance launched from a template without `IamInstanceProfile`, running a task
    /// definition without `executionRoleArn`.
    ///
    /// ## Fix
    /// Associate an instance profile whose role carries `AmazonEC2ContainerServiceforEC2Role`, or
    /// give the task definition an execution role.
    pub static CHECK = ("PC606", "container-instance-role", Error);
}

pub(crate) const INSTANCE_PRINCIPAL: &str = "ec2.amazonaws.com";

/// One finding per container instance whose role cannot serve the pull.
pub fn check(index: &Index, target: &TargetInput) -> Vec<Finding> {
    let mut seen: Vec<&str> = Vec::new();
    let mut findings = Vec::new();
    for instance in target
        .placements
        .iter()
        .filter_map(|placement| placement.instance)
    {
        if seen.contains(&instance.arn.as_str()) {
            continue;
        }
        seen.push(&instance.arn);
        findings.extend(instance_finding(index, target, instance));
    }
    findings
}

fn instance_finding(
    index: &Index,
    target: &TargetInput,
    instance: &ContainerInstance,
) -> Option<Finding> {
    let id = &instance.ec2_instance_id;
    let Some(role_arn) = &instance.role_arn else {
        return Some(match &instance.instance_profile_arn {
            None => CHECK
                .finding(format!("Container instance {id} has no instance profile, and {} no execution role", target.name))
                .resources([instance.arn.as_str(), id.as_str()])
                .detail(format!("The task definition {} sets no executionRoleArn, so the ECS agent on {id} pulls with the instance's credentials; the instance has no IAM instance profile, so it has none.", target.task_definition_arn))
                .fix(
                    format!("aws ec2 associate-iam-instance-profile --instance-id {} --iam-instance-profile Name=ecsInstanceRole  # a profile whose role carries AmazonEC2ContainerServiceforEC2Role", sh(id)),
                    "# in the aws_launch_template (or aws_instance) of the cluster's instances\niam_instance_profile {\n  name = \"ecsInstanceRole\"\n}".to_string(),
                ),
            Some(profile) => match index.gap("iam:GetInstanceProfile") {
                Some(gap) => CHECK
                    .finding(format!("The role of {} cannot be checked", instance.label()))
                    .severity(Severity::Warning)
                    .resources([instance.arn.as_str(), profile.as_str()])
                    .detail(format!("iam:GetInstanceProfile was refused ({}); the role the agent pulls with is unknown.", gap.error_code)),
                None => {
                    let profile_name = name_of(profile);
                    CHECK
                        .finding(format!("Instance profile {profile_name} of {} has no role", instance.label()))
                        .resources([instance.arn.as_str(), profile.as_str()])
                        .detail(format!("Without an execution role in {}, the agent on {id} pulls with the instance profile's role, and {profile} holds none.", target.task_definition_arn))
                        .fix(
                            format!("aws iam add-role-to-instance-profile --instance-profile-name {} --role-name ecsInstanceRole", sh(profile_name)),
                            format!("# on the aws_iam_instance_profile {}\nrole = \"ecsInstanceRole\"", note(profile_name)),
                        )
                }
            },
        });
    };
    let Some(role) = index.role(role_arn) else {
        let cause = match index.gap("iam:GetRole") {
            Some(gap) => format!("iam:GetRole was refused ({})", gap.error_code),
            None => "the role is not in the snapshot".to_string(),
        };
        return Some(
            CHECK
                .finding(format!("Container instance role {role_arn} cannot be checked"))
                .severity(Severity::Warning)
                .resources([instance.arn.as_str(), role_arn.as_str()])
                .detail(format!("{cause}; the agent on {id} pulls with it, and its trust policy and permissions are unknown.")),
        );
    };
    let Some(trust) = role.trust_policy.as_ref() else {
        return Some(
            CHECK
                .finding(format!("Whether EC2 may assume container instance role {} is unknown: its trust policy was not read", name_of(&role.arn)))
                .severity(Severity::Warning)
                .resources([instance.arn.as_str(), role.arn.as_str()])
                .detail("The role is in the snapshot without its trust policy, so whether ec2.amazonaws.com may assume it cannot be decided."),
        );
    };
    let source = AssumeSource::of(index, target);
    let denied = match trusts(trust, INSTANCE_PRINCIPAL, &source) {
        Trust::Allowed => return None,
        Trust::Undecided(why) => {
            return Some(
                CHECK
                    .finding(format!("Whether EC2 may assume container instance role {} is unknown: its trust policy's conditions cannot be decided offline", name_of(&role.arn)))
                    .severity(Severity::Warning)
                    .resources([instance.arn.as_str(), role.arn.as_str()])
                    .detail(format!("The trust policy of {} allows ec2.amazonaws.com only under conditions: {why}. Trust policy: {trust}", role.arn)),
            );
        }
        Trust::Denied => "denies sts:AssumeRole to ec2.amazonaws.com".to_string(),
        Trust::NotAllowed(why) => why,
    };
    let name = name_of(&role.arn);
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    Some(
        CHECK
            .finding(format!("Container instance role {name} does not trust ec2.amazonaws.com"))
            .resources([instance.arn.as_str(), role.arn.as_str()])
            .detail(format!("The trust policy of {} {denied}. The instance gets no credentials from its profile, so the agent on {id} cannot pull. Trust policy: {trust}", role.arn))
            .fix(
                format!("aws iam update-assume-role-policy --role-name {} --policy-document {}", sh(name), sh(document)),
                format!("# on the aws_iam_role {}\nassume_role_policy = jsonencode({document})", note(name)),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, ContainerInstance, Snapshot};

    const INSTANCE: &str = "arn:aws:ecs:us-east-1:111122223333:container-instance/prod/6c1a2b3c4d5e6f708192a3b4c5d6e7f8";
    const ROLE: &str = "arn:aws:iam::111122223333:role/ecsInstanceRole";

    fn instance(change: impl FnOnce(&mut ContainerInstance)) -> Snapshot {
        let mut snapshot = scenario("ec2-instance-healthy");
        change(&mut snapshot.container_instances[0]);
        snapshot
    }

    fn one(snapshot: &Snapshot, severity: Severity) -> crate::finding::Finding {
        let findings = findings_of(snapshot, "PC606");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, severity);
        assert_eq!(findings[0].resources[0], INSTANCE);
        findings[0].clone()
    }

    #[test]
    fn an_instance_profile_role_trusting_ec2_pulls_for_the_agent() {
        assert!(findings_of(&scenario("ec2-instance-healthy"), "PC606").is_empty());
    }

    #[test]
    fn an_instance_without_a_profile_has_no_credentials() {
        let snapshot = instance(|i| (i.instance_profile_arn, i.role_arn) = (None, None));
        assert_eq!(
            one(&snapshot, Severity::Error).resources[1],
            "i-0abc1234def567890"
        );
        let snapshot = instance(|i| i.role_arn = None);
        assert!(
            one(&snapshot, Severity::Error)
                .title
                .contains("Instance profile ecsInstanceRole")
        );
    }

    #[test]
    fn an_instance_role_not_trusting_ec2_gives_no_credentials() {
        let mut snapshot = scenario("ec2-instance-healthy");
        let role = snapshot
            .iam_roles
            .iter_mut()
            .find(|role| role.arn == ROLE)
            .unwrap();
        role.trust_policy.as_mut().unwrap()["Statement"][0]["Principal"]["Service"] =
            "ecs-tasks.amazonaws.com".into();
        let finding = one(&snapshot, Severity::Error);
        assert_eq!(finding.resources[1], ROLE);
        assert!(finding.title.contains("does not trust ec2.amazonaws.com"));
    }

    #[test]
    fn an_unread_profile_or_role_cannot_be_checked() {
        let mut snapshot = instance(|i| i.role_arn = None);
        snapshot.gaps.push(CollectionGap {
            api: "iam:GetInstanceProfile".into(),
            resource: None,
            error_code: "AccessDenied".into(),
            message: "denied".into(),
        });
        one(&snapshot, Severity::Warning);
        let mut snapshot = scenario("ec2-instance-healthy");
        snapshot.iam_roles.retain(|role| role.arn != ROLE);
        assert_eq!(one(&snapshot, Severity::Warning).resources[1], ROLE);
    }
}
