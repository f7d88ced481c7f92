use crate::declare_check;
use crate::engine::{PathContext, Verdict};
use crate::flows::{FlowKind, ImageRef};
use crate::snapshot::{EcrImage, EcrRepository};

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

/// The private ECR images of the target that this flow's registry serves, with their repository.
pub(super) fn images<'a>(
    context: &PathContext<'a, '_>,
) -> Vec<(ImageRef, Option<&'a EcrRepository>)> {
    let Some(definition) = context.target.definition else {
        return Vec::new();
    };
    definition
        .containers
        .iter()
        .map(|container| ImageRef::parse(&container.image))
        .filter(|image| matches!(image, ImageRef::PrivateEcr { account, region, .. } if context.flow.host == format!("{account}.dkr.ecr.{region}.amazonaws.com")))
        .map(|image| {
            let arn = image.repository_arn();
            let repository = context.index.snapshot.ecr_repositories.iter().find(|repo| Some(&repo.arn) == arn.as_ref());
            (image, repository)
        })
        .collect()
}

pub(super) fn find_image<'r>(
    repository: &'r EcrRepository,
    reference: &str,
) -> Option<&'r EcrImage> {
    repository
        .images
        .iter()
        .find(|image| image.digest == reference || image.tags.iter().any(|tag| tag == reference))
}

pub fn check(context: &PathContext) -> Vec<Verdict> {
    if context.flow.kind != FlowKind::EcrRegistry {
        return Vec::new();
    }
    images(context)
        .into_iter()
        .map(|(image, repository)| verdict(context, &image, repository))
        .collect()
}

fn verdict(context: &PathContext, image: &ImageRef, repository: Option<&EcrRepository>) -> Verdict {
    let ImageRef::PrivateEcr {
        repository: name,
        reference,
        ..
    } = image
    else {
        unreachable!("images() keeps private ECR images")
    };
    let arn = image.repository_arn().unwrap_or_default();
    let Some(repository) = repository else {
        let not_found = context.index.snapshot.gaps.iter().any(|gap| {
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
                format!("aws ecr create-repository --repository-name {name} --region {}  # then push the image", context.flow.region),
                format!("resource \"aws_ecr_repository\" \"{}\" {{\n  name = \"{name}\"\n}}", super::fixes::label(name)),
            ))
        } else {
            Verdict::Unknown(finding.detail(format!("{arn} was not collected (another account or region, or ecr:DescribeRepositories refused): the image cannot be checked.")))
        };
    };
    if find_image(repository, reference).is_some() {
        return Verdict::Pass(format!("{name}:{reference} exists"));
    }
    let mut tags: Vec<&str> = repository
        .images
        .iter()
        .flat_map(|image| image.tags.iter().map(String::as_str))
        .collect();
    tags.sort_by_key(|tag| (super::fixes::edit_distance(tag, reference), tag.to_string()));
    let closest: Vec<&str> = tags.into_iter().take(3).collect();
    let suggestion = closest.first().copied().unwrap_or("<existing tag>");
    Verdict::Block(
        CHECK
            .finding(format!("Image {name}:{reference} does not exist{}", if closest.is_empty() { " (the repository is empty)".to_string() } else { format!("; closest tags: {}", closest.join(", ")) }))
            .resource(repository.arn.as_str())
            .detail(format!("The task definition names {}:{reference}; {} holds {} image(s), none tagged or digested {reference}.", repository.uri, repository.arn, repository.images.len()))
            .fix(
                format!("aws ecr describe-images --repository-name {name} --query 'imageDetails[].imageTags'\n# push {reference}, or register the task definition with image {}:{suggestion}", repository.uri),
                format!("# in the container definition of {}\nimage = \"{}:{suggestion}\"", context.target.task_definition_arn, repository.uri),
            ),
    )
}
