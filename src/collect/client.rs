//! The SDK configuration: region, profile, credentials, retries. The default credential chain
//! (environment, shared config and SSO, container and instance metadata) and `AWS_ENDPOINT_URL`
//! come from aws-config as they are.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail};
use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::ProvideCredentials;

use super::arn::{RegistryRole, is_region};

pub struct Clients {
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub iam: aws_sdk_iam::Client,
    pub kms: aws_sdk_kms::Client,
    pub secrets_manager: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    /// The loaded configuration, for clients of another region.
    pub config: aws_config::SdkConfig,
    /// ECR clients of other accounts' registries, signed with a role of that account, by account.
    pub registry_clients: BTreeMap<String, aws_sdk_ecr::Client>,
}

impl Clients {
    /// An ECR client for another region, with the same credentials, retries and endpoint.
    pub fn ecr_in(&self, region: &str) -> aws_sdk_ecr::Client {
        let config = aws_sdk_ecr::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_ecr::Client::from_conf(config)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Connection {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// The region a task ARN names: used when none is configured, refused when another one is.
    pub arn_region: Option<String>,
    /// Other accounts' registries to read with a role of their own (`--registry-role`).
    pub registry_roles: Vec<RegistryRole>,
}

/// Retries with exponential backoff and jitter; ten attempts so a throttled sweep completes
/// rather than failing on the third refusal. Standard mode, not adaptive: measured through
/// aws-proxy with 20% of calls throttled, adaptive mode's client-side rate limiter stretched a
/// 200-service sweep from 1.5 s to 62 s, while the calls in flight are already bounded.
const MAX_ATTEMPTS: u32 = 10;

/// `AWS_MAX_ATTEMPTS` as the SDKs read it, else [`MAX_ATTEMPTS`].
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|attempts| *attempts >= 1)
        .unwrap_or(MAX_ATTEMPTS)
}

pub async fn connect(connection: &Connection) -> anyhow::Result<Clients> {
    let region = resolve_region(connection).await?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.clone()))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts())
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    let provider = config.credentials_provider().context(NO_CREDENTIALS)?;
    if let Err(error) = provider.provide_credentials().await {
        let detail = aws_sdk_ec2::error::DisplayErrorContext(&error).to_string();
        let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        bail!("{NO_CREDENTIALS} ({detail})");
    }
    let mut registry_clients = BTreeMap::new();
    for registry in &connection.registry_roles {
        registry_clients.insert(
            registry.account.clone(),
            registry_client(&config, registry).await?,
        );
    }
    Ok(Clients {
        ec2: aws_sdk_ec2::Client::new(&config),
        ecs: aws_sdk_ecs::Client::new(&config),
        ecr: aws_sdk_ecr::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
        kms: aws_sdk_kms::Client::new(&config),
        secrets_manager: aws_sdk_secretsmanager::Client::new(&config),
        ssm: aws_sdk_ssm::Client::new(&config),
        region,
        config,
        registry_clients,
    })
}

/// An ECR client that assumes the registry account's role; the role is assumed once here, so a
/// role that cannot be assumed is a one-line error before anything is read.
async fn registry_client(
    config: &aws_config::SdkConfig,
    registry: &RegistryRole,
) -> anyhow::Result<aws_sdk_ecr::Client> {
    let provider = aws_config::sts::AssumeRoleProvider::builder(&registry.role_arn)
        .session_name("ecr-pathcheck")
        .configure(config)
        .build()
        .await;
    if let Err(error) = provider.provide_credentials().await {
        let detail = aws_sdk_ec2::error::DisplayErrorContext(&error).to_string();
        let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        bail!(
            "cannot assume {} to read registry {} ({detail}); check the role's trust policy, or drop --registry-role",
            registry.role_arn,
            registry.account
        );
    }
    let ecr = aws_sdk_ecr::config::Builder::from(config)
        .credentials_provider(provider)
        .build();
    Ok(aws_sdk_ecr::Client::from_conf(ecr))
}

const NO_CREDENTIALS: &str = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME (after `aws sso login --profile NAME` for SSO), or run where a container or instance role is available";

async fn resolve_region(connection: &Connection) -> anyhow::Result<String> {
    let configured = match &connection.region {
        Some(region) => Some(region.clone()),
        None => {
            let mut chain = DefaultRegionChain::builder();
            if let Some(profile) = &connection.profile {
                chain = chain.profile_name(profile);
            }
            chain
                .build()
                .region()
                .await
                .map(|region| region.to_string())
        }
    };
    let region = match (configured, &connection.arn_region) {
        (Some(configured), Some(from_arn)) if &configured != from_arn => bail!(
            "the task ARN is in region {from_arn} but the configured region is {configured}; pass --region {from_arn}"
        ),
        (Some(configured), _) => configured,
        (None, Some(from_arn)) => from_arn.clone(),
        (None, None) => bail!(
            "no AWS region configured: pass --region, set AWS_REGION, or set region in the profile"
        ),
    };
    if !is_region(&region) {
        bail!("{region:?} is not an AWS region name (like us-east-1)");
    }
    Ok(region)
}
