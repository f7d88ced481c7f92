use super::fixes::sh;
use crate::declare_check;
use crate::engine::{PathContext, Verdict};
use crate::flows::ImageRef;

declare_check! {
    /// ## What it does
    /// Checks that each private ECR image has a manifest for the task's platform:
    /// `runtimePlatform` (`X86_64` → `linux/amd64` by default, `ARM64` → `linux/arm64`).
    ///
    /// ## Why is this bad
    /// An image built on an Apple-silicon laptop is `linux/arm64` only; an x86 task fails with
    /// `image Manifest does not contain descriptor matching platform 'linux/amd64'` (or starts and
    /// dies with `exec format error`).
    ///
    /// ## Example
    /// Image platforms `[linux/arm64]`, task `runtimePlatform.cpuArchitecture` unset (X86_64).
    ///
    /// ## Fix
    /// Build a multi-platform image (`docker buildx build --platform linux/amd64,linux/arm64`) or
    /// set the task's `runtimePlatform` to the image's.
    pub static CHECK = ("PC702", "image-platform-mismatch", Error);
}

pub fn check(context: &PathContext, images: &[super::image_reference::FlowImage]) -> Vec<Verdict> {
    if images.is_empty() {
        return Vec::new();
    }
    let Some(definition) = context.target.definition else {
        return Vec::new();
    };
    let platform = &definition.runtime_platform;
    let os = if platform
        .operating_system_family
        .to_ascii_uppercase()
        .starts_with("WINDOWS")
    {
        "windows"
    } else {
        "linux"
    };
    let arch = if platform.cpu_architecture.eq_ignore_ascii_case("ARM64") {
        "arm64"
    } else {
        "amd64"
    };
    let wanted = format!("{os}/{arch}");
    let mut verdicts = Vec::new();
    for flow_image in images {
        let (ImageRef::PrivateEcr { reference, .. }, Some(repository), Some(found)) =
            (&flow_image.image, flow_image.repository, flow_image.found)
        else {
            continue;
        };
        if found.platforms.is_empty() {
            verdicts.push(Verdict::Unknown(
                CHECK.finding(format!("The platforms of {}:{reference} are not recorded", repository.name)).resource(repository.arn.as_str()).detail("The snapshot lists the image without its manifest platforms; the match with the task's platform cannot be checked.").severity(crate::finding::Severity::Info),
            ));
            continue;
        }
        if found
            .platforms
            .iter()
            .any(|platform| platform == &wanted || platform.starts_with(&format!("{wanted}/")))
        {
            verdicts.push(Verdict::Pass(format!(
                "{}:{reference} has a {wanted} manifest",
                repository.name
            )));
            continue;
        }
        let other_arch = if arch == "amd64" { "ARM64" } else { "X86_64" };
        verdicts.push(Verdict::Block(
            CHECK
                .finding(format!("Image {}:{reference} has no {wanted} manifest (it has {})", repository.name, found.platforms.join(", ")))
                .resources([repository.arn.as_str(), definition.arn.as_str()])
                .detail(format!("The task runs on {wanted} (runtimePlatform {}/{}); the image's manifests are for {}.", platform.operating_system_family, platform.cpu_architecture, found.platforms.join(", ")))
                .fix(
                    format!("# rebuild the image for both platforms and push it again:\ndocker buildx build --platform {},{} -t {} --push .", sh(&wanted), sh(&found.platforms[0]), sh(&format!("{}:{reference}", repository.uri))),
                    format!("# or, in the aws_ecs_task_definition, run on the image's platform:\nruntime_platform {{\n  operating_system_family = \"LINUX\"\n  cpu_architecture        = \"{other_arch}\"\n}}"),
                ),
        ));
    }
    verdicts
}
