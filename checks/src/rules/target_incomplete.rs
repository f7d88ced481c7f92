use crate::declare_check;
use crate::facts::{Index, TargetInput};
use crate::finding::Finding;
use crate::snapshot::TaskDefinition;

declare_check! {
    /// ## What it does
    /// Reports a target the engine cannot walk: its task definition, its subnets or its network
    /// configuration (for the EC2 launch type: its container instances) are missing from the
    /// snapshot, or a Fargate task does not use `awsvpc` networking.
    ///
    /// ## Why is this bad
    /// Without them the flows and their paths are unknown; the tool says so instead of guessing.
    ///
    /// ## Example
    /// A snapshot collected without `ecs:DescribeTaskDefinition`.
    ///
    /// ## Fix
    /// Collect the snapshot again with the permissions in `docs/iam-policy.json`.
    pub static CHECK = ("PC904", "target-incomplete", Warning);
}

pub fn missing_definition(index: &Index, target: &TargetInput) -> Finding {
    let cause = match index.gap("ecs:DescribeTaskDefinition") {
        Some(gap) => format!(
            "ecs:DescribeTaskDefinition was refused ({})",
            gap.error_code
        ),
        None => "it is not in the snapshot".to_string(),
    };
    CHECK
        .finding(format!("Task definition {} of {} is unknown: flows cannot be derived", target.task_definition_arn, target.name))
        .resources([target.id.as_str(), target.task_definition_arn.as_str()])
        .detail(format!("The task definition names the images, log drivers and secrets that decide which flows the task needs; {cause}."))
}

pub fn missing_network(target: &TargetInput, definition: &TaskDefinition) -> Finding {
    let ec2 = target.launch_type == Some(crate::snapshot::LaunchType::Ec2);
    let why = if ec2 && !target.unknown_instances.is_empty() {
        format!(
            "the network of its container instances {} is not in the snapshot",
            target.unknown_instances.join(", ")
        )
    } else if ec2 && target.unknown_subnets.is_empty() {
        "no container instance of its cluster is in the snapshot (none registered, or ecs:ListContainerInstances was refused)".to_string()
    } else if !ec2 && definition.network_mode != "awsvpc" {
        format!(
            "it uses network mode `{}`; only awsvpc tasks have their own network interface to walk",
            definition.network_mode
        )
    } else if !target.unknown_subnets.is_empty() {
        format!(
            "its subnets {} are not in the snapshot",
            target.unknown_subnets.join(", ")
        )
    } else {
        "it has no awsvpc network configuration in the snapshot".to_string()
    };
    CHECK
        .finding(format!(
            "The network of {} cannot be walked: {why}",
            target.name
        ))
        .resource(target.id.as_str())
        .resources(target.unknown_subnets.iter().cloned())
        .resources(target.unknown_instances.iter().cloned())
        .detail(format!(
            "No subnet, route table or security group can be checked for {} because {why}.",
            target.id
        ))
}

#[cfg(test)]
mod tests {
    use crate::finding::{Finding, Severity};
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    const SERVICE: &str = "arn:aws:ecs:us-east-1:111122223333:service/prod/web";

    /// The one PC904 finding of the snapshot, which is a warning.
    fn only(snapshot: &Snapshot) -> Finding {
        let mut findings = findings_of(snapshot, "PC904");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        findings.remove(0)
    }

    #[test]
    fn a_service_with_its_definition_and_subnets_is_walked() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC904").is_empty());
        assert!(findings_of(&scenario("ec2-instance-healthy"), "PC904").is_empty());
    }

    #[test]
    fn a_missing_task_definition_leaves_the_flows_unknown() {
        let mut snapshot = scenario("healthy-endpoints");
        let definition = snapshot.task_definitions.remove(0).arn;
        snapshot.gaps.push(CollectionGap {
            api: "ecs:DescribeTaskDefinition".into(),
            resource: Some(definition.clone()),
            error_code: "AccessDeniedException".into(),
            message: "no".into(),
        });
        let finding = only(&snapshot);
        assert_eq!(finding.resources, [SERVICE, definition.as_str()]);
        assert!(
            finding
                .detail
                .contains("was refused (AccessDeniedException)")
        );
    }

    #[test]
    fn unknown_subnets_or_a_non_awsvpc_fargate_task_cannot_be_walked() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.services[0].network.as_mut().unwrap().subnet_ids = vec!["subnet-gone".into()];
        let finding = only(&snapshot);
        assert_eq!(finding.resources, [SERVICE, "subnet-gone"]);
        assert!(
            finding
                .title
                .contains("its subnets subnet-gone are not in the snapshot")
        );

        let mut snapshot = scenario("healthy-endpoints");
        snapshot.task_definitions[0].network_mode = "bridge".into();
        let finding = only(&snapshot);
        assert_eq!(finding.resources, [SERVICE]);
        assert!(
            finding.title.contains("network mode `bridge`"),
            "{}",
            finding.title
        );
    }
}
