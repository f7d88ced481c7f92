use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{Index, TargetFacts, TargetInput};
use crate::finding::{Finding, Severity};
use crate::flows::ImageRef;
use crate::reason::{Category, classify};
use crate::snapshot::{LaunchType, TaskDefinition};

declare_check! {
    /// ## What it does
    /// When a reason says `no space left on device` (typically `failed to extract layer …`),
    /// compares the task's images with its ephemeral storage: on Fargate
    /// `ephemeralStorage.sizeInGiB`, 20 GiB when unset (platform 1.4.0 and later). Image sizes
    /// are ECR's `imageSizeInBytes` (`DescribeImages`): the compressed layers.
    ///
    /// The estimate of the disk a pull needs is **3 × the compressed size**: the compressed
    /// layers are downloaded and kept in the content store (1×) while they are extracted, and
    /// gzip-compressed container layers typically expand about 2× (often 2 to 4×) when unpacked.
    /// It is an estimate, so only a clear excess is an error: when the estimate exceeds the
    /// storage, the finding names the images, their sizes and the storage, with the size to set.
    ///
    /// ## Why is this bad
    /// The task stops before its containers start, after every network hop and permission
    /// worked; retrying fails the same way.
    ///
    /// ## Example
    /// Two images of 4.1 GiB and 3.2 GiB compressed (about 22 GiB to pull and extract) on the
    /// default 20 GiB.
    ///
    /// ## Fix
    /// Raise `ephemeralStorage.sizeInGiB` (21 to 200), or make the images smaller. When a size is
    /// unknown (an image outside ECR, a failed read) or the estimate fits, the finding is a
    /// warning: something else filled the disk (the application writing to its root file system,
    /// a volume). On the EC2 launch type the instance's volume is not read: a warning.
    pub static CHECK = ("PC708", "ephemeral-storage-too-small", Error);
}

/// The factor from compressed image size to the disk a pull uses; see the check's docs.
pub const PULL_DISK_FACTOR: u64 = 3;
const FARGATE_DEFAULT_GIB: u32 = 20;
const GIB: u64 = 1 << 30;

pub fn check(facts: &TargetFacts) -> Vec<Finding> {
    match facts.definition {
        Some(definition) => judge(facts.index, facts.target, definition),
        None => Vec::new(),
    }
}

fn judge(index: &Index, target: &TargetInput, definition: &TaskDefinition) -> Vec<Finding> {
    let Some(reason) = target
        .reasons
        .iter()
        .find(|reason| classify(reason).category == Category::Disk)
    else {
        return Vec::new();
    };
    let quoted: String = reason.chars().take(200).collect();
    if target.launch_type == Some(LaunchType::Ec2) {
        return vec![
            CHECK
                .finding("The container instance ran out of disk while pulling; its volume is not read")
                .severity(Severity::Warning)
                .resource(definition.arn.as_str())
                .detail(format!("Reason: \"{quoted}\". On the EC2 launch type images are extracted onto the container instance's volume, which this tool does not read: prune unused images (ECS_IMAGE_CLEANUP_INTERVAL) or enlarge the volume.")),
        ];
    }
    let storage = definition
        .ephemeral_storage_gib
        .unwrap_or(FARGATE_DEFAULT_GIB);
    let mut total: u64 = 0;
    let mut sized = Vec::new();
    let mut unknown = Vec::new();
    let mut repositories = Vec::new();
    for container in &definition.containers {
        let image = ImageRef::parse(&container.image);
        let ImageRef::PrivateEcr { reference, .. } = &image else {
            unknown.push(format!("{} (not in ECR)", container.image));
            continue;
        };
        let arn = image.repository_arn().unwrap_or_default();
        let size = index
            .snapshot
            .ecr_repositories
            .iter()
            .find(|repository| repository.arn == arn)
            .and_then(|repository| {
                repository
                    .images
                    .iter()
                    .find(|i| &i.digest == reference || i.tags.contains(reference))
            })
            .and_then(|image| image.size_bytes)
            .filter(|_| index.gap_about(&["ecr:DescribeImages"], &arn).is_none());
        match size {
            Some(size) => {
                total += size;
                sized.push(format!(
                    "{} {:.1} GiB",
                    container.image,
                    size as f64 / GIB as f64
                ));
                repositories.push(arn);
            }
            None => unknown.push(format!("{} (size not recorded)", container.image)),
        }
    }
    let needed = total * PULL_DISK_FACTOR;
    let needed_gib = needed.div_ceil(GIB);
    let sizes = if sized.is_empty() {
        "no image size is recorded".to_string()
    } else {
        format!("compressed sizes: {}", sized.join(", "))
    };
    if needed > u64::from(storage) * GIB {
        let wanted = (needed_gib + needed_gib / 5).clamp(21, 200);
        return vec![
            CHECK
                .finding(format!("The images need about {needed_gib} GiB to pull and extract; the task has {storage} GiB of ephemeral storage"))
                .resource(definition.arn.as_str())
                .resources(repositories)
                .detail(format!(
                    "Reason: \"{quoted}\". {sizes}; {PULL_DISK_FACTOR}× their total ({:.1} GiB) is about {needed_gib} GiB (compressed layers kept while extracting, plus about 2× for unpacking gzip layers), more than the {storage} GiB of {}.{}",
                    total as f64 / GIB as f64,
                    if definition.ephemeral_storage_gib.is_some() { "ephemeralStorage" } else { "Fargate's default ephemeral storage" },
                    if unknown.is_empty() { String::new() } else { format!(" Not counted: {}.", unknown.join(", ")) }
                ))
                .fix(
                    format!("aws ecs register-task-definition --cli-input-json file://task-definition.json  # with \"ephemeralStorage\": {{\"sizeInGiB\": {wanted}}} ({})", note(&definition.arn)),
                    format!("# in the aws_ecs_task_definition of {}\nephemeral_storage {{\n  size_in_gib = {wanted}\n}}", note(&definition.arn)),
                ),
        ];
    }
    vec![
        CHECK
            .finding(format!("The task ran out of its {storage} GiB of ephemeral storage; the recorded images do not explain it"))
            .severity(Severity::Warning)
            .resource(definition.arn.as_str())
            .detail(format!(
                "Reason: \"{quoted}\". {sizes}; {PULL_DISK_FACTOR}× their total is about {needed_gib} GiB, within {storage} GiB.{} Something else may fill the disk (the application writing to its root file system, a volume), or an image is larger than recorded. Check with: aws ecs describe-task-definition --task-definition {}",
                if unknown.is_empty() { String::new() } else { format!(" Unknown: {}.", unknown.join(", ")) },
                sh(&definition.arn)
            ))
            .fix(
                format!("# if the images are the cause, raise ephemeralStorage.sizeInGiB of {}", note(&definition.arn)),
                format!("# in the aws_ecs_task_definition of {}\nephemeral_storage {{\n  size_in_gib = {}\n}}", note(&definition.arn), hcl(&(storage + 10).min(200).to_string())),
            ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario, task};
    use crate::snapshot::Snapshot;

    fn snapshot(size_gib: u64, storage: Option<u32>) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.ecr_repositories[0].images[0].size_bytes = Some(size_gib << 30);
        snapshot.task_definitions[0].ephemeral_storage_gib = storage;
        let reason = "CannotPullContainerError: failed to extract layer sha256:01: write /x: no space left on device";
        snapshot.tasks = vec![task(&snapshot, Some(reason), Vec::new())];
        snapshot
    }

    fn pc708(snapshot: &Snapshot) -> Option<Severity> {
        findings_of(snapshot, "PC708").first().map(|f| f.severity)
    }

    #[test]
    fn a_large_image_on_the_default_storage_is_an_error() {
        assert_eq!(pc708(&snapshot(8, None)), Some(Severity::Error));
        assert_eq!(pc708(&snapshot(8, Some(40))), Some(Severity::Warning));
        assert_eq!(pc708(&snapshot(2, None)), Some(Severity::Warning));
    }
}
