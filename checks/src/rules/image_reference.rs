use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{Carrier, FlowImage, PathContext, Verdict};
use crate::flows::ImageRef;

declare_check! {
    /// ## What it does
    /// Checks that each private ECR image of the task exists: the repository, and in it the tag
    /// or digest the task definition names. When the tag is missing it lists the closest tags.
    ///
    /// ## Why is this bad
    /// ECS resolves a tag to a digest at deployment; a tag deleted, overwritten or never pushed
    /// fails new tasks with `CannotPullContainerError: ... not found` or `Check whether the image
    /// exists`, after every network hop succeeded.
    ///
    /// ## Example
    /// Task definition image `web:1.4.3`; the repository holds `1.4.2` and `latest`.
    ///
    /// ## Fix
    /// Push the tag, or point the task definition at an existing tag or digest.
    pub static CHECK = ("PC701", "image-not-found", Error);
}

pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    carrier
        .images
        .iter()
        .map(|image| verdict(context, image))
        .collect()
}

fn verdict(context: &PathContext, flow_image: &FlowImage) -> Verdict {
    let (image, repository) = (&flow_image.image, flow_image.repository);
    let ImageRef::PrivateEcr {
        account,
        repository: name,
        reference,
        ..
    } = image
    else {
        unreachable!("images() keeps private ECR images")
    };
    if let Some(verdict) = super::pull_through_cache::verdict(context, flow_image, name, reference)
    {
        return verdict;
    }
    let arn = image.repository_arn().unwrap_or_default();
    let Some(repository) = repository else {
        // Another account's registry answers "not found" to callers it does not let see the
        // repository too, so only a registry read with its owner's credentials proves absence.
        let own_registry = context.index.snapshot.registry_read_as_owner(account);
        let not_found = own_registry
            && context.index.snapshot.gaps.iter().any(|gap| {
                gap.resource.as_deref() == Some(arn.as_str())
                    && gap.error_code == "RepositoryNotFoundException"
            });
        let finding = CHECK
            .finding(format!(
                "Repository {name} {}",
                if not_found {
                    "does not exist"
                } else {
                    "is not in the snapshot"
                }
            ))
            .resource(arn.as_str());
        return if not_found {
            Verdict::Block(finding.detail(format!("ECR answered RepositoryNotFoundException for {arn}.")).fix(
                format!("aws ecr create-repository --repository-name {} --region {}  # then push the image", sh(name), sh(&context.flow.region)),
                format!("resource \"aws_ecr_repository\" \"{}\" {{\n  name = \"{}\"\n}}", super::fixes::label(name), hcl(name)),
            ))
        } else {
            Verdict::Unknown(finding.detail(format!("{arn} was not collected (another account or region, or ecr:DescribeRepositories refused): the image cannot be checked.")))
        };
    };
    if flow_image.found.is_some() {
        return Verdict::Pass(format!("{name}:{reference} exists"));
    }
    if let Some(gap) = context
        .index
        .gap_about(&["ecr:DescribeImages"], &repository.arn)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether image {name}:{reference} exists is unknown: the repository's images could not be listed"))
                .resource(repository.arn.as_str())
                .detail(super::collection_gap::because(gap)),
        );
    }
    let mut tags: Vec<&str> = repository
        .images
        .iter()
        .flat_map(|image| image.tags.iter().map(String::as_str))
        .collect();
    tags.sort_by_key(|tag| (strsim::levenshtein(tag, reference), tag.to_string()));
    let closest: Vec<&str> = tags.into_iter().take(3).collect();
    let suggestion = closest.first().copied().unwrap_or("<existing tag>");
    Verdict::Block(
        CHECK
            .finding(format!("Image {name}:{reference} does not exist{}", if closest.is_empty() { " (the repository is empty)".to_string() } else { format!("; closest tags: {}", closest.join(", ")) }))
            .resource(repository.arn.as_str())
            .detail(format!("The task definition names {}:{reference}; {} holds {} image(s), none tagged or digested {reference}.", repository.uri, repository.arn, repository.images.len()))
            .fix(
                format!("aws ecr describe-images --repository-name {} --query 'imageDetails[].imageTags'\n# push {}, or register the task definition with image {}", sh(name), note(reference), note(&format!("{}:{suggestion}", repository.uri))),
                format!("# in the container definition of {}\nimage = \"{}\"", note(&context.target.task_definition_arn), hcl(&format!("{}:{suggestion}", repository.uri))),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    const REPOSITORY: &str = "arn:aws:ecr:us-east-1:111122223333:repository/web";

    fn tag(tag: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.task_definitions[0].containers[0].image =
            format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/web:{tag}");
        snapshot
    }

    fn gap(api: &str, error_code: &str) -> CollectionGap {
        CollectionGap {
            api: api.into(),
            resource: Some(REPOSITORY.into()),
            error_code: error_code.into(),
            message: "no".into(),
        }
    }

    fn only(snapshot: &Snapshot, severity: Severity) -> String {
        let findings = findings_of(snapshot, "PC701");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, severity);
        assert_eq!(findings[0].resources, [REPOSITORY]);
        findings[0].title.clone()
    }

    #[test]
    fn an_existing_tag_or_digest_is_found() {
        assert!(findings_of(&tag("latest"), "PC701").is_empty());
        let digest = format!("sha256:{}", "a".repeat(64));
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.task_definitions[0].containers[0].image =
            format!("111122223333.dkr.ecr.us-east-1.amazonaws.com/web@{digest}");
        assert!(findings_of(&snapshot, "PC701").is_empty());
    }

    #[test]
    fn a_tag_never_pushed_is_an_error_naming_the_closest_tags() {
        let title = only(&tag("1.4.3"), Severity::Error);
        assert!(
            title.contains("web:1.4.3 does not exist; closest tags: 1.4.2, latest"),
            "{title}"
        );
    }

    #[test]
    fn a_repository_is_missing_only_when_its_owner_says_so() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.ecr_repositories.clear();
        assert!(only(&snapshot, Severity::Warning).contains("is not in the snapshot"));
        snapshot.gaps.push(gap(
            "ecr:DescribeRepositories",
            "RepositoryNotFoundException",
        ));
        assert_eq!(
            only(&snapshot, Severity::Error),
            "Repository web does not exist"
        );
    }

    #[test]
    fn unlisted_images_leave_the_tag_unknown() {
        let mut snapshot = tag("1.4.3");
        snapshot
            .gaps
            .push(gap("ecr:DescribeImages", "AccessDeniedException"));
        assert!(only(&snapshot, Severity::Warning).contains("is unknown"));
    }
}
