use crate::declare_check;
use crate::facts::TargetInput;
use crate::finding::Finding;

declare_check! {
    /// ## What it does
    /// Notes a target on the EXTERNAL launch type (ECS Anywhere), whose images are pulled by the
    /// agent of a server outside AWS, over a network no AWS API describes.
    ///
    /// ## Why is this bad
    /// Fargate tasks are walked from their task ENI and EC2 tasks from their container instance's
    /// interface; an external instance has neither, so its hops are reported as unknown rather
    /// than guessed.
    ///
    /// ## Example
    /// A service with `launchType: EXTERNAL`.
    ///
    /// ## Fix
    /// Check by hand that the external server reaches ECR, S3 and the other services over its own
    /// network, and that its role (the execution role) allows the pull.
    pub static CHECK = ("PC902", "launch-type-not-analysed", Info);
}

pub fn finding(target: &TargetInput) -> Finding {
    let launch_type = target
        .launch_type
        .map(|launch| format!("{launch:?}").to_uppercase())
        .unwrap_or_default();
    CHECK
        .finding(format!("{} uses the {launch_type} launch type: its pulls go through a server outside AWS, not analysed", target.name))
        .resource(target.id.as_str())
        .detail("Images of EXTERNAL tasks are pulled by the ECS agent on an ECS Anywhere server, over a network no AWS API describes.")
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::LaunchType;

    #[test]
    fn fargate_and_ec2_targets_are_analysed() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC902").is_empty());
        assert!(findings_of(&scenario("ec2-instance-healthy"), "PC902").is_empty());
    }

    #[test]
    fn an_external_service_is_noted_as_not_analysed() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.services[0].launch_type = Some(LaunchType::External);
        let findings = findings_of(&snapshot, "PC902");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Info);
        assert_eq!(
            findings[0].resources,
            ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"]
        );
        assert!(
            findings[0]
                .title
                .starts_with("web uses the EXTERNAL launch type")
        );
    }
}
