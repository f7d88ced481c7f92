//! The connections a task opens before its containers start, derived from its task definition.

use serde::Serialize;

use crate::snapshot::{LaunchType, TaskDefinition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    EcrAuth,
    EcrRegistry,
    S3Layers,
    Logs,
    SecretsManager,
    Ssm,
    Kms,
    ExternalRegistry,
    /// The ECS agent of an EC2 container instance: control plane, task polling, telemetry.
    EcsControl,
    EcsAgent,
    EcsTelemetry,
}

impl FlowKind {
    pub fn id(self) -> &'static str {
        match self {
            FlowKind::EcrAuth => "ecr-auth",
            FlowKind::EcrRegistry => "ecr-registry",
            FlowKind::S3Layers => "s3-layers",
            FlowKind::Logs => "logs",
            FlowKind::SecretsManager => "secrets-manager",
            FlowKind::Ssm => "ssm",
            FlowKind::Kms => "kms",
            FlowKind::ExternalRegistry => "external-registry",
            FlowKind::EcsControl => "ecs",
            FlowKind::EcsAgent => "ecs-agent",
            FlowKind::EcsTelemetry => "ecs-telemetry",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            FlowKind::EcrAuth => "ECR authentication",
            FlowKind::EcrRegistry => "the ECR registry",
            FlowKind::S3Layers => "the S3 bucket holding ECR image layers",
            FlowKind::Logs => "CloudWatch Logs",
            FlowKind::SecretsManager => "Secrets Manager",
            FlowKind::Ssm => "SSM Parameter Store",
            FlowKind::Kms => "KMS",
            FlowKind::ExternalRegistry => "an external registry",
            FlowKind::EcsControl => "the ECS API (container agent)",
            FlowKind::EcsAgent => "the ECS agent communication service",
            FlowKind::EcsTelemetry => "the ECS telemetry service",
        }
    }

    /// The endpoint service suffix (`com.amazonaws.<region>.<suffix>`), when PrivateLink exists.
    pub fn endpoint_suffix(self) -> Option<&'static str> {
        match self {
            FlowKind::EcrAuth => Some("ecr.api"),
            FlowKind::EcrRegistry => Some("ecr.dkr"),
            FlowKind::S3Layers => Some("s3"),
            FlowKind::Logs => Some("logs"),
            FlowKind::SecretsManager => Some("secretsmanager"),
            FlowKind::Ssm => Some("ssm"),
            FlowKind::Kms => Some("kms"),
            FlowKind::ExternalRegistry => None,
            FlowKind::EcsControl => Some("ecs"),
            FlowKind::EcsAgent => Some("ecs-agent"),
            FlowKind::EcsTelemetry => Some("ecs-telemetry"),
        }
    }

    /// Secrets and their keys: fetched with the task execution role only, on every launch type.
    pub fn needs_execution_role(self) -> bool {
        matches!(
            self,
            FlowKind::SecretsManager | FlowKind::Ssm | FlowKind::Kms
        )
    }

    /// Whether the flow's requests are signed with the pulling role (execution role, or the
    /// container instance's): what PC601/PC603 evaluate. Layer downloads use presigned URLs,
    /// external registries their own credentials; the agent's own calls are not evaluated.
    pub fn uses_pulling_role(self) -> bool {
        !matches!(
            self,
            FlowKind::S3Layers
                | FlowKind::ExternalRegistry
                | FlowKind::EcsControl
                | FlowKind::EcsAgent
                | FlowKind::EcsTelemetry
        )
    }
}

/// One connection the task must be able to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub kind: FlowKind,
    /// The region of the service dialled (another region than the task's for a cross-region image).
    pub region: String,
    pub host: String,
    /// Why the task needs it, in words: "image 1111.dkr.ecr.../app:1 of container web".
    pub because: String,
    /// Resources an endpoint or identity policy is asked about (repository, log group, secret ARNs).
    pub resources: Vec<String>,
    /// `awslogs-create-group` is `true`: the log driver calls `logs:CreateLogGroup` at every
    /// start and fails on a refusal, even when the group exists.
    pub creates_log_group: bool,
}

impl Flow {
    /// The (action, resource) pairs the flow makes: what endpoint and identity policies must
    /// allow. A layer is one object of the bucket, so the bucket's wildcard becomes a concrete key.
    pub fn requests(&self) -> Vec<(String, String)> {
        let actions: &[&str] = match self.kind {
            FlowKind::EcrAuth => &["ecr:GetAuthorizationToken"],
            FlowKind::EcrRegistry => &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
            ],
            FlowKind::S3Layers => &["s3:GetObject"],
            FlowKind::Logs if self.creates_log_group => &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            FlowKind::Logs => &["logs:CreateLogStream", "logs:PutLogEvents"],
            FlowKind::SecretsManager => &["secretsmanager:GetSecretValue"],
            FlowKind::Ssm => &["ssm:GetParameters"],
            FlowKind::Kms => &["kms:Decrypt"],
            FlowKind::ExternalRegistry
            | FlowKind::EcsControl
            | FlowKind::EcsAgent
            | FlowKind::EcsTelemetry => &[],
        };
        let resources: Vec<String> = self
            .resources
            .iter()
            .map(|resource| {
                resource
                    .strip_suffix("/*")
                    .map(|bucket| format!("{bucket}/sha256/layer"))
                    .unwrap_or_else(|| resource.clone())
            })
            .collect();
        actions
            .iter()
            .flat_map(|action| {
                resources
                    .iter()
                    .map(move |resource| (action.to_string(), resource.clone()))
            })
            .collect()
    }

    /// Interface/gateway endpoints in the task's VPC only serve their own region's services.
    /// ECR's dual-stack registry host has no PrivateLink: the `ecr.dkr` endpoint serves only
    /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
    pub fn endpoint_service(&self, task_region: &str) -> Option<String> {
        let suffix = self.kind.endpoint_suffix()?;
        if is_dual_stack_registry(&self.host) {
            return None;
        }
        (self.region == task_region).then(|| format!("com.amazonaws.{}.{suffix}", self.region))
    }
}

impl Flow {
    /// Whether the flow's host has IPv6 addresses: ECR's dual-stack registry host
    /// (`ACCOUNT.dkr-ecr.REGION.on.aws`). Every other host a flow dials is an IPv4-only name
    /// (`api.ecr`, `s3.REGION`, `logs`, ...: their IPv6 names are other hosts, such as
    /// `s3.dualstack.REGION.amazonaws.com`, which the task's agent does not dial;
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/dual-stack-endpoints.html>).
    pub fn reachable_over_ipv6(&self) -> bool {
        is_dual_stack_registry(&self.host)
    }
}

/// A container image reference, split into what decides its flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    PrivateEcr {
        account: String,
        region: String,
        repository: String,
        reference: String,
    },
    External {
        registry: String,
        reference: String,
    },
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        let (registry, rest) = match image.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first, rest)
            }
            _ => ("docker.io", image),
        };
        let labels: Vec<&str> = registry.split('.').collect();
        if is_dual_stack_registry(registry) {
            let (repository, reference) = split_reference(rest);
            return ImageRef::PrivateEcr {
                account: labels[0].to_string(),
                region: labels[2].to_string(),
                repository: repository.to_string(),
                reference: reference.to_string(),
            };
        }
        if labels.len() >= 6
            && labels[1] == "dkr"
            && labels[2].starts_with("ecr")
            && registry.contains(".amazonaws.com")
        {
            let (repository, reference) = split_reference(rest);
            return ImageRef::PrivateEcr {
                account: labels[0].to_string(),
                region: labels[3].to_string(),
                repository: repository.to_string(),
                reference: reference.to_string(),
            };
        }
        ImageRef::External {
            registry: registry.to_string(),
            reference: image.to_string(),
        }
    }

    /// The host the container runtime dials for the image's manifests and blobs: the image's own
    /// registry (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`, or ECR's dual-stack
    /// `ACCOUNT.dkr-ecr.REGION.on.aws`), `docker.io` for a bare name.
    pub fn registry_host(image: &str) -> String {
        match image.split_once('/') {
            Some((first, _))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                first.to_string()
            }
            _ => "docker.io".to_string(),
        }
    }

    /// A bare image name (`app:3f9c2e1`, `app@sha256:…`, `app`): no registry and no namespace,
    /// which Docker reads as `docker.io/library/NAME`. `(name, tag or digest)`, `latest` when
    /// the reference has neither.
    pub fn bare_name(image: &str) -> Option<(String, String)> {
        if image.contains('/') {
            return None;
        }
        let (name, reference) = split_reference(image);
        Some((name.to_string(), reference.to_string()))
    }

    pub fn repository_arn(&self) -> Option<String> {
        match self {
            ImageRef::PrivateEcr {
                account,
                region,
                repository,
                ..
            } => Some(format!(
                "arn:aws:ecr:{region}:{account}:repository/{repository}"
            )),
            ImageRef::External { .. } => None,
        }
    }
}

/// ECR's dual-stack (IPv4 and IPv6) registry host, `ACCOUNT.dkr-ecr.REGION.on.aws`: the
/// account's private ECR registry, not an external one. Only OCI/Docker requests have this host;
/// registry auth (`GetAuthorizationToken`) still goes to `api.ecr.REGION.amazonaws.com`, and ECR
/// serves no PrivateLink traffic on dual-stack hosts
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html>).
pub fn is_dual_stack_registry(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() == 5
        && labels[0].len() == 12
        && labels[0].bytes().all(|b| b.is_ascii_digit())
        && labels[1] == "dkr-ecr"
        && labels[3] == "on"
        && labels[4] == "aws"
}

/// The dual-stack images of the definition in `region`: their registry auth needs IPv4.
pub fn dual_stack_images<'a>(definition: &'a TaskDefinition, region: &str) -> Vec<&'a str> {
    definition
        .containers
        .iter()
        .filter(|container| {
            is_dual_stack_registry(&ImageRef::registry_host(&container.image))
                && matches!(ImageRef::parse(&container.image), ImageRef::PrivateEcr { region: r, .. } if r == region)
        })
        .map(|container| container.image.as_str())
        .collect()
}

/// A registry reached over the internet that anyone may pull from without an AWS account:
/// `public.ecr.aws` (Amazon ECR Public) and the other public registries. "Public registry",
/// never "outside AWS": ECR Public is an AWS service, but without PrivateLink.
pub fn public_registry_label(host: &str) -> &'static str {
    if host == "public.ecr.aws" {
        "the public registry Amazon ECR Public"
    } else if host == "docker.io" || host.ends_with(".docker.io") {
        "the public registry Docker Hub"
    } else {
        "a public registry"
    }
}

/// `repo:tag` / `repo@sha256:…` → (`repo`, `tag` or digest); no tag means `latest`.
fn split_reference(rest: &str) -> (&str, &str) {
    if let Some((repository, digest)) = rest.split_once('@') {
        return (repository, digest);
    }
    match rest.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => (repository, tag),
        _ => (rest, "latest"),
    }
}

/// What a task needs, derived from its task definition and platform.
pub fn required_flows(
    definition: &TaskDefinition,
    task_region: &str,
    account_id: &str,
    launch_type: LaunchType,
    legacy_platform: bool,
) -> Vec<Flow> {
    let mut flows: Vec<Flow> = Vec::new();
    let mut add =
        |kind: FlowKind, region: &str, host: String, because: String, resource: Option<String>| {
            match flows
                .iter_mut()
                .find(|flow| flow.kind == kind && flow.region == region && flow.host == host)
            {
                Some(flow) => {
                    if let Some(resource) = resource.filter(|r| !flow.resources.contains(r)) {
                        flow.resources.push(resource);
                    }
                }
                None => flows.push(Flow {
                    kind,
                    region: region.to_string(),
                    host,
                    because,
                    resources: resource.into_iter().collect(),
                    creates_log_group: false,
                }),
            }
        };
    // On Fargate platform 1.3.0 and earlier, registry auth and secrets used an AWS-managed ENI.
    let uses_task_eni_for_auth = !(launch_type == LaunchType::Fargate && legacy_platform);
    for container in &definition.containers {
        let image = ImageRef::parse(&container.image);
        let because = format!(
            "container `{}` runs image {}",
            container.name, container.image
        );
        match &image {
            ImageRef::PrivateEcr {
                account, region, ..
            } => {
                if uses_task_eni_for_auth {
                    add(
                        FlowKind::EcrAuth,
                        region,
                        format!("api.ecr.{region}.amazonaws.com"),
                        because.clone(),
                        Some("*".into()),
                    );
                }
                let registry = ImageRef::registry_host(&container.image);
                add(
                    FlowKind::EcrRegistry,
                    region,
                    if is_dual_stack_registry(&registry) {
                        registry
                    } else {
                        format!("{account}.dkr.ecr.{region}.amazonaws.com")
                    },
                    because.clone(),
                    image.repository_arn(),
                );
                add(
                    FlowKind::S3Layers,
                    region,
                    format!("prod-{region}-starport-layer-bucket.s3.{region}.amazonaws.com"),
                    because.clone(),
                    Some(format!(
                        "arn:aws:s3:::prod-{region}-starport-layer-bucket/*"
                    )),
                );
            }
            ImageRef::External { registry, .. } => {
                add(
                    FlowKind::ExternalRegistry,
                    task_region,
                    registry.clone(),
                    because.clone(),
                    None,
                );
            }
        }
        if container.log_driver.as_deref() == Some("awslogs") {
            let region = container
                .log_options
                .get("awslogs-region")
                .map(String::as_str)
                .unwrap_or(task_region);
            let group = container
                .log_options
                .get("awslogs-group")
                .cloned()
                .unwrap_or_default();
            add(
                FlowKind::Logs,
                region,
                format!("logs.{region}.amazonaws.com"),
                format!(
                    "container `{}` logs to CloudWatch group `{group}` (awslogs)",
                    container.name
                ),
                Some(format!(
                    "arn:aws:logs:{region}:{account_id}:log-group:{group}:*"
                )),
            );
        }
        if !uses_task_eni_for_auth {
            continue;
        }
        let secret_sources = container
            .secrets
            .iter()
            .map(|secret| secret.value_from.as_str())
            .chain(container.repository_credentials.as_deref());
        for source in secret_sources {
            let (kind, region, arn) = secret_source(source, task_region, account_id);
            let service = if kind == FlowKind::SecretsManager {
                "secretsmanager"
            } else {
                "ssm"
            };
            add(
                kind,
                &region,
                format!("{service}.{region}.amazonaws.com"),
                format!("container `{}` reads secret {source}", container.name),
                Some(arn),
            );
        }
    }
    if launch_type == LaunchType::Ec2 {
        // The agent must reach ECS before it is given the task at all; these hosts are what the
        // `ecs`, `ecs-agent` and `ecs-telemetry` endpoints serve.
        for (kind, host) in [
            (
                FlowKind::EcsControl,
                format!("ecs.{task_region}.amazonaws.com"),
            ),
            (
                FlowKind::EcsAgent,
                format!("ecs-a-1.{task_region}.amazonaws.com"),
            ),
            (
                FlowKind::EcsTelemetry,
                format!("ecs-t-1.{task_region}.amazonaws.com"),
            ),
        ] {
            add(
                kind,
                task_region,
                host,
                "the ECS agent of the container instance talks to ECS".to_string(),
                None,
            );
        }
    }
    let creates_group = definition.containers.iter().any(|container| {
        container.log_driver.as_deref() == Some("awslogs")
            && container
                .log_options
                .get("awslogs-create-group")
                .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    });
    for flow in flows.iter_mut().filter(|flow| flow.kind == FlowKind::Logs) {
        flow.creates_log_group = creates_group;
    }
    flows.sort_by(|a, b| (a.kind, &a.region).cmp(&(b.kind, &b.region)));
    flows
}

/// `arn:aws:secretsmanager:…` → Secrets Manager; `arn:aws:ssm:…` or a bare name → SSM.
fn secret_source(
    value_from: &str,
    task_region: &str,
    account_id: &str,
) -> (FlowKind, String, String) {
    let parts: Vec<&str> = value_from.split(':').collect();
    if parts.len() >= 6 && parts[0] == "arn" {
        let kind = if parts[2] == "secretsmanager" {
            FlowKind::SecretsManager
        } else {
            FlowKind::Ssm
        };
        let region = if parts[3].is_empty() {
            task_region
        } else {
            parts[3]
        };
        let arn = if kind == FlowKind::SecretsManager {
            parts[..7.min(parts.len())].join(":")
        } else {
            value_from.to_string()
        };
        return (kind, region.to_string(), arn);
    }
    let name = value_from.trim_start_matches('/');
    (
        FlowKind::Ssm,
        task_region.to_string(),
        format!("arn:aws:ssm:{task_region}:{account_id}:parameter/{name}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_image_references() {
        assert_eq!(
            ImageRef::parse("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1"),
            ImageRef::PrivateEcr {
                account: "111122223333".into(),
                region: "eu-west-1".into(),
                repository: "team/app".into(),
                reference: "v1".into()
            }
        );
        assert_eq!(
            ImageRef::parse("111122223333.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abc"),
            ImageRef::PrivateEcr {
                account: "111122223333".into(),
                region: "us-east-1".into(),
                repository: "app".into(),
                reference: "sha256:abc".into()
            }
        );
        assert!(
            matches!(ImageRef::parse("111122223333.dkr.ecr.us-east-1.amazonaws.com/app"), ImageRef::PrivateEcr { reference, .. } if reference == "latest")
        );
        assert!(
            matches!(ImageRef::parse("nginx:1.27"), ImageRef::External { registry, .. } if registry == "docker.io")
        );
        assert!(
            matches!(ImageRef::parse("public.ecr.aws/nginx/nginx:1"), ImageRef::External { registry, .. } if registry == "public.ecr.aws")
        );
        assert!(
            matches!(ImageRef::parse("ghcr.io/org/app:1"), ImageRef::External { registry, .. } if registry == "ghcr.io")
        );
        assert_eq!(
            ImageRef::parse("123456789012.dkr-ecr.us-east-1.on.aws/team/app:v1"),
            ImageRef::PrivateEcr {
                account: "123456789012".into(),
                region: "us-east-1".into(),
                repository: "team/app".into(),
                reference: "v1".into()
            }
        );
        assert!(!is_dual_stack_registry("evil.dkr-ecr.us-east-1.on.aws"));
        assert_eq!(ImageRef::registry_host("app:3f9c2e1"), "docker.io");
    }

    #[test]
    fn dual_stack_image_authenticates_over_ipv4_and_pulls_from_its_own_host() {
        let definition = TaskDefinition {
            arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1".into(),
            execution_role_arn: None,
            task_role_arn: None,
            network_mode: "awsvpc".into(),
            runtime_platform: Default::default(),
            ephemeral_storage_gib: None,
            containers: vec![crate::snapshot::ContainerDefinition {
                name: "app".into(),
                image: "123456789012.dkr-ecr.us-east-1.on.aws/app:v1".into(),
                essential: true,
                log_driver: None,
                log_options: Default::default(),
                secrets: Vec::new(),
                repository_credentials: None,
            }],
        };
        let flows = required_flows(
            &definition,
            "us-east-1",
            "123456789012",
            LaunchType::Fargate,
            false,
        );
        let hosts: Vec<(FlowKind, &str)> =
            flows.iter().map(|f| (f.kind, f.host.as_str())).collect();
        assert_eq!(
            hosts,
            vec![
                (FlowKind::EcrAuth, "api.ecr.us-east-1.amazonaws.com"),
                (
                    FlowKind::EcrRegistry,
                    "123456789012.dkr-ecr.us-east-1.on.aws"
                ),
                (
                    FlowKind::S3Layers,
                    "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"
                ),
            ]
        );
        assert_eq!(flows[1].endpoint_service("us-east-1"), None);
        assert!(flows[0].endpoint_service("us-east-1").is_some());
    }

    #[test]
    fn secret_sources() {
        let (kind, region, arn) = secret_source(
            "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf:password::",
            "us-east-1",
            "1",
        );
        assert_eq!(
            (kind, region.as_str(), arn.as_str()),
            (
                FlowKind::SecretsManager,
                "us-east-1",
                "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf"
            )
        );
        let (kind, _, arn) = secret_source("/app/token", "us-east-1", "1");
        assert_eq!(
            (kind, arn.as_str()),
            (FlowKind::Ssm, "arn:aws:ssm:us-east-1:1:parameter/app/token")
        );
    }
}
