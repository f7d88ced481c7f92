use super::fixes::{note, sh};
use crate::declare_check;
use crate::engine::{PathContext, TargetKind, Verdict};
use crate::flows::ImageRef;

declare_check! {
    /// ## What it does
    /// Checks the digest each task's container was resolved to (`DescribeTasks`
    /// `containers[].imageDigest`), not only the tag: ECS resolves a tag to a digest when a
    /// deployment starts, and every task of that deployment asks for that digest. When the
    /// repository (read with `DescribeImages`) no longer holds it, new tasks of the deployment
    /// fail even though the tag exists.
    ///
    /// ## Why is this bad
    /// A lifecycle policy (`imageCountMoreThan`, `sinceImagePushed`) or a cleanup job expires
    /// the old image after the tag moved on; a service scaling out or replacing a task stops with
    /// `CannotPullContainerError: ... not found` although `describe-images` shows the tag.
    /// Lifecycle policies are not collected: the fix names the command that shows the rule.
    ///
    /// ## Example
    /// The service's tasks resolved `web:1.4.2` to `sha256:aaa…`; the tag now points at
    /// `sha256:bbb…` and `sha256:aaa…` was expired.
    ///
    /// ## Fix
    /// Force a new deployment (ECS resolves the tag again), and exempt deployed images from the
    /// lifecycle rule that expired it.
    pub static CHECK = ("PC705", "image-digest-missing", Error);
}

pub fn check(context: &PathContext, images: &[super::image_reference::FlowImage]) -> Vec<Verdict> {
    let Some(definition) = context.target.definition else {
        return Vec::new();
    };
    let mut verdicts = Vec::new();
    for container in &definition.containers {
        let image = ImageRef::parse(&container.image);
        let Some(flow_image) = images.iter().find(|candidate| candidate.image == image) else {
            continue;
        };
        let (Some(repository), ImageRef::PrivateEcr { reference, .. }) =
            (flow_image.repository, &flow_image.image)
        else {
            continue;
        };
        let mut digests: Vec<&str> = context
            .target
            .tasks
            .iter()
            .filter(|task| task.task_definition_arn == definition.arn)
            .flat_map(|task| &task.containers)
            .filter(|state| state.name == container.name)
            .filter_map(|state| state.image_digest.as_deref())
            .filter(|digest| digest != reference)
            .collect();
        digests.sort();
        digests.dedup();
        for digest in digests {
            if repository.images.iter().any(|image| image.digest == digest) {
                verdicts.push(Verdict::Pass(format!(
                    "{}@{digest} (resolved from {reference}) exists",
                    repository.name
                )));
                continue;
            }
            if let Some(gap) = context
                .index
                .gap_about(&["ecr:DescribeImages"], &repository.arn)
            {
                verdicts.push(Verdict::Unknown(
                    CHECK
                        .finding(format!("Whether {}@{digest} still exists is unknown: the repository's images could not be listed", repository.name))
                        .resource(repository.arn.as_str())
                        .detail(super::collection_gap::because(gap)),
                ));
                continue;
            }
            let now = flow_image
                .found
                .map(|image| format!(" {reference} now points at {}.", image.digest))
                .unwrap_or_default();
            let (cli, tf) = match (
                context.target.kind,
                context.target.id.split('/').collect::<Vec<_>>().as_slice(),
            ) {
                (TargetKind::Service, [_, cluster, service]) => (
                    format!(
                        "aws ecs update-service --cluster {} --service {} --force-new-deployment",
                        sh(cluster),
                        sh(service)
                    ),
                    format!(
                        "# in the aws_ecs_service of {}\nforce_new_deployment = true",
                        note(&context.target.id)
                    ),
                ),
                _ => (
                    format!(
                        "aws ecs run-task --task-definition {}  # plus your network configuration; a new task resolves {} again",
                        sh(&definition.arn),
                        note(reference)
                    ),
                    format!(
                        "# a new task of {} resolves the tag again; no change to the aws_ecs_task_definition",
                        note(&definition.arn)
                    ),
                ),
            };
            verdicts.push(Verdict::Block(
                CHECK
                    .finding(format!("Container `{}` of the deployed tasks asks for {}@{digest}, which the repository no longer holds", container.name, repository.name))
                    .resources([repository.arn.as_str(), context.target.id.as_str()])
                    .detail(format!(
                        "ECS resolved {}:{reference} to {digest} when the deployment started, and its tasks pull that digest; {} holds {} image(s), none with that digest.{now} It was deleted or expired (a lifecycle policy: aws ecr get-lifecycle-policy --repository-name {}). A new deployment resolves the tag again.",
                        repository.uri, repository.arn, repository.images.len(), repository.name
                    ))
                    .fix(format!("{cli}\n# and keep deployed images out of the repository's lifecycle rule (aws ecr get-lifecycle-policy --repository-name {})", note(&repository.name)), format!("{tf}\n# and in the aws_ecr_lifecycle_policy of {}, keep deployed images (e.g. a tagPrefixList rule)", note(&repository.name))),
            ));
        }
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use crate::engine::diagnose;
    use crate::finding::Severity;
    use crate::snapshot::{ContainerState, Snapshot, Task};

    fn snapshot(digest: &str) -> Snapshot {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../mocks/healthy-endpoints/snapshot.json"
        ))
        .unwrap();
        let mut snapshot =
            crate::snapshot::from_json(&text, std::path::Path::new("s.json")).unwrap();
        snapshot.tasks = vec![Task {
            arn: "arn:aws:ecs:us-east-1:111122223333:task/prod/abc".into(),
            cluster_arn: "arn:aws:ecs:us-east-1:111122223333:cluster/prod".into(),
            task_definition_arn: snapshot.task_definitions[0].arn.clone(),
            group: Some("service:web".into()),
            launch_type: crate::snapshot::LaunchType::Fargate,
            platform_version: None,
            last_status: "RUNNING".into(),
            stop_code: None,
            stopped_reason: None,
            containers: vec![ContainerState {
                name: "web".into(),
                image: snapshot.task_definitions[0].containers[0].image.clone(),
                image_digest: Some(digest.into()),
                exit_code: None,
                reason: None,
            }],
            network: None,
            container_instance_arn: None,
        }];
        snapshot
    }

    #[test]
    fn an_expired_digest_blocks_and_a_present_one_passes() {
        let expired = diagnose(&snapshot(&format!("sha256:{}", "c".repeat(64))));
        let finding = expired
            .findings
            .iter()
            .find(|f| f.check == "PC705")
            .unwrap();
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding
                .fix
                .as_ref()
                .unwrap()
                .aws_cli
                .contains("--force-new-deployment")
        );
        let present = diagnose(&snapshot(&format!("sha256:{}", "a".repeat(64))));
        assert!(present.findings.iter().all(|f| f.check != "PC705"));
    }
}
