//! The private ECR images a flow pulls, resolved once against the snapshot for every image check.

use super::PathContext;
use crate::flows::{FlowKind, ImageRef};
use crate::snapshot::{EcrImage, EcrRepository};

/// A private ECR image of the target, resolved once against the snapshot for both image checks.
pub struct FlowImage<'a> {
    pub image: ImageRef,
    pub repository: Option<&'a EcrRepository>,
    /// The repository's image with the tag or digest the task definition names.
    pub found: Option<&'a EcrImage>,
}

/// The private ECR images of the target that this flow's registry serves; empty for other flows.
pub fn images<'a>(context: &PathContext<'a, '_>) -> Vec<FlowImage<'a>> {
    let Some(definition) = context
        .target
        .definition
        .filter(|_| context.flow.kind == FlowKind::EcrRegistry)
    else {
        return Vec::new();
    };
    definition
        .containers
        .iter()
        .map(|container| {
            (
                ImageRef::parse(&container.image),
                ImageRef::registry_host(&container.image),
            )
        })
        .filter_map(|(image, registry)| {
            let ImageRef::PrivateEcr {
                account,
                region,
                reference,
                ..
            } = &image
            else {
                return None;
            };
            let host = if crate::flows::is_dual_stack_registry(&registry) {
                registry
            } else {
                format!("{account}.dkr.ecr.{region}.amazonaws.com")
            };
            if context.flow.host != host {
                return None;
            }
            let arn = image.repository_arn();
            let repository = context
                .index
                .snapshot
                .ecr_repositories
                .iter()
                .find(|repo| Some(&repo.arn) == arn.as_ref());
            let found = repository.and_then(|repository| {
                repository.images.iter().find(|candidate| {
                    &candidate.digest == reference
                        || candidate.tags.iter().any(|tag| tag == reference)
                })
            });
            Some(FlowImage {
                image,
                repository,
                found,
            })
        })
        .collect()
}
