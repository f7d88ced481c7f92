use crate::declare_check;
use crate::facts::{TargetFacts, TargetInput};
use crate::finding::Finding;

declare_check! {
    /// ## What it does
    /// Notes a Fargate target on platform version 1.3.0 or earlier.
    ///
    /// ## Why is this bad
    /// On those versions the ECR authentication and the secrets retrieval went through an
    /// AWS-managed network interface, not the task's: those flows are not checked, and moving to
    /// 1.4.0 or later (the default `LATEST`) makes them depend on the task's subnet, which then
    /// needs an `ecr.api` endpoint (and `secretsmanager`/`ssm`) or a NAT route.
    ///
    /// ## Example
    /// `platformVersion: 1.3.0` on a service in private subnets with only `ecr.dkr` and `s3`
    /// endpoints: it works today and breaks on upgrade.
    ///
    /// ## Fix
    /// Before upgrading to 1.4.0, add the `ecr.api` endpoint (and `secretsmanager`/`ssm` if the
    /// task uses secrets).
    pub static CHECK = ("PC903", "legacy-platform-version", Info);
}

pub fn check(facts: &TargetFacts) -> Vec<Finding> {
    judge(facts.target).into_iter().collect()
}

fn judge(target: &TargetInput) -> Option<Finding> {
    target.legacy_platform().then(|| {
        CHECK
            .finding(format!(
                "{} runs on Fargate platform {}: ECR auth and secrets use an AWS-managed interface and are not checked",
                target.name,
                target.platform_version.as_deref().unwrap_or_default()
            ))
            .resource(target.id.as_str())
            .detail("Platform versions before 1.4.0 fetch the registry token and secrets outside the task's network; upgrading moves those flows onto the task's subnet.")
    })
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::Snapshot;

    fn platform(version: Option<&str>) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.services[0].platform_version = version.map(str::to_string);
        snapshot
    }

    #[test]
    fn platform_1_4_and_later_are_not_legacy() {
        for version in [Some("1.4.0"), Some("LATEST"), None] {
            assert!(
                findings_of(&platform(version), "PC903").is_empty(),
                "{version:?}"
            );
        }
    }

    #[test]
    fn fargate_1_3_is_noted_as_legacy() {
        let findings = findings_of(&platform(Some("1.3.0")), "PC903");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Info);
        assert_eq!(
            findings[0].resources,
            ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"]
        );
        assert!(
            findings[0].title.contains("Fargate platform 1.3.0"),
            "{}",
            findings[0].title
        );
    }
}
