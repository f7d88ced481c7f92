//! ECR: the private repositories the task definitions pull from, their policies and images, and
//! the registry settings (pull-through cache, registry policy, other regions' replication).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecr::Client;
use aws_sdk_ecr::types::ImageIdentifier;
use ecr_pathcheck_checks::flows::ImageRef;
use ecr_pathcheck_checks::snapshot::{
    EcrImage, EcrRegistry, EcrRepository, PullThroughCacheRule, RegistryReplication,
    ReplicationDestination, ReplicationRule,
};
use futures::future::try_join_all;

use super::blob::{self, ConfigBlobs};
use super::call::{Calls, Outcome};

/// The manifest types `BatchGetImage` may return; an index lists the image's platforms.
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
];

/// A repository of the collector's region, by registry (account) and name, with the tags and
/// digests the task definitions ask for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Wanted {
    account: String,
    region: String,
    name: String,
}

/// `owners` holds clients that read another account's registry with that account's own role
/// (`--registry-role`); every other registry is read with the caller's `client`.
/// `blobs` reads the config blob of the single-architecture images the task definitions name,
/// for their platform.
pub async fn repositories(
    client: &Client,
    owners: &BTreeMap<String, Client>,
    calls: &Calls,
    blobs: &ConfigBlobs,
    region: &str,
    own_account: &str,
    images: &BTreeSet<String>,
) -> anyhow::Result<Vec<EcrRepository>> {
    let mut wanted: BTreeMap<Wanted, BTreeSet<String>> = BTreeMap::new();
    for image in images {
        // A bare name (`app:3f9c2e1`) means Docker Hub's `library/app`; the account's own
        // repository of that name, if it holds the tag, is what the task definition meant (PC706).
        if let Some((name, reference)) = ImageRef::bare_name(image) {
            wanted
                .entry(Wanted {
                    account: own_account.to_string(),
                    region: region.to_string(),
                    name,
                })
                .or_default()
                .insert(reference);
            continue;
        }
        let ImageRef::PrivateEcr {
            account,
            region: image_region,
            repository,
            reference,
        } = ImageRef::parse(image)
        else {
            continue;
        };
        // This region's clients cannot read another region's registry; for an image of the
        // caller's own account there, the same repository here may hold a replicated copy.
        if image_region != region && account != own_account {
            continue;
        }
        wanted
            .entry(Wanted {
                account,
                region: region.to_string(),
                name: repository,
            })
            .or_default()
            .insert(reference);
    }
    let found = try_join_all(wanted.iter().map(|(repository, references)| {
        let client = owners.get(&repository.account).unwrap_or(client);
        repository_with_images(client, calls, blobs, repository, references)
    }))
    .await?;
    Ok(found.into_iter().flatten().collect())
}

async fn repository_with_images(
    client: &Client,
    calls: &Calls,
    blobs: &ConfigBlobs,
    wanted: &Wanted,
    references: &BTreeSet<String>,
) -> anyhow::Result<Option<EcrRepository>> {
    let arn = format!(
        "arn:aws:ecr:{}:{}:repository/{}",
        wanted.region, wanted.account, wanted.name
    );
    let describe = client
        .describe_repositories()
        .registry_id(&wanted.account)
        .repository_names(&wanted.name)
        .send();
    let policy = client
        .get_repository_policy()
        .registry_id(&wanted.account)
        .repository_name(&wanted.name)
        .send();
    let lifecycle = client
        .get_lifecycle_policy()
        .registry_id(&wanted.account)
        .repository_name(&wanted.name)
        .send();
    let images = client
        .describe_images()
        .registry_id(&wanted.account)
        .repository_name(&wanted.name)
        .max_results(1000)
        .into_paginator()
        .items()
        .send();
    let manifests = image_platforms(client, calls, blobs, wanted, &arn, references);
    let (described, policy, lifecycle, images, manifests) = tokio::try_join!(
        calls.run(
            "ecr:DescribeRepositories",
            Some(&arn),
            &["RepositoryNotFoundException"],
            describe
        ),
        calls.run(
            "ecr:GetRepositoryPolicy",
            Some(&arn),
            &[
                "RepositoryPolicyNotFoundException",
                "RepositoryNotFoundException"
            ],
            policy
        ),
        // PC705 names the rule that expired a deployed digest; no policy is an answer, not a gap.
        calls.run(
            "ecr:GetLifecyclePolicy",
            Some(&arn),
            &[
                "LifecyclePolicyNotFoundException",
                "RepositoryNotFoundException"
            ],
            lifecycle
        ),
        calls.run(
            "ecr:DescribeImages",
            Some(&arn),
            &["RepositoryNotFoundException"],
            images.collect::<Result<Vec<_>, _>>()
        ),
        manifests,
    )?;
    let repository = match described {
        Outcome::Found(output) => output.repositories().first().cloned(),
        Outcome::Absent(code) => {
            // The convention the engine reads: this repository does not exist (PC701), not "uncollected".
            calls.record_gap(
                "ecr:DescribeRepositories",
                Some(&arn),
                &code,
                &format!(
                    "The repository with name '{}' does not exist in the registry with id '{}'",
                    wanted.name, wanted.account
                ),
            );
            None
        }
        Outcome::Gap => None,
    };
    let Some(repository) = repository else {
        return Ok(None);
    };
    let images = images
        .found()
        .unwrap_or_default()
        .iter()
        .filter_map(|detail| {
            let digest = detail.image_digest()?.to_string();
            let recorded = manifests.get(&digest);
            Some(EcrImage {
                platforms: match recorded {
                    Some(Platform::Index(platforms)) => platforms.clone(),
                    _ => Vec::new(),
                },
                config_platform: match recorded {
                    Some(Platform::Config(platform)) => Some(platform.clone()),
                    _ => None,
                },
                tags: detail.image_tags().to_vec(),
                size_bytes: detail
                    .image_size_in_bytes()
                    .and_then(|size| u64::try_from(size).ok()),
                digest,
            })
        })
        .collect();
    let encryption = repository.encryption_configuration();
    Ok(Some(EcrRepository {
        arn: repository.repository_arn().unwrap_or(&arn).to_string(),
        name: repository
            .repository_name()
            .unwrap_or(&wanted.name)
            .to_string(),
        uri: repository.repository_uri().unwrap_or_default().to_string(),
        policy: policy.found().and_then(|output| {
            output
                .policy_text()
                .and_then(|text| serde_json::from_str(text).ok())
        }),
        encryption_type: encryption.map(|config| config.encryption_type().as_str().to_string()),
        kms_key: encryption.and_then(|config| config.kms_key().map(str::to_string)),
        lifecycle_policy: lifecycle.found().and_then(|output| {
            output
                .lifecycle_policy_text()
                .and_then(|text| serde_json::from_str(text).ok())
        }),
        images,
    }))
}

/// The registry's pull-through cache rules and permissions policy; `None` when neither could be read.
pub async fn registry(client: &Client, calls: &Calls) -> anyhow::Result<Option<EcrRegistry>> {
    let rules = client
        .describe_pull_through_cache_rules()
        .into_paginator()
        .items()
        .send();
    let (rules, policy) = tokio::try_join!(
        calls.run(
            "ecr:DescribePullThroughCacheRules",
            None,
            &[],
            rules.collect::<Result<Vec<_>, _>>()
        ),
        calls.run(
            "ecr:GetRegistryPolicy",
            None,
            &["RegistryPolicyNotFoundException"],
            client.get_registry_policy().send()
        ),
    )?;
    if matches!((&rules, &policy), (Outcome::Gap, Outcome::Gap)) {
        return Ok(None);
    }
    Ok(Some(EcrRegistry {
        pull_through_cache_rules: rules
            .found()
            .unwrap_or_default()
            .iter()
            .filter_map(|rule| {
                Some(PullThroughCacheRule {
                    ecr_repository_prefix: rule.ecr_repository_prefix()?.to_string(),
                    upstream_registry_url: rule.upstream_registry_url()?.to_string(),
                })
            })
            .collect(),
        policy: policy.found().and_then(|output| {
            output
                .policy_text()
                .and_then(|text| serde_json::from_str(text).ok())
        }),
    }))
}

/// Where an image's platform was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Platform {
    /// A manifest list or OCI index: the platforms its manifests are for.
    Index(Vec<String>),
    /// A single image manifest: the platform its config blob records.
    Config(String),
}

/// The platforms of the images `references` (tags or digests) name, by image digest: an index's
/// from the manifest itself, a single manifest's from its config blob, read once per config
/// digest (one `GetDownloadUrlForLayer` and one GET each). A failed read leaves the image out
/// and is a gap about the repository.
async fn image_platforms(
    client: &Client,
    calls: &Calls,
    blobs: &ConfigBlobs,
    wanted: &Wanted,
    arn: &str,
    references: &BTreeSet<String>,
) -> anyhow::Result<BTreeMap<String, Platform>> {
    let manifests = try_join_all(
        references
            .iter()
            .map(|reference| manifest(client, calls, wanted, arn, reference)),
    )
    .await?;
    let mut platforms = BTreeMap::new();
    let mut configs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (digest, manifest) in manifests.into_iter().flatten() {
        if let Some(index) = index_platforms(&manifest) {
            platforms.insert(digest, Platform::Index(index));
        } else if let Some(config) = blob::config_digest(&manifest) {
            configs.entry(config).or_default().push(digest);
        }
    }
    let read = try_join_all(configs.into_iter().map(|(config, digests)| async move {
        let platform = config_platform(client, calls, blobs, wanted, arn, &config).await?;
        Ok::<_, anyhow::Error>(platform.map(|platform| (digests, platform)))
    }))
    .await?;
    for (digests, platform) in read.into_iter().flatten() {
        for digest in digests {
            platforms.insert(digest, Platform::Config(platform.clone()));
        }
    }
    Ok(platforms)
}

/// The manifest of one tag or digest (`BatchGetImage`), with the image's digest; `None` for a
/// missing image or a failed read (a gap).
async fn manifest(
    client: &Client,
    calls: &Calls,
    wanted: &Wanted,
    arn: &str,
    reference: &str,
) -> anyhow::Result<Option<(String, String)>> {
    let id = if reference.starts_with("sha256:") {
        ImageIdentifier::builder().image_digest(reference).build()
    } else {
        ImageIdentifier::builder().image_tag(reference).build()
    };
    let request = client
        .batch_get_image()
        .registry_id(&wanted.account)
        .repository_name(&wanted.name)
        .image_ids(id)
        .set_accepted_media_types(Some(
            MANIFEST_TYPES.iter().map(|kind| kind.to_string()).collect(),
        ))
        .send();
    let output = calls
        .run(
            "ecr:BatchGetImage",
            Some(arn),
            &["RepositoryNotFoundException"],
            request,
        )
        .await?
        .found();
    Ok(output.and_then(|output| {
        let image = output.images().first()?;
        let digest = image.image_id()?.image_digest()?.to_string();
        Some((digest, image.image_manifest()?.to_string()))
    }))
}

/// The platform the config blob `config` (a digest from a manifest) records:
/// `GetDownloadUrlForLayer` for its URL, then the GET. Both failures are gaps named
/// `ecr:GetDownloadUrlForLayer` about the repository (the action to grant, and the read the
/// engine looks up); `None` then.
async fn config_platform(
    client: &Client,
    calls: &Calls,
    blobs: &ConfigBlobs,
    wanted: &Wanted,
    arn: &str,
    config: &str,
) -> anyhow::Result<Option<String>> {
    const API: &str = "ecr:GetDownloadUrlForLayer";
    let request = client
        .get_download_url_for_layer()
        .registry_id(&wanted.account)
        .repository_name(&wanted.name)
        .layer_digest(config)
        .send();
    let answer = calls
        .run(API, Some(arn), &["RepositoryNotFoundException"], request)
        .await?
        .found();
    let Some(answer) = answer else {
        return Ok(None);
    };
    let Some(url) = answer.download_url().filter(|url| !url.is_empty()) else {
        calls.record_gap(
            API,
            Some(arn),
            "InvalidResponse",
            &format!("the answer for config blob {config} has no downloadUrl"),
        );
        return Ok(None);
    };
    Ok(calls
        .fetch(API, Some(arn), async {
            blobs
                .platform(url, config)
                .await
                .map_err(|failure| (failure.code, failure.message))
        })
        .await)
}

/// `linux/arm64/v8`-style platforms of a manifest list or OCI index, attestations left out.
pub fn index_platforms(manifest: &str) -> Option<Vec<String>> {
    let manifest: serde_json::Value = serde_json::from_str(manifest).ok()?;
    let entries = manifest.get("manifests")?.as_array()?;
    let mut platforms: Vec<String> = entries
        .iter()
        .filter_map(|entry| {
            let platform = entry.get("platform")?;
            let os = platform.get("os")?.as_str()?;
            let architecture = platform.get("architecture")?.as_str()?;
            if os == "unknown" || architecture == "unknown" {
                return None;
            }
            Some(
                match platform.get("variant").and_then(|variant| variant.as_str()) {
                    Some(variant) => format!("{os}/{architecture}/{variant}"),
                    None => format!("{os}/{architecture}"),
                },
            )
        })
        .collect();
    platforms.sort();
    platforms.dedup();
    Some(platforms)
}

/// The regions other than `region` whose registry of `own_account` the images come from: their
/// replication rules decide whether a copy in `region` can exist.
pub fn source_regions(
    region: &str,
    own_account: &str,
    images: &BTreeSet<String>,
) -> BTreeSet<String> {
    images
        .iter()
        .filter_map(|image| match ImageRef::parse(image) {
            ImageRef::PrivateEcr {
                account,
                region: image_region,
                ..
            } if account == own_account && image_region != region => Some(image_region),
            _ => None,
        })
        .collect()
}

/// The replication rules of the registry a client of another region reads (`DescribeRegistry`).
pub async fn replication(
    client: &Client,
    calls: &Calls,
    region: &str,
) -> anyhow::Result<Option<RegistryReplication>> {
    let answer = calls
        .run(
            "ecr:DescribeRegistry",
            Some(region),
            &[],
            client.describe_registry().send(),
        )
        .await?;
    Ok(answer.found().map(|output| RegistryReplication {
        region: region.to_string(),
        registry_id: output.registry_id().unwrap_or_default().to_string(),
        rules: output
            .replication_configuration()
            .map(|configuration| configuration.rules())
            .unwrap_or_default()
            .iter()
            .map(|rule| ReplicationRule {
                destinations: rule
                    .destinations()
                    .iter()
                    .map(|destination| ReplicationDestination {
                        region: destination.region().to_string(),
                        registry_id: destination.registry_id().to_string(),
                    })
                    .collect(),
                repository_prefixes: rule
                    .repository_filters()
                    .iter()
                    .map(|filter| filter.filter().to_string())
                    .collect(),
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::index_platforms;

    #[test]
    fn an_index_lists_its_platforms_without_attestations() {
        let index = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"digest":"sha256:a","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
            {"digest":"sha256:b","platform":{"os":"linux","architecture":"amd64"}},
            {"digest":"sha256:c","platform":{"os":"unknown","architecture":"unknown"}}]}"#;
        assert_eq!(
            index_platforms(index),
            Some(vec![
                "linux/amd64".to_string(),
                "linux/arm64/v8".to_string()
            ])
        );
        assert_eq!(index_platforms(r#"{"schemaVersion":2,"config":{}}"#), None);
    }
}
