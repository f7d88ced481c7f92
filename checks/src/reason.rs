//! Classifies ECS stopped reasons and container reasons without any AWS access.
//!
//! The texts are truncated, reworded between agent versions and sometimes carry typographic
//! quotes, so classification works on normalised keywords and prefixes, never whole strings.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::flows::FlowKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Network,
    Permission,
    ImageNotFound,
    Platform,
    RateLimit,
    Disk,
    Timeout,
    Logs,
    Secrets,
    /// The secret was read, but lacks the JSON key `valueFrom` names (`did not contain json key`).
    SecretKey,
    Efs,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub category: Category,
    pub flow: Option<FlowKind>,
    pub host: Option<String>,
    pub ip: Option<Ipv4Addr>,
    pub summary: String,
}

pub fn classify(text: &str) -> Classification {
    let normalized = normalize(text);
    let host = find_host(&normalized);
    let ip = find_dialled_ip(&normalized);
    let category = category_of(&normalized);
    // A reference the daemon could not find, named without a URL (`manifest for app:1 not
    // found`, `repository app not found`): its registry is the flow, `docker.io` for a bare name.
    let named = (category == Category::ImageNotFound)
        .then(|| missing_reference(&normalized))
        .flatten()
        .map(|reference| crate::flows::ImageRef::registry_host(&reference));
    let host = host.or(named);
    let flow = if category == Category::Disk {
        // The disk filled up while extracting: the download (whichever host served it) worked.
        None
    } else {
        host.as_deref()
            .and_then(flow_of_host)
            .or_else(|| flow_from_wording(&normalized))
    };
    let summary = summarize(category, flow, host.as_deref(), ip);
    Classification {
        category,
        flow,
        host,
        ip,
        summary,
    }
}

fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

fn contains_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|needle| text.contains(needle))
}

fn category_of(text: &str) -> Category {
    // Order matters: the most specific symptom wins over the generic wrapper text around it.
    if contains_any(
        text,
        &["efs utils", "efs volume", "efs mount", "amazon-efs"],
    ) {
        Category::Efs
    } else if text.contains("did not contain json key") {
        Category::SecretKey
    } else if text.contains("no space left on device") {
        Category::Disk
    } else if contains_any(
        text,
        &[
            "toomanyrequests",
            "too many requests",
            "pull rate limit",
            "rate exceeded for",
        ],
    ) {
        Category::RateLimit
    } else if contains_any(
        text,
        &[
            "matching platform",
            "no matching manifest",
            "exec format error",
        ],
    ) {
        Category::Platform
    } else if contains_any(
        text,
        &[
            "is not authorized to perform",
            "no resource-based policy allows",
            "explicit deny in a resource-based policy",
        ],
    ) {
        // ECR's own refusal (`denied: User: ... is not authorized to perform: ecr:BatchGetImage
        // on resource: ...`); Docker wraps it in "pull access denied ... repository does not
        // exist", which is its guess, not the registry's answer.
        Category::Permission
    } else if text.contains("no basic auth credentials") {
        // Docker words a missing login "repository does not exist or may require 'docker
        // login'"; the credentials part is the fact, the repository part a guess.
        Category::Permission
    } else if contains_any(
        text,
        &[
            "check whether the image exists",
            "manifest unknown",
            "no pull access",
            "pull access denied",
            "not found: manifest",
            ": not found",
            "repository does not exist",
            "name unknown",
            "imagenotfound",
        ],
    ) {
        Category::ImageNotFound
    } else if contains_any(
        text,
        &[
            "accessdenied",
            "access denied",
            "not authorized",
            "403 forbidden",
            "status code 403",
            "permission",
            "unauthorizedoperation",
            "no basic auth credentials",
            "401 unauthorized",
        ],
    ) {
        Category::Permission
    } else if contains_any(text, &["logger", "log group", "cloudwatch"]) {
        Category::Logs
    } else if mentions_secret_store(text) {
        Category::Secrets
    } else if contains_any(
        text,
        &[
            "dockertimeouterror",
            "could not transition to started",
            "timed out after waiting",
        ],
    ) {
        Category::Timeout
    } else if contains_any(
        text,
        &[
            "i/o timeout",
            "connection issue",
            "context canceled",
            "context deadline exceeded",
            "network configuration",
            "no such host",
            "connection refused",
            "connection reset",
            "network is unreachable",
            "tls handshake timeout",
            "failed to do request",
            "dial tcp",
            "request canceled",
            "unable to pull secrets or registry auth",
        ],
    ) {
        Category::Network
    } else {
        Category::Unknown
    }
}

/// The image reference a not-found text names without a URL: `manifest for NAME:TAG not
/// found`, `repository NAME not found`, `failed to resolve ref NAME:`, `pull access denied for
/// NAME`.
fn missing_reference(text: &str) -> Option<String> {
    // (lead, what must follow the reference): "repository does not exist" names no reference.
    const LEADS: [(&str, &str); 4] = [
        ("failed to resolve ref ", ""),
        ("manifest for ", " not found"),
        ("pull access denied for ", ""),
        ("repository ", " not found"),
    ];
    LEADS.iter().find_map(|(lead, then)| {
        text.match_indices(lead).find_map(|(at, _)| {
            let rest = &text[at + lead.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ',' || c == '"')
                .unwrap_or(rest.len());
            let reference = rest[..end].trim_end_matches(':');
            (!reference.is_empty()
                && rest[end..].starts_with(then)
                && reference
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "./:-_@".contains(c)))
            .then(|| reference.to_string())
        })
    })
}

/// The "unable to pull secrets or registry auth" prefix wraps registry-auth errors too, so it
/// does not by itself say a secret was involved.
const SECRETS_OR_AUTH_WRAPPER: &str = "unable to pull secrets or registry auth";

fn mentions_secret_store(text: &str) -> bool {
    let text = text.replace(SECRETS_OR_AUTH_WRAPPER, "");
    contains_any(
        &text,
        &[
            "secrets manager",
            "from asm",
            "asm:",
            "retrieve secret",
            "ssm parameter",
            "parameter store",
            "from ssm",
            "secretsmanager",
            "kms",
        ],
    )
}

/// The host the task was dialling: the last URL's host when the text has a URL (the image name
/// earlier in the text names the registry even when the layer download failed), else the
/// first AWS or registry host named anywhere.
fn find_host(text: &str) -> Option<String> {
    let url_host = text.rmatch_indices("://").find_map(|(at, scheme)| {
        let rest = &text[at + scheme.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or(rest.len());
        Some(&rest[..end])
            .filter(|host| is_known_host(host))
            .map(str::to_string)
    });
    url_host.or_else(|| find_named_host(text))
}

fn is_known_host(token: &str) -> bool {
    crate::flows::is_dual_stack_registry(token)
        || token.ends_with(".amazonaws.com")
        || token.ends_with(".amazonaws.com.cn")
        || KNOWN_REGISTRIES
            .iter()
            .any(|registry| token == *registry || token.ends_with(&format!(".{registry}")))
}

fn find_named_host(text: &str) -> Option<String> {
    let is_host_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let mut candidates = Vec::new();
    let bytes = text.char_indices().collect::<Vec<_>>();
    let mut start = None;
    for (index, (offset, c)) in bytes.iter().enumerate() {
        if is_host_char(*c) {
            start.get_or_insert(*offset);
        }
        let at_end = index + 1 == bytes.len() || !is_host_char(bytes[index + 1].1);
        if let (Some(from), true) = (start, at_end) {
            candidates.push(&text[from..offset + c.len_utf8()]);
            start = None;
        }
    }
    candidates
        .into_iter()
        .map(|token| token.trim_matches(|c| c == '.' || c == '-'))
        .find(|token| {
            crate::flows::is_dual_stack_registry(token)
                || token.ends_with(".amazonaws.com")
                || token.ends_with(".amazonaws.com.cn")
                || KNOWN_REGISTRIES
                    .iter()
                    .any(|registry| token == registry || token.ends_with(&format!(".{registry}")))
        })
        .map(str::to_string)
}

const KNOWN_REGISTRIES: [&str; 8] = [
    "docker.io",
    "ghcr.io",
    "quay.io",
    "public.ecr.aws",
    "gcr.io",
    "registry.gitlab.com",
    "mcr.microsoft.com",
    "registry.k8s.io",
];

pub fn flow_of_host(host: &str) -> Option<FlowKind> {
    let host = host.to_lowercase();
    if host.starts_with("api.ecr.") || host.starts_with("ecr.") {
        Some(FlowKind::EcrAuth)
    } else if host.contains(".dkr.ecr.") || crate::flows::is_dual_stack_registry(&host) {
        Some(FlowKind::EcrRegistry)
    } else if host.contains("starport-layer-bucket")
        || host.starts_with("s3.")
        || host.contains(".s3.")
        || host.starts_with("s3-")
    {
        Some(FlowKind::S3Layers)
    } else if host.starts_with("logs.") {
        Some(FlowKind::Logs)
    } else if host.starts_with("secretsmanager.") {
        Some(FlowKind::SecretsManager)
    } else if host.starts_with("ssm.") {
        Some(FlowKind::Ssm)
    } else if host.starts_with("kms.") {
        Some(FlowKind::Kms)
    } else if KNOWN_REGISTRIES
        .iter()
        .any(|registry| host == *registry || host.ends_with(&format!(".{registry}")))
    {
        Some(FlowKind::ExternalRegistry)
    } else {
        None
    }
}

fn flow_from_wording(text: &str) -> Option<FlowKind> {
    let text = text.replace(SECRETS_OR_AUTH_WRAPPER, "");
    if contains_any(
        &text,
        &["from asm", "asm:", "secrets manager", "secretsmanager"],
    ) {
        Some(FlowKind::SecretsManager)
    } else if contains_any(&text, &["from ssm", "ssm parameter", "parameter store"]) {
        Some(FlowKind::Ssm)
    } else if contains_any(
        &text,
        &[
            "registry auth",
            "authorization token",
            "getauthorizationtoken",
        ],
    ) {
        Some(FlowKind::EcrAuth)
    } else if contains_any(&text, &["cloudwatch", "log group", "logger"]) {
        Some(FlowKind::Logs)
    } else if text.contains("kms") {
        Some(FlowKind::Kms)
    } else if contains_any(&text, &["layer", "starport"]) {
        Some(FlowKind::S3Layers)
    } else if contains_any(&text, &["cannotpullcontainer", "pull image", "registry"]) {
        Some(FlowKind::EcrRegistry)
    } else {
        None
    }
}

/// The address after `dial tcp `, e.g. `dial tcp 52.216.10.4:443: i/o timeout`.
fn find_dialled_ip(text: &str) -> Option<Ipv4Addr> {
    text.match_indices("dial tcp ").find_map(|(at, needle)| {
        let rest = &text[at + needle.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    })
}

fn summarize(
    category: Category,
    flow: Option<FlowKind>,
    host: Option<&str>,
    ip: Option<Ipv4Addr>,
) -> String {
    let flow_name = flow.map(FlowKind::describe).unwrap_or("the image pull");
    let address = match ip {
        Some(ip) if crate::net::Ipv4Cidr::host(ip).is_non_public() => format!(
            " It dialled {ip}, a private address: DNS found an endpoint ENI, so a security group or network ACL between the task and the endpoint drops the traffic."
        ),
        Some(ip) => format!(
            " It dialled {ip}, a public address: the name did not resolve to a VPC endpoint (missing endpoint, private DNS off, custom DNS or another region), or for S3 the gateway route or prefix-list egress rule is missing."
        ),
        None => String::new(),
    };
    let host = host.map(|host| format!(" ({host})")).unwrap_or_default();
    match category {
        Category::Network => format!("The task could not reach {flow_name}{host}. Check the network path: endpoint, DNS, route, security groups, network ACLs.{address}"),
        Category::Permission => format!("The network path to {flow_name}{host} worked but the request was refused: check the execution role, endpoint policy, repository policy and KMS key."),
        Category::ImageNotFound => "The image tag or digest does not exist in the repository: check the image URI in the task definition and the repository's images.".into(),
        Category::Platform => "The image has no manifest for the task's platform: build for the task's runtimePlatform (linux/amd64 by default, linux/arm64 for ARM64) or change runtimePlatform.".into(),
        Category::RateLimit => format!("The registry{host} rate-limited the pull: authenticate to it, or mirror the image into ECR (pull-through cache or replication)."),
        Category::Disk => "The container instance ran out of disk space while extracting layers: prune images or enlarge the volume.".into(),
        Category::Timeout => "The task did not start in time; this is often a missing endpoint for CloudWatch Logs or Secrets Manager, or a slow pull.".into(),
        Category::Logs => format!("The task could not set up awslogs: check the log group exists (or awslogs-create-group with logs:CreateLogGroup) and that CloudWatch Logs is reachable (logs endpoint or NAT).{address}"),
        Category::Secrets => format!("The task could not fetch a secret from {flow_name}{host}: check the endpoint and network path, the execution role's permissions and the KMS key.{address}"),
        Category::SecretKey => format!("The task read the secret from {flow_name}{host}, but it has no JSON key of the name valueFrom asks for: add the key to the secret, or correct valueFrom."),
        Category::Efs => "The task could not mount its EFS volume: check the EFS mount targets, their security groups (NFS 2049) and the access point.".into(),
        Category::Unknown => "The reason does not match a known pull failure; read it together with the container reasons.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, category: Category, flow: Option<FlowKind>) -> Classification {
        let result = classify(text);
        assert_eq!((result.category, result.flow), (category, flow), "{text}");
        result
    }

    #[test]
    fn representative_texts() {
        let registry = check(
            "CannotPullContainerError: The task cannot pull 111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1 from the registry 111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1. There is a connection issue between the task and the registry. Check your task network configuration. : failed to copy: httpReadSeeker: failed open: failed to do request: Get \"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/abc\": dial tcp 52.216.100.4:443: i/o timeout",
            Category::Network,
            Some(FlowKind::S3Layers),
        );
        assert_eq!(registry.ip, Some("52.216.100.4".parse().unwrap()));
        assert_eq!(
            registry.host.as_deref(),
            Some("prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com")
        );
        check(
            "CannotPullContainerError: context canceled",
            Category::Network,
            Some(FlowKind::EcrRegistry),
        );
        let auth = check(
            "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 10.0.3.17:443: i/o timeout",
            Category::Network,
            Some(FlowKind::EcrAuth),
        );
        assert_eq!(
            auth.host.as_deref(),
            Some("api.ecr.us-east-1.amazonaws.com")
        );
        assert!(auth.summary.contains("private address"));
        check(
            "CannotPullContainerError: The task can\u{2019}t pull the image. Check that the role has the permissions to pull images from the registry.",
            Category::Permission,
            Some(FlowKind::EcrRegistry),
        );
        check(
            "CannotPullContainerError: The task can't pull the image. Check whether the image exists.",
            Category::ImageNotFound,
            Some(FlowKind::EcrRegistry),
        );
        check(
            "CannotPullContainerError: failed to resolve ref 1.dkr.ecr.us-east-1.amazonaws.com/app:v9: 1.dkr.ecr.us-east-1.amazonaws.com/app:v9: not found",
            Category::ImageNotFound,
            Some(FlowKind::EcrRegistry),
        );
        check(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): image Manifest does not contain descriptor matching platform 'linux/amd64'",
            Category::Platform,
            Some(FlowKind::EcrRegistry),
        );
        check(
            "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from asm: There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration.",
            Category::Secrets,
            Some(FlowKind::SecretsManager),
        );
        check(
            "ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. There is a connection issue between the task and Amazon CloudWatch.",
            Category::Logs,
            Some(FlowKind::Logs),
        );
        check(
            "CannotPullContainerError: toomanyrequests: You have reached your pull rate limit. registry-1.docker.io",
            Category::RateLimit,
            Some(FlowKind::ExternalRegistry),
        );
        check(
            "CannotPullContainerError: write /var/lib/docker/tmp/x: no space left on device",
            Category::Disk,
            None,
        );
        check(
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key DB_HOST",
            Category::SecretKey,
            Some(FlowKind::SecretsManager),
        );
        check(
            "DockerTimeoutError: Could not transition to started; timed out after waiting 3m0s",
            Category::Timeout,
            None,
        );
        check(
            "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes",
            Category::Efs,
            None,
        );
        check(
            "Essential container in task exited",
            Category::Unknown,
            None,
        );
    }

    #[test]
    fn truncated_and_curly_texts_still_classify() {
        let full = "CannotPullContainerError: The task can\u{2019}t pull the image. Check your network configuration.";
        check(&full[..60], Category::Unknown, Some(FlowKind::EcrRegistry));
        check(full, Category::Network, Some(FlowKind::EcrRegistry));
        let truncated = "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amaz...";
        check(truncated, Category::Network, Some(FlowKind::EcrAuth));
    }

    #[test]
    fn another_accounts_registry_refusing_the_pull_is_a_permission_failure() {
        let refused = check(
            "CannotPullContainerError: Error response from daemon: pull access denied for 444455556666.dkr.ecr.us-east-1.amazonaws.com/shared-web, repository does not exist or may require 'docker login': denied: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/0f1e is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:444455556666:repository/shared-web because no resource-based policy allows the ecr:BatchGetImage action",
            Category::Permission,
            Some(FlowKind::EcrRegistry),
        );
        assert_eq!(
            refused.host.as_deref(),
            Some("444455556666.dkr.ecr.us-east-1.amazonaws.com")
        );
        check(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 444455556666.dkr.ecr.us-east-1.amazonaws.com/shared-web:1.4.2: pulling from host 444455556666.dkr.ecr.us-east-1.amazonaws.com failed with status code [manifests 1.4.2]: 403 Forbidden",
            Category::Permission,
            Some(FlowKind::EcrRegistry),
        );
    }

    #[test]
    fn permission_inside_resource_initialization_error() {
        check(
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::1:assumed-role/x is not authorized",
            Category::Permission,
            Some(FlowKind::SecretsManager),
        );
        check(
            "CannotPullContainerError: ... unexpected status code 403 Forbidden prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
            Category::Permission,
            Some(FlowKind::S3Layers),
        );
    }

    #[test]
    fn external_not_found_dual_stack_and_disk() {
        let bare = check(
            "CannotPullContainerError: Error response from daemon: manifest for app:3f9c2e1 not found: manifest unknown: manifest unknown",
            Category::ImageNotFound,
            Some(FlowKind::ExternalRegistry),
        );
        assert_eq!(bare.host.as_deref(), Some("docker.io"));
        check(
            "CannotPullContainerError: Error response from daemon: repository app not found: does not exist or no pull access",
            Category::ImageNotFound,
            Some(FlowKind::ExternalRegistry),
        );
        check(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/library/app:3f9c2e1: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed",
            Category::ImageNotFound,
            Some(FlowKind::ExternalRegistry),
        );
        check(
            "CannotPullContainerError: failed to extract layer sha256:0123: write /var/lib/containerd/x: no space left on device",
            Category::Disk,
            None,
        );
        let dual = check(
            "CannotPullContainerError: failed to do request: Head \"https://123456789012.dkr-ecr.us-east-1.on.aws/v2/app/manifests/v1\": dial tcp 10.0.0.1:443: i/o timeout",
            Category::Network,
            Some(FlowKind::EcrRegistry),
        );
        assert_eq!(
            dual.host.as_deref(),
            Some("123456789012.dkr-ecr.us-east-1.on.aws")
        );
        check(
            "CannotPullContainerError: unexpected status code https://registry-1.docker.io/v2/datadog/agent/manifests/sha256:6e: 429 Too Many Requests",
            Category::RateLimit,
            Some(FlowKind::ExternalRegistry),
        );
    }

    #[test]
    fn dns_failure_names_the_host() {
        let result = check(
            "CannotPullContainerError: Error response from daemon: Get https://1.dkr.ecr.eu-west-1.amazonaws.com/v2/: dial tcp: lookup 1.dkr.ecr.eu-west-1.amazonaws.com: no such host",
            Category::Network,
            Some(FlowKind::EcrRegistry),
        );
        assert_eq!(result.ip, None);
    }
}
