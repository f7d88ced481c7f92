use super::fixes::{hcl, note};
use crate::declare_check;
use crate::facts::{Index, TargetFacts, TargetInput};
use crate::finding::Finding;
use crate::flows::{FlowKind, ImageRef};
use crate::reason::{Category, classify};
use crate::snapshot::TaskDefinition;

declare_check! {
    /// ## What it does
    /// Finds container images named without a registry (`app:3f9c2e1`), which Docker and ECS
    /// read as Docker Hub's official image `docker.io/library/app:3f9c2e1`, and checks two pieces
    /// of evidence: the account's own ECR repository of that name holding that tag or digest
    /// (read by the collector for every bare name), and a stopped reason saying Docker Hub has no
    /// such image (`failed to resolve ref docker.io/library/app:…: pull access denied,
    /// repository does not exist`, `manifest for app:… not found`). Either one is an error
    /// whose fix is the full ECR URI.
    ///
    /// ## Why is this bad
    /// The pipeline pushed to ECR but wrote the short name into the task definition: the task
    /// dials Docker Hub (through a NAT gateway, or not at all from a private subnet) and asks for
    /// an official image that does not exist. `library/` holds only public official images, so
    /// Docker Hub's "does not exist or may require authorization" means "does not exist" there.
    ///
    /// ## Example
    /// Task definition image `app:3f9c2e1`; ECR repository `app` of the account has the tag
    /// `3f9c2e1`; the fix is `123456789012.dkr.ecr.us-east-1.amazonaws.com/app:3f9c2e1`.
    ///
    /// ## Fix
    /// Register the task definition with the full ECR image URI.
    pub static CHECK = ("PC706", "image-registry-missing", Error);
}

pub fn check(facts: &TargetFacts) -> Vec<Finding> {
    match facts.definition {
        Some(definition) => judge(facts.index, facts.target, definition),
        None => Vec::new(),
    }
}

fn judge(index: &Index, target: &TargetInput, definition: &TaskDefinition) -> Vec<Finding> {
    let snapshot = index.snapshot;
    let not_on_hub: Vec<String> = target
        .reasons
        .iter()
        .filter(|reason| {
            let c = classify(reason);
            c.category == Category::ImageNotFound && c.flow == Some(FlowKind::ExternalRegistry)
        })
        .map(|reason| reason.to_ascii_lowercase())
        .collect();
    let mut findings = Vec::new();
    for container in &definition.containers {
        let Some((name, reference)) = ImageRef::bare_name(&container.image) else {
            continue;
        };
        let arn = format!(
            "arn:aws:ecr:{}:{}:repository/{name}",
            snapshot.region, snapshot.account_id
        );
        let repository = snapshot
            .ecr_repositories
            .iter()
            .find(|repo| repo.arn == arn);
        let has_image = repository.is_some_and(|repo| {
            repo.images
                .iter()
                .any(|image| image.digest == reference || image.tags.contains(&reference))
        });
        let named = format!("library/{name}");
        let hub_said_missing = not_on_hub.iter().any(|reason| {
            reason.contains(&format!("{named}:{}", reference.to_ascii_lowercase()))
                || reason.contains(&format!("{named}@"))
                || reason.contains(&format!(
                    "manifest for {}",
                    container.image.to_ascii_lowercase()
                ))
                || reason.contains(&format!(
                    "repository {} not found",
                    name.to_ascii_lowercase()
                ))
        });
        if !has_image && !hub_said_missing {
            continue;
        }
        let separator = if reference.starts_with("sha256:") {
            '@'
        } else {
            ':'
        };
        let uri = format!(
            "{}{separator}{reference}",
            repository
                .map(|repo| repo.uri.clone())
                .unwrap_or_else(|| format!(
                    "{}.dkr.ecr.{}.amazonaws.com/{name}",
                    snapshot.account_id, snapshot.region
                ))
        );
        let evidence = match (has_image, hub_said_missing) {
            (true, true) => format!(
                "Docker Hub answered that it has no such image, and the account's ECR repository {arn} holds {reference}."
            ),
            (true, false) => format!(
                "The account's ECR repository {arn} holds {reference}: the image was pushed there."
            ),
            (false, _) => {
                let ecr = if repository.is_some() {
                    format!(
                        "The account's ECR repository {arn} exists but holds no {reference}: push it there, or name the registry that has it."
                    )
                } else if snapshot.gaps.iter().any(|gap| {
                    gap.resource.as_deref() == Some(arn.as_str())
                        && gap.error_code == "RepositoryNotFoundException"
                }) {
                    format!(
                        "The account has no ECR repository {name} either: name the registry that holds the image."
                    )
                } else {
                    format!(
                        "Whether the account's ECR repository {name} holds it was not read; if the pipeline pushes there, the URI below is the one."
                    )
                };
                format!(
                    "Docker Hub answered that it has no such image (its library/ namespace holds only public official images). {ecr}"
                )
            }
        };
        findings.push(
            CHECK
                .finding(format!("Image `{}` of container `{}` names no registry: it means docker.io/library/{name}, not {uri}", container.image, container.name))
                .flow(FlowKind::ExternalRegistry)
                .resource(definition.arn.as_str())
                .resources(repository.map(|repo| repo.arn.as_str()))
                .detail(format!(
                    "The task definition {} gives container `{}` the image reference `{}` without a registry, which Docker reads as docker.io/library/{name}{separator}{reference}. {evidence}",
                    definition.arn, container.name, container.image
                ))
                .fix(
                    format!("aws ecs register-task-definition --cli-input-json file://task-definition.json  # with \"image\": \"{}\" for container {}", note(&uri), note(&container.name)),
                    format!("# in the container definition `{}` of {}\nimage = \"{}\"", note(&container.name), note(&definition.arn), hcl(&uri)),
                ),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use crate::engine::diagnose;
    use crate::finding::Severity;
    use crate::rules::test_support::scenario;
    use crate::snapshot::Snapshot;

    fn snapshot() -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        snapshot.task_definitions[0].containers[0].image = "web:1.4.2".into();
        snapshot
    }

    #[test]
    fn own_repository_with_the_tag_gives_the_full_uri() {
        let report = diagnose(&snapshot());
        let finding = report.findings.iter().find(|f| f.check == "PC706").unwrap();
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding
                .fix
                .as_ref()
                .unwrap()
                .terraform
                .contains("111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2")
        );
    }

    #[test]
    fn silent_when_the_own_repository_lacks_the_tag_and_no_reason_says_so() {
        let mut snapshot = snapshot();
        snapshot.task_definitions[0].containers[0].image = "web:9.9.9".into();
        assert!(
            diagnose(&snapshot)
                .findings
                .iter()
                .all(|f| f.check != "PC706")
        );
    }
}
