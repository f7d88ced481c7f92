use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LaunchType {
    Fargate,
    Ec2,
    External,
}

/// An `awsvpc` network configuration: where the task's ENI lives and what guards it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsvpcConfiguration {
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub assign_public_ip: bool,
}

/// A task as `DescribeTasks` shows it, running or stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub arn: String,
    pub cluster_arn: String,
    pub task_definition_arn: String,
    /// `service:<name>` for service tasks, `family:<name>` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub launch_type: LaunchType,
    /// `1.4.0`, `1.3.0` or `LATEST` (Fargate only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    pub last_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_reason: Option<String>,
    #[serde(default)]
    pub containers: Vec<ContainerState>,
    /// The task ENI as recorded in the task's attachment (kept after the ENI itself is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<TaskNetwork>,
    /// The container instance an EC2 task was placed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance_arn: Option<String>,
}

impl Task {
    /// The stopped reason, then each container's reason.
    pub fn reasons(&self) -> impl Iterator<Item = &String> {
        self.stopped_reason.iter().chain(
            self.containers
                .iter()
                .filter_map(|container| container.reason.as_ref()),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskNetwork {
    pub subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<Ipv4Addr>,
    /// The task ENI's IPv6 address (`privateIPv6Address` of its attachment, schema 4), when it
    /// has one: in a subnet with an IPv6 block, with the `dualStackIPv6` account setting on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<std::net::Ipv6Addr>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// Set when the task got a public IP (`assignPublicIp: ENABLED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub assign_public_ip: bool,
}

/// An EC2 container instance (`DescribeContainerInstances`) joined with its EC2 instance
/// (`DescribeInstances`) and its instance profile's role (`GetInstanceProfile`): the agent on it
/// pulls the images of EC2 tasks over the instance's own network interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerInstance {
    pub arn: String,
    pub cluster_arn: String,
    pub ec2_instance_id: String,
    /// The instance's primary network interface; absent when the instance could not be described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<TaskNetwork>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_profile_arn: Option<String>,
    /// The instance profile's role: the credentials the agent falls back to without an
    /// execution role. Absent when the instance has no profile or the profile no role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

impl ContainerInstance {
    /// "container instance i-…", as findings name it.
    pub fn label(&self) -> String {
        format!("container instance {}", self.ec2_instance_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerState {
    pub name: String,
    #[serde(default)]
    pub image: String,
    /// The digest ECS resolved the container's image to (`DescribeTasks`
    /// `containers[].imageDigest`, `sha256:<64 hex>`): the image the task actually asked for,
    /// whatever the tag points at now. Absent when the agent never resolved it. Schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// The container's exit code (`containers[].exitCode`), when it ran and exited. Schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub arn: String,
    pub name: String,
    pub cluster_arn: String,
    pub task_definition_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<AwsvpcConfiguration>,
    /// Most recent first, as `DescribeServices` returns them.
    #[serde(default)]
    pub events: Vec<ServiceEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinition {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    #[serde(default = "default_network_mode")]
    pub network_mode: String,
    #[serde(default)]
    pub runtime_platform: RuntimePlatform,
    /// `ephemeralStorage.sizeInGiB` (Fargate, 21 to 200); absent means the Fargate default of
    /// 20 GiB (platform 1.4.0 and later). Schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage_gib: Option<u32>,
    pub containers: Vec<ContainerDefinition>,
}

fn default_network_mode() -> String {
    "awsvpc".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimePlatform {
    /// `X86_64` or `ARM64`.
    pub cpu_architecture: String,
    /// `LINUX`, `WINDOWS_SERVER_2022_CORE`, ...
    pub operating_system_family: String,
}

impl Default for RuntimePlatform {
    fn default() -> Self {
        RuntimePlatform {
            cpu_architecture: "X86_64".into(),
            operating_system_family: "LINUX".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    #[serde(default = "yes")]
    pub essential: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_options: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretReference>,
    /// `repositoryCredentials.credentialsParameter`: a Secrets Manager ARN for a private registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_credentials: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretReference {
    pub name: String,
    /// A Secrets Manager ARN, an SSM parameter ARN, or a bare SSM parameter name.
    pub value_from: String,
}
