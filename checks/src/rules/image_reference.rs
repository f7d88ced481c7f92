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
