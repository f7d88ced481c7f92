use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<serde_json::Value>,
    #[serde(default)]
    pub inline_policies: Vec<NamedPolicy>,
    #[serde(default)]
    pub attached_policies: Vec<NamedPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<NamedPolicy>,
    /// IAM's own answer (`iam:SimulatePrincipalPolicy`) for the requests the tasks make, to
    /// cross-check the engine's evaluator; absent when it was not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<RoleSimulation>,
}

impl IamRole {
    /// Inline then attached policies, named, as the policy evaluator takes them.
    pub fn identity_policies(&self) -> Vec<(&str, &serde_json::Value)> {
        self.inline_policies
            .iter()
            .chain(&self.attached_policies)
            .map(|policy| (policy.name.as_str(), &policy.document))
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSimulation {
    #[serde(default)]
    pub decisions: Vec<SimulatedDecision>,
    /// Why there is no answer (the call was refused or is not implemented), when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatedDecision {
    pub action: String,
    pub resource: String,
    /// `allowed`, `explicitDeny` or `implicitDeny`, as the simulator says.
    pub decision: String,
}

/// A policy document with the name (inline) or ARN (managed) it is known by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedPolicy {
    pub name: String,
    pub document: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcrRepository {
    pub arn: String,
    pub name: String,
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
    /// `AES256` or `KMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    #[serde(default)]
    pub images: Vec<EcrImage>,
    /// The repository's lifecycle policy (`ecr:GetLifecyclePolicy`, its `lifecyclePolicyText`
    /// parsed), when it has one; absent when it has none, was not read (a gap says so) or the
    /// snapshot predates it. Schema 2, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_policy: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcrImage {
    pub digest: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The platforms a manifest list or OCI index names (`linux/amd64`, `linux/arm64/v8`, ...);
    /// empty for a single-architecture image (see `config_platform`) or when unknown.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// `DescribeImages` `imageSizeInBytes`: the sum of the image's compressed layers as ECR
    /// stores them (for a manifest list, ECR reports the list's own size). Absent when not
    /// collected. Schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// A single-architecture image's platform, `os/architecture[/variant]` (`linux/arm64/v8`),
    /// as its image config blob records it (the config's `os`, `architecture` and `variant`):
    /// the manifest's `config.digest`, fetched through `ecr:GetDownloadUrlForLayer`. Absent for
    /// a manifest list or index (`platforms` names its platforms), for an image no target uses,
    /// when the read failed (a gap about the repository says so), and in snapshots before
    /// schema 3. Schema 3, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_platform: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// Registry-wide ECR settings of the snapshot's account and region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcrRegistry {
    #[serde(default)]
    pub pull_through_cache_rules: Vec<PullThroughCacheRule>,
    /// The registry permissions policy (`GetRegistryPolicy`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullThroughCacheRule {
    /// Repositories named `<prefix>/...` are filled from the upstream registry on first pull.
    pub ecr_repository_prefix: String,
    pub upstream_registry_url: String,
}

impl EcrRegistry {
    /// The rule whose prefix the repository name falls under (ECR appends the `/`).
    pub fn pull_through_rule(&self, repository: &str) -> Option<&PullThroughCacheRule> {
        self.pull_through_cache_rules.iter().find(|rule| {
            repository
                .strip_prefix(rule.ecr_repository_prefix.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// The replication configuration of another region's registry of the snapshot's account, which
/// images of the task definitions come from (`ecr:DescribeRegistry` in that region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryReplication {
    pub region: String,
    pub registry_id: String,
    #[serde(default)]
    pub rules: Vec<ReplicationRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationRule {
    #[serde(default)]
    pub destinations: Vec<ReplicationDestination>,
    /// `PREFIX_MATCH` filters on repository names; empty means every repository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repository_prefixes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationDestination {
    pub region: String,
    pub registry_id: String,
}

impl RegistryReplication {
    /// The rule that copies `repository` into `region` of `registry_id`, if any.
    pub fn rule_to(
        &self,
        repository: &str,
        region: &str,
        registry_id: &str,
    ) -> Option<&ReplicationRule> {
        self.rules.iter().find(|rule| {
            rule.destinations.iter().any(|destination| {
                destination.region == region && destination.registry_id == registry_id
            }) && (rule.repository_prefixes.is_empty()
                || rule
                    .repository_prefixes
                    .iter()
                    .any(|prefix| repository.starts_with(prefix.as_str())))
        })
    }
}

/// A KMS key a repository (or secret) is encrypted with, as `DescribeKey` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKey {
    pub arn: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, ...
    pub key_state: String,
    /// `CUSTOMER` or `AWS`.
    pub key_manager: String,
    /// The key policy (`kms:GetKeyPolicy`, policy `default`); read for the keys of secrets and
    /// parameters, whose decryption the key policy must permit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
}

impl KmsKey {
    /// Whether `reference` (a key ARN, a key id or an alias-free ARN suffix) names this key.
    pub fn is(&self, reference: &str) -> bool {
        self.arn == reference || self.arn.rsplit('/').next() == Some(reference)
    }
}

/// Which KMS key encrypts a secret or parameter the tasks read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretKey {
    /// The secret's ARN (without a JSON key or version suffix) or the parameter's ARN, as the
    /// engine's flows name them.
    pub resource: String,
    /// The key's ARN or id; absent for the AWS managed default key (`aws/secretsmanager`, `aws/ssm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}
