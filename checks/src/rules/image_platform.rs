use super::fixes::sh;
use crate::declare_check;
use crate::facts::{Carrier, PathContext, Verdict};
use crate::flows::ImageRef;
use crate::snapshot::{EcrRepository, RuntimePlatform, TaskDefinition};

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
    /// A multi-platform image (manifest list or OCI index) names its platforms in its manifest.
    /// A single-architecture image records its OS and architecture only in its config blob,
    /// which the collector reads for the images the targets use (the manifest's config digest,
    /// `ecr:GetDownloadUrlForLayer`, then an HTTP GET of the URL it returns). When that read
    /// failed (a gap), or the snapshot predates it (schema 2 and older), the match is unknown:
    /// an info line, or a warning when the task's reason is `exec format error` (the container
    /// pulled and could not run its binaries).
    ///
    /// ## Example
    /// Image platforms `[linux/arm64]`, or a single-architecture image whose config says
    /// `linux/arm64`; task `runtimePlatform.cpuArchitecture` unset (X86_64).
    ///
    /// ## Fix
    /// Build a multi-platform image (`docker buildx build --platform linux/amd64,linux/arm64`) or
    /// set the task's `runtimePlatform` to the image's.
    pub static CHECK = ("PC702", "image-platform-mismatch", Error);
}

/// The reads whose failure leaves a single-architecture image's platform unread: its manifest
/// (which names the config blob) and the config blob itself.
const PLATFORM_READS: [&str; 2] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

pub fn check(context: &PathContext, carrier: &Carrier) -> Vec<Verdict> {
    let images = carrier.images;
    if images.is_empty() {
        return Vec::new();
    }
    let Some(definition) = context.target.definition else {
        return Vec::new();
    };
    let platform = &definition.runtime_platform;
    let arch = if platform.cpu_architecture.eq_ignore_ascii_case("ARM64") {
        "arm64"
    } else {
        "amd64"
    };
    let wanted = wanted_platform(platform);
    let exec_format = context
        .target
        .reasons
        .iter()
        .any(|reason| reason.to_ascii_lowercase().contains("exec format error"));
    let mut verdicts = Vec::new();
    for flow_image in images {
        let (ImageRef::PrivateEcr { reference, .. }, Some(repository), Some(found)) =
            (&flow_image.image, flow_image.repository, flow_image.found)
        else {
            continue;
        };
        // A manifest list names its platforms; a single-architecture image's platform is in its
        // config blob, recorded as `config_platform` when it could be read.
        let (platforms, single) = match (&found.platforms[..], &found.config_platform) {
            ([], Some(config)) => (std::slice::from_ref(config), true),
            ([], None) => {
                verdicts.push(unrecorded(
                    context,
                    definition,
                    repository,
                    reference,
                    exec_format,
                ));
                continue;
            }
            (platforms, _) => (platforms, false),
        };
        if platforms
            .iter()
            .any(|platform| platform == &wanted || platform.starts_with(&format!("{wanted}/")))
        {
            verdicts.push(Verdict::Pass(if single {
                format!(
                    "{}:{reference} is a {wanted} image (its config blob says {})",
                    repository.name, platforms[0]
                )
            } else {
                format!("{}:{reference} has a {wanted} manifest", repository.name)
            }));
            continue;
        }
        let other_arch = if arch == "amd64" { "ARM64" } else { "X86_64" };
        let has = if single {
            format!(
                "its config blob says {}: a single-architecture image",
                platforms[0]
            )
        } else {
            format!("the image's manifests are for {}", platforms.join(", "))
        };
        verdicts.push(Verdict::Block(
            CHECK
                .finding(format!("Image {}:{reference} has no {wanted} manifest (it has {})", repository.name, platforms.join(", ")))
                .resources([repository.arn.as_str(), definition.arn.as_str()])
                .detail(format!("The task runs on {wanted} (runtimePlatform {}/{}); {has}.{}", platform.operating_system_family, platform.cpu_architecture, if exec_format { " The task's `exec format error` is this mismatch." } else { "" }))
                .fix(
                    format!("# rebuild the image for both platforms and push it again:\ndocker buildx build --platform {},{} -t {} --push .", sh(&wanted), sh(&platforms[0]), sh(&format!("{}:{reference}", repository.uri))),
                    format!("# or, in the aws_ecs_task_definition, run on the image's platform:\nruntime_platform {{\n  operating_system_family = \"LINUX\"\n  cpu_architecture        = \"{other_arch}\"\n}}"),
                ),
        ));
    }
    verdicts
}

/// The platform a task definition runs on, as manifests name it: `runtimePlatform`'s family
/// (`WINDOWS_*` → `windows`, else `linux`) and CPU (`ARM64` → `arm64`, else `amd64`).
fn wanted_platform(platform: &RuntimePlatform) -> String {
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
    format!("{os}/{arch}")
}

/// A single-architecture image (or one whose manifest could not be read) without a recorded
/// platform: unknown, naming the failed read when there is one. The config read's own gap is
/// looked up whatever its code, so a "not found" for the blob is named too.
fn unrecorded(
    context: &PathContext,
    definition: &TaskDefinition,
    repository: &EcrRepository,
    reference: &str,
    exec_format: bool,
) -> Verdict {
    let platform = &definition.runtime_platform;
    let wanted = wanted_platform(platform);
    let gap = context
        .index
        .gap_about(&PLATFORM_READS, &repository.arn)
        .or_else(|| {
            context.index.snapshot.gaps.iter().find(|gap| {
                gap.api == PLATFORM_READS[1] && gap.resource.as_deref() == Some(&repository.arn)
            })
        });
    let (state, why) = match gap {
        Some(gap) => (
            "could not be read",
            format!(
                "Its platform could not be read: {}",
                super::collection_gap::because(gap)
            ),
        ),
        None => (
            "is not recorded",
            "The snapshot records no platform for it: it is a single-architecture image whose config blob was not read (a snapshot written before schema 3, or a config that is not an image's).".to_string(),
        ),
    };
    let unknown = format!(
        "A manifest list names the platforms of a multi-platform image; a single-architecture image records its OS and architecture only in its config blob (the manifest's config digest, then GetDownloadUrlForLayer and an HTTP GET of the URL it returns). {why} So whether {}:{reference} matches the task's {wanted} (runtimePlatform {}/{}) is unknown. Check with: docker buildx imagetools inspect {}:{reference}",
        repository.name,
        platform.operating_system_family,
        platform.cpu_architecture,
        repository.uri
    );
    let finding = if exec_format {
        CHECK
            .finding(format!("exec format error after pulling {}:{reference}: its architecture {state}, the task runs {wanted}", repository.name))
            .resources([repository.arn.as_str(), definition.arn.as_str()])
            .detail(format!("The container pulled, then failed to start with `exec format error`: its binaries are for another architecture than {wanted}. {unknown}."))
            .severity(crate::finding::Severity::Warning)
    } else {
        CHECK
            .finding(format!("The platform of {}:{reference} {state} (single-architecture images keep it in their config blob)", repository.name))
            .resource(repository.arn.as_str())
            .detail(format!("{unknown}."))
            .severity(crate::finding::Severity::Info)
    };
    Verdict::Unknown(finding)
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario, task};
    use crate::snapshot::{CollectionGap, Snapshot};

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

    /// A single-architecture image: no manifest list, its platform from its config blob.
    fn single(config: Option<&str>, reason: &str) -> Snapshot {
        let mut snapshot = snapshot(&[], reason);
        snapshot.ecr_repositories[0].images[0].config_platform = config.map(str::to_string);
        snapshot
    }

    fn gap(snapshot: &mut Snapshot, api: &str, code: &str) {
        snapshot.gaps.push(CollectionGap {
            api: api.into(),
            resource: Some(snapshot.ecr_repositories[0].arn.clone()),
            error_code: code.into(),
            message: "injected".into(),
        });
    }

    #[test]
    fn a_single_architecture_image_for_another_platform_blocks() {
        let snapshot = single(Some("linux/arm64/v8"), "Essential container in task exited");
        let findings = findings_of(&snapshot, "PC702");
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0]
                .title
                .contains("has no linux/amd64 manifest (it has linux/arm64/v8)"),
            "{}",
            findings[0].title
        );
        assert!(
            findings[0]
                .detail
                .contains("its config blob says linux/arm64/v8"),
            "{}",
            findings[0].detail
        );
        // exec format error with a recorded platform is the mismatch itself: an error.
        let reason = "Essential container in task exited: exec /app/server: exec format error";
        assert_eq!(
            pc702(&single(Some("linux/arm64"), reason)),
            Some(Severity::Error)
        );
    }

    #[test]
    fn a_single_architecture_image_for_the_task_platform_passes() {
        let reason = "Essential container in task exited";
        assert_eq!(pc702(&single(Some("linux/amd64"), reason)), None);
        let mut arm = single(Some("linux/arm64/v8"), reason);
        arm.task_definitions[0].runtime_platform.cpu_architecture = "ARM64".into();
        assert_eq!(pc702(&arm), None);
        let mut windows = single(Some("windows/amd64"), reason);
        windows.task_definitions[0]
            .runtime_platform
            .operating_system_family = "WINDOWS_SERVER_2022_CORE".into();
        assert_eq!(pc702(&windows), None);
        assert_eq!(
            pc702(&single(Some("windows/amd64"), reason)),
            Some(Severity::Error),
            "a Windows image on a Linux task"
        );
    }

    #[test]
    fn a_failed_config_read_is_unknown_and_names_the_read() {
        let exec = "Essential container in task exited: exec /app/server: exec format error";
        for (api, code) in [
            ("ecr:GetDownloadUrlForLayer", "AccessDeniedException"),
            ("ecr:GetDownloadUrlForLayer", "InvalidResponse"),
            // A "not found" for the config blob is named too, though it proves nothing else.
            ("ecr:GetDownloadUrlForLayer", "LayersNotFoundException"),
            ("ecr:BatchGetImage", "HTTP 500"),
        ] {
            for (reason, severity) in [
                (exec, Severity::Warning),
                ("Essential container in task exited", Severity::Info),
            ] {
                let mut snapshot = single(None, reason);
                gap(&mut snapshot, api, code);
                let findings = findings_of(&snapshot, "PC702");
                assert_eq!(findings.len(), 1, "{api} {code}: {findings:?}");
                assert_eq!(findings[0].severity, severity, "{api} {code}");
                assert!(
                    findings[0].title.contains("could not be read"),
                    "{}",
                    findings[0].title
                );
                assert!(
                    findings[0].detail.contains(&format!("{api} for "))
                        && findings[0].detail.contains(code),
                    "{api} {code}: {}",
                    findings[0].detail
                );
            }
        }
        // Without a gap: not recorded (an older snapshot), in today's words.
        let findings = findings_of(&single(None, exec), "PC702");
        assert!(
            findings[0].title.contains("is not recorded")
                && findings[0].detail.contains("before schema 3"),
            "{findings:?}"
        );
        // A gap about another repository says nothing about this one.
        let mut other = single(None, exec);
        other.gaps.push(CollectionGap {
            api: "ecr:GetDownloadUrlForLayer".into(),
            resource: Some("arn:aws:ecr:us-east-1:111122223333:repository/other".into()),
            error_code: "AccessDeniedException".into(),
            message: "injected".into(),
        });
        assert!(
            findings_of(&other, "PC702")[0]
                .title
                .contains("is not recorded")
        );
    }
}
