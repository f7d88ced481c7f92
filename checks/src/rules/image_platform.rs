use super::fixes::sh;
use crate::declare_check;
use crate::facts::{Carrier, PathContext, Verdict};
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
    /// A multi-platform image (manifest list) names its platforms; a single-architecture image
    /// records its OS and architecture only in its config blob, which this tool does not fetch
    /// (it needs `GetDownloadUrlForLayer` and an HTTP GET of the presigned URL). For such an
    /// image the match is unknown: an info line, or a warning when the task's reason is `exec
    /// format error` (the container pulled and could not run its binaries).
    ///
    /// ## Example
    /// Image platforms `[linux/arm64]`, task `runtimePlatform.cpuArchitecture` unset (X86_64).
    ///
    /// ## Fix
    /// Build a multi-platform image (`docker buildx build --platform linux/amd64,linux/arm64`) or
    /// set the task's `runtimePlatform` to the image's.
    pub static CHECK = ("PC702", "image-platform-mismatch", Error);
}

pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    let images = carrier.images;
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
            // A manifest list names its platforms; a single-architecture manifest does not: its
            // OS and architecture are only in the config blob, which is not read.
            let exec_format = context
                .target
                .reasons
                .iter()
                .any(|reason| reason.to_ascii_lowercase().contains("exec format error"));
            let unknown = format!(
                "The snapshot records no platform for {}:{reference}: it is a single-architecture image (or its manifest could not be read), whose OS and architecture are written only in its config blob, which this tool does not fetch (the config digest from BatchGetImage, then GetDownloadUrlForLayer and an HTTP GET of the presigned S3 URL). So whether it matches the task's {wanted} (runtimePlatform {}/{}) is unknown. Check with: docker buildx imagetools inspect {}:{reference}",
                repository.name,
                platform.operating_system_family,
                platform.cpu_architecture,
                repository.uri
            );
            let finding = if exec_format {
                CHECK
                    .finding(format!("exec format error after pulling {}:{reference}: its architecture is not recorded, the task runs {wanted}", repository.name))
                    .resources([repository.arn.as_str(), definition.arn.as_str()])
                    .detail(format!("The container pulled, then failed to start with `exec format error`: its binaries are for another architecture than {wanted}. {unknown}."))
                    .severity(crate::finding::Severity::Warning)
            } else {
                CHECK
                    .finding(format!("The platform of {}:{reference} is not recorded (single-architecture images keep it in their config blob)", repository.name))
                    .resource(repository.arn.as_str())
                    .detail(format!("{unknown}."))
                    .severity(crate::finding::Severity::Info)
            };
            verdicts.push(Verdict::Unknown(finding));
            continue;
        }
        let exec_format = context
            .target
            .reasons
            .iter()
            .any(|reason| reason.to_ascii_lowercase().contains("exec format error"));
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
                .detail(format!("The task runs on {wanted} (runtimePlatform {}/{}); the image's manifests are for {}.{}", platform.operating_system_family, platform.cpu_architecture, found.platforms.join(", "), if exec_format { " The task's `exec format error` is this mismatch." } else { "" }))
                .fix(
                    format!("# rebuild the image for both platforms and push it again:\ndocker buildx build --platform {},{} -t {} --push .", sh(&wanted), sh(&found.platforms[0]), sh(&format!("{}:{reference}", repository.uri))),
                    format!("# or, in the aws_ecs_task_definition, run on the image's platform:\nruntime_platform {{\n  operating_system_family = \"LINUX\"\n  cpu_architecture        = \"{other_arch}\"\n}}"),
                ),
        ));
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario, task};
    use crate::snapshot::Snapshot;

    fn snapshot(platforms: &[&str], reason: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.ecr_repositories[0].images[0].platforms =
            platforms.iter().map(|p| p.to_string()).collect();
        let mut stopped = task(&snapshot, Some(reason), Vec::new());
        stopped.stop_code = Some("EssentialContainerExited".into());
        snapshot.tasks = vec![stopped];
        snapshot
    }

    fn pc702(snapshot: &Snapshot) -> Option<Severity> {
        findings_of(snapshot, "PC702").first().map(|f| f.severity)
    }

    #[test]
    fn exec_format_error_with_an_unrecorded_platform_is_a_warning() {
        let reason = "Essential container in task exited: exec /app/server: exec format error";
        assert_eq!(pc702(&snapshot(&[], reason)), Some(Severity::Warning));
        assert_eq!(
            pc702(&snapshot(&[], "Essential container in task exited")),
            Some(Severity::Info)
        );
        assert_eq!(
            pc702(&snapshot(&["linux/arm64"], reason)),
            Some(Severity::Error)
        );
        assert_eq!(pc702(&snapshot(&["linux/amd64"], reason)), None);
    }
}
