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
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryReason,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;

use super::arn::{NetworkRole, RegistryRole, is_region};

pub struct Clients {
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub iam: aws_sdk_iam::Client,
    pub kms: aws_sdk_kms::Client,
    pub secrets_manager: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    /// Route 53 (private hosted zones) and Route 53 Resolver (rules), for the names flows dial.
    pub route53: aws_sdk_route53::Client,
    pub route53resolver: aws_sdk_route53resolver::Client,
    /// The loaded configuration, for clients of another region.
    pub config: aws_config::SdkConfig,
    /// ECR clients of other accounts' registries, signed with a role of that account, by account.
    pub registry_clients: BTreeMap<String, aws_sdk_ecr::Client>,
    /// The clients that read the networks other accounts share subnets of (`--network-role`),
    /// signed with a role of that account, by account.
    pub network_clients: BTreeMap<String, NetworkRoleClients>,
}

/// EC2, Route 53 and Route 53 Resolver signed with a role of the account that owns a shared VPC.
pub struct NetworkRoleClients {
    pub ec2: aws_sdk_ec2::Client,
    pub route53: aws_sdk_route53::Client,
    pub route53resolver: aws_sdk_route53resolver::Client,
}

impl Clients {
    /// An ECR client for another region, with the same credentials, retries and endpoint.
    pub fn ecr_in(&self, region: &str) -> aws_sdk_ecr::Client {
        let config = aws_sdk_ecr::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .interceptor(ServerErrorBudget)
            .build();
        aws_sdk_ecr::Client::from_conf(config)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Connection {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// `--endpoint-url`: every client's endpoint, over `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// The region a task, cluster or service ARN names: used when none is configured, refused
    /// when another one is.
    pub arn_region: Option<String>,
    /// The region used when none is configured nor named by an ARN (a sweep's first region).
    pub fallback_region: Option<String>,
    /// Other accounts' registries to read with a role of their own (`--registry-role`).
    pub registry_roles: Vec<RegistryRole>,
    /// The owners of shared subnets whose VPCs to read with a role of their own (`--network-role`).
    pub network_roles: Vec<NetworkRole>,
}

/// Retries with exponential backoff and jitter; ten attempts so a throttled sweep completes
/// rather than failing on the third refusal. Standard mode, not adaptive: measured through
/// aws-proxy with 20% of calls throttled, adaptive mode's client-side rate limiter stretched a
/// 200-service sweep from 1.5 s to 62 s, while the calls in flight are already bounded.
const MAX_ATTEMPTS: u32 = 10;

/// Attempts for a server error (5xx), a transient network error or a timeout. Throttling keeps
/// [`MAX_ATTEMPTS`]: it clears, while an API failing on every call (an outage, an emulator
/// without it) would otherwise cost 9 to 29 s of backoff per call before becoming a gap.
pub(super) const SERVER_ERROR_ATTEMPTS: u32 = 3;

/// No single attempt waits longer than this; the run's `--timeout` bounds the whole.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Caps the retries of server and transient errors at [`SERVER_ERROR_ATTEMPTS`], leaving the
/// standard strategy in charge of throttling: after such a failed attempt it lowers the
/// operation's `max_attempts` (the standard strategy reads `RetryConfig` before every retry).
#[derive(Debug)]
pub(super) struct ServerErrorBudget;

impl Intercept for ServerErrorBudget {
    fn name(&self) -> &'static str {
        "ServerErrorBudget"
    }

    /// A successful answer with an empty body is no answer: every operation the collector calls
    /// returns a JSON object or an XML document. The SDK would read it as an empty list (an empty
    /// repository, no endpoints); failing here makes it an `InvalidResponse` gap instead.
    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        // The body is still a stream here: its declared length tells, when it is buffered its bytes.
        let declared_empty = response.headers().get("content-length") == Some("0");
        let empty = declared_empty
            || response
                .body()
                .bytes()
                .is_some_and(|body| body.iter().all(u8::is_ascii_whitespace));
        if response.status().is_success() && empty {
            return Err("the service answered 200 with an empty body".into());
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempts = cfg.load::<RequestAttempts>().map_or(0, |a| a.attempts());
        if attempts < SERVER_ERROR_ATTEMPTS || !context.inner().is_failed() {
            return Ok(());
        }
        // The classifiers in priority order, each refining the last, as the retry strategy runs
        // them (aws-smithy-runtime's `run_classifiers_on_ctx`).
        let mut action = RetryAction::NoActionIndicated;
        for classifier in runtime_components.retry_classifiers() {
            let next = classifier.classify_retry_v2(context.inner(), &action);
            if next != RetryAction::NoActionIndicated {
                action = next;
            }
            if action == RetryAction::RetryForbidden {
                break;
            }
        }
        let throttled = matches!(
            action,
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            })
        );
        if !throttled && let Some(config) = cfg.load::<RetryConfig>().cloned() {
            cfg.interceptor_state()
                .store_put(config.with_max_attempts(attempts));
        }
        Ok(())
    }
}

/// `AWS_MAX_ATTEMPTS` as the SDKs read it, else [`MAX_ATTEMPTS`].
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|attempts| *attempts >= 1)
        .unwrap_or(MAX_ATTEMPTS)
}

pub async fn connect(connection: &Connection) -> anyhow::Result<Clients> {
    let config = load_config(connection).await?;
    clients_for(
        &config,
        &config,
        &connection.registry_roles,
        &connection.network_roles,
    )
    .await
}

/// The caller's SDK configuration: the region resolved (`--region`, the environment, the
/// profile, the ARN's), retries and timeouts set, and the credentials checked, so that missing
/// credentials are one line before any call.
pub async fn load_config(connection: &Connection) -> anyhow::Result<aws_config::SdkConfig> {
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
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        );
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &connection.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let provider = config.credentials_provider().context(NO_CREDENTIALS)?;
    if let Err(error) = provider.provide_credentials().await {
        // The SDK's context can run to raw metadata-service responses: the first 160
        // characters say which provider failed; --debug shows the rest.
        bail!("{NO_CREDENTIALS} ({})", error_detail(&error, 160));
    }
    Ok(config)
}

/// `config` in another region and, when given, with another account's credentials (a sweep's
/// account and region).
pub fn scoped_config(
    config: &aws_config::SdkConfig,
    region: &str,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
) -> aws_config::SdkConfig {
    let mut builder = config.to_builder();
    builder.set_region(Some(Region::new(region.to_string())));
    if let Some(credentials) = credentials {
        builder.set_credentials_provider(Some(credentials));
    }
    builder.build()
}

/// Credentials of `role_arn`, assumed with `config`'s; the role is assumed once here, so a role
/// that cannot be assumed is known (with why) before anything is read with it.
pub async fn assume_role(
    config: &aws_config::SdkConfig,
    role_arn: &str,
) -> Result<aws_credential_types::provider::SharedCredentialsProvider, String> {
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("ecr-pathcheck")
        .configure(config)
        .build()
        .await;
    match provider.provide_credentials().await {
        Ok(_) => Ok(aws_credential_types::provider::SharedCredentialsProvider::new(provider)),
        Err(error) => Err(sts_refusal(&error).unwrap_or_else(|| error_detail(&error, 300))),
    }
}

/// STS's own answer (`AccessDenied: User ... is not authorized to perform: sts:AssumeRole on
/// resource: ...`) when the credentials error holds one: what the SDK's chain of errors says
/// around it only repeats it.
fn sts_refusal(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(SdkError::ServiceError(service)) =
            current.downcast_ref::<SdkError<AssumeRoleError>>()
        {
            let code = service.err().code().unwrap_or("refused");
            let message = service.err().message().unwrap_or_default();
            let text = format!("sts:AssumeRole: {code}: {message}");
            return Some(text.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        cause = current.source();
    }
    None
}

/// An SDK error with its causes, on one line of at most `limit` characters.
fn error_detail(error: &(dyn std::error::Error + 'static), limit: usize) -> String {
    let detail = aws_sdk_ec2::error::DisplayErrorContext(error).to_string();
    let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    match detail.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &detail[..cut]),
        None => detail,
    }
}

/// Every client the collector uses, in `config`'s region and credentials; the registry and
/// network roles are assumed with `assume_from`'s credentials (the caller's) in that region.
pub async fn clients_for(
    config: &aws_config::SdkConfig,
    assume_from: &aws_config::SdkConfig,
    registry_roles: &[RegistryRole],
    network_roles: &[NetworkRole],
) -> anyhow::Result<Clients> {
    let region = config
        .region()
        .map(ToString::to_string)
        .context("no AWS region configured")?;
    let assume_from = scoped_config(assume_from, &region, None);
    let mut registry_clients = BTreeMap::new();
    for registry in registry_roles {
        registry_clients.insert(
            registry.account.clone(),
            registry_client(&assume_from, registry).await?,
        );
    }
    let mut network_clients = BTreeMap::new();
    for network in network_roles {
        let provider = aws_credential_types::provider::SharedCredentialsProvider::new(
            assume(
                &assume_from,
                network,
                "read the network it shares",
                "--network-role",
            )
            .await?,
        );
        macro_rules! signed {
            ($sdk:ident) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(config)
                        .credentials_provider(provider.clone())
                        .interceptor(ServerErrorBudget)
                        .build(),
                )
            };
        }
        network_clients.insert(
            network.account.clone(),
            NetworkRoleClients {
                ec2: signed!(aws_sdk_ec2),
                route53: signed!(aws_sdk_route53),
                route53resolver: signed!(aws_sdk_route53resolver),
            },
        );
    }
    // Every client gets the short budget for server errors.
    macro_rules! client {
        ($sdk:ident) => {
            $sdk::Client::from_conf(
                $sdk::config::Builder::from(config)
                    .interceptor(ServerErrorBudget)
                    .build(),
            )
        };
    }
    Ok(Clients {
        ec2: client!(aws_sdk_ec2),
        ecs: client!(aws_sdk_ecs),
        ecr: client!(aws_sdk_ecr),
        iam: client!(aws_sdk_iam),
        kms: client!(aws_sdk_kms),
        secrets_manager: client!(aws_sdk_secretsmanager),
        ssm: client!(aws_sdk_ssm),
        route53: client!(aws_sdk_route53),
        route53resolver: client!(aws_sdk_route53resolver),
        region,
        config: config.clone(),
        registry_clients,
        network_clients,
    })
}

/// STS and Organizations clients with `config`'s credentials and region, for a sweep's list of
/// accounts.
pub fn sts(config: &aws_config::SdkConfig) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(config)
            .interceptor(ServerErrorBudget)
            .build(),
    )
}

pub fn organizations(config: &aws_config::SdkConfig) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(config)
            .interceptor(ServerErrorBudget)
            .build(),
    )
}

/// An ECR client that assumes the registry account's role; the role is assumed once here, so a
/// role that cannot be assumed is a one-line error before anything is read.
async fn registry_client(
    config: &aws_config::SdkConfig,
    registry: &RegistryRole,
) -> anyhow::Result<aws_sdk_ecr::Client> {
    let provider = assume(config, registry, "read registry", "--registry-role").await?;
    let ecr = aws_sdk_ecr::config::Builder::from(config)
        .credentials_provider(provider)
        .interceptor(ServerErrorBudget)
        .build();
    Ok(aws_sdk_ecr::Client::from_conf(ecr))
}

/// Assumes `role` once, so a role that cannot be assumed is a one-line error (naming `flag`)
/// before anything is read.
async fn assume(
    config: &aws_config::SdkConfig,
    role: &RegistryRole,
    to: &str,
    flag: &str,
) -> anyhow::Result<aws_config::sts::AssumeRoleProvider> {
    let provider = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
        .session_name("ecr-pathcheck")
        .configure(config)
        .build()
        .await;
    if let Err(error) = provider.provide_credentials().await {
        let detail = sts_refusal(&error).unwrap_or_else(|| error_detail(&error, 300));
        bail!(
            "cannot assume {} to {to} {} ({detail}); check the role's trust policy, or drop {flag}",
            role.role_arn,
            if flag == "--registry-role" {
                role.account.clone()
            } else {
                format!("of account {}", role.account)
            },
        );
    }
    Ok(provider)
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
            "the ARN given is in region {from_arn} but the configured region is {configured}; pass --region {from_arn}"
        ),
        (Some(configured), _) => configured,
        (None, Some(from_arn)) => from_arn.clone(),
        (None, None) if connection.fallback_region.is_some() => {
            connection.fallback_region.clone().unwrap_or_default()
        }
        (None, None) => bail!(
            "no AWS region configured: pass --region, set AWS_REGION, or set region in the profile"
        ),
    };
    if !is_region(&region) {
        bail!("{region:?} is not an AWS region name (like us-east-1)");
    }
    Ok(region)
}
