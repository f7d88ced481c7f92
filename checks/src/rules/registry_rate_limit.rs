use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::{Index, TargetFacts, TargetInput};
use crate::finding::{Finding, Severity};
use crate::flows::{FlowKind, ImageRef};
use crate::reason::{Category, classify};
use crate::snapshot::TaskDefinition;

declare_check! {
    /// ## What it does
    /// Reads a rate-limit reason (`429 Too Many Requests`, `toomanyrequests: You have reached
    /// your pull rate limit`) from a public registry and names the container and image that hit
    /// it: the container whose own reason says so, else the containers whose image comes from the
    /// registry the reason names (Docker Hub's `registry-1.docker.io` for `docker.io` images).
    /// Often a sidecar (a monitoring agent, a proxy) pulled anonymously next to a private ECR
    /// image.
    ///
    /// ## Why is this bad
    /// Docker Hub limits anonymous pulls per source IP address; every task behind one NAT
    /// gateway shares that limit, so a scale-out or a crash loop stops all of them with
    /// `CannotPullContainerError`, although the network path works.
    ///
    /// ## Example
    /// Sidecar `datadog-agent` runs `datadog/agent:7`; the task stops with `429 Too Many
    /// Requests - Server message: toomanyrequests`.
    ///
    /// ## Fix
    /// Pull through ECR: an ECR pull-through cache rule for the registry (Docker Hub requires a
    /// Secrets Manager secret named `ecr-pullthroughcache/…` with Docker Hub credentials) and the
    /// image URI `ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX/NAMESPACE/NAME:TAG`; or authenticate
    /// the pull with `repositoryCredentials`. When no container can be tied to the reason, the
    /// finding is a warning.
    pub static CHECK = ("PC707", "registry-rate-limit", Error);
}

/// Whether the image's registry is the host a reason names (Docker Hub answers as
/// `registry-1.docker.io` and `index.docker.io` for `docker.io` images).
fn same_registry(image_registry: &str, host: &str) -> bool {
    let hub = |h: &str| h == "docker.io" || h.ends_with(".docker.io");
    image_registry == host || (hub(image_registry) && hub(host))
}

pub fn check(facts: &TargetFacts) -> Vec<Finding> {
    match facts.definition {
        Some(definition) => judge(facts.index, facts.target, definition),
        None => Vec::new(),
    }
}

fn judge(index: &Index, target: &TargetInput, definition: &TaskDefinition) -> Vec<Finding> {
    let limited: Vec<String> = target
        .reasons
        .iter()
        .map(|reason| classify(reason))
        .filter(|c| c.category == Category::RateLimit && c.flow == Some(FlowKind::ExternalRegistry))
        .map(|c| c.host.unwrap_or_default())
        .collect();
    if limited.is_empty() {
        return Vec::new();
    }
    // Containers whose own reason is the rate limit.
    let mut named: Vec<&str> = target
        .tasks
        .iter()
        .flat_map(|task| &task.containers)
        .filter(|container| {
            container
                .reason
                .as_deref()
                .is_some_and(|reason| classify(reason).category == Category::RateLimit)
        })
        .map(|container| container.name.as_str())
        .collect();
    if named.is_empty() {
        named = definition
            .containers
            .iter()
            .filter(|container| {
                let registry = ImageRef::registry_host(&container.image);
                matches!(ImageRef::parse(&container.image), ImageRef::External { .. })
                    && limited.iter().any(|host| same_registry(&registry, host))
            })
            .map(|container| container.name.as_str())
            .collect();
    }
    named.sort();
    named.dedup();
    let host = limited[0].clone();
    let containers: Vec<_> = definition
        .containers
        .iter()
        .filter(|container| named.contains(&container.name.as_str()))
        .filter(|container| matches!(ImageRef::parse(&container.image), ImageRef::External { .. }))
        .collect();
    if containers.is_empty() {
        return vec![
            CHECK
                .finding(format!("A public registry ({host}) rate-limited the pull, but no container of {} can be tied to it", definition.arn))
                .severity(Severity::Warning)
                .flow(FlowKind::ExternalRegistry)
                .resource(definition.arn.as_str())
                .detail(format!("The reason names {host}, and no container of {} runs an image from it: the task that stopped may have run another revision.", definition.arn)),
        ];
    }
    let snapshot = index.snapshot;
    containers
        .into_iter()
        .map(|container| {
            let registry = ImageRef::registry_host(&container.image);
            let hub = registry == "docker.io" || registry.ends_with(".docker.io");
            let upstream = if hub { "registry-1.docker.io".to_string() } else { registry.clone() };
            let existing = snapshot.ecr_registry.as_ref().and_then(|registry| {
                registry
                    .pull_through_cache_rules
                    .iter()
                    .find(|rule| same_registry(&rule.upstream_registry_url, &upstream))
            });
            let prefix = existing
                .map(|rule| rule.ecr_repository_prefix.clone())
                .unwrap_or_else(|| if hub { "docker-hub".into() } else { upstream.split('.').next().unwrap_or("upstream").to_string() });
            let path = upstream_path(&container.image, hub);
            let cached = format!("{}.dkr.ecr.{}.amazonaws.com/{prefix}/{path}", snapshot.account_id, snapshot.region);
            let rule_cli = match existing {
                Some(_) => format!("# the pull-through cache rule {} → {upstream} exists already", note(&prefix)),
                None => format!(
                    "aws ecr create-pull-through-cache-rule --ecr-repository-prefix {} --upstream-registry-url {} --credential-arn {} --region {}",
                    sh(&prefix),
                    sh(&upstream),
                    sh(&format!("arn:aws:secretsmanager:{}:{}:secret:ecr-pullthroughcache/{prefix}", snapshot.region, snapshot.account_id)),
                    sh(&snapshot.region)
                ),
            };
            let rule_tf = match existing {
                Some(_) => String::new(),
                None => format!(
                    "resource \"aws_ecr_pull_through_cache_rule\" \"{}\" {{\n  ecr_repository_prefix = \"{}\"\n  upstream_registry_url = \"{}\"\n  credential_arn        = \"arn:aws:secretsmanager:{}:{}:secret:ecr-pullthroughcache/{}\"\n}}\n",
                    label(&prefix),
                    hcl(&prefix),
                    hcl(&upstream),
                    hcl(&snapshot.region),
                    hcl(&snapshot.account_id),
                    hcl(&prefix)
                ),
            };
            CHECK
                .finding(format!("Container `{}` ({}) hit the pull rate limit of {}", container.name, container.image, crate::flows::public_registry_label(&registry).trim_start_matches("the ")))
                .flow(FlowKind::ExternalRegistry)
                .resource(definition.arn.as_str())
                .detail(format!(
                    "The stopped reason says {host} answered 429 Too Many Requests (toomanyrequests) for container `{}`, image {} from {}. The path to the registry works; its limit on {} pulls does not. Pull it through ECR instead: an ECR pull-through cache rule for {upstream} serves it as {cached} (through the account's ECR endpoints, with the execution role's ECR permissions plus ecr:BatchImportUpstreamImage on first pull), or give the container repositoryCredentials for an authenticated account.",
                    container.name,
                    container.image,
                    crate::flows::public_registry_label(&registry),
                    if container.repository_credentials.is_some() { "these credentials'" } else { "anonymous" }
                ))
                .fix(
                    format!("{rule_cli}\n# then register the task definition with image {} for container {}", note(&cached), note(&container.name)),
                    format!("{rule_tf}# in the container definition `{}` of {}\nimage = \"{}\"\n# or keep the image and add repositoryCredentials = {{ credentialsParameter = \"<secret ARN>\" }}", note(&container.name), note(&definition.arn), hcl(&cached)),
                )
        })
        .collect()
}

/// The image's path under a pull-through cache prefix: Docker Hub's official images live under
/// `library/`.
fn upstream_path(image: &str, hub: bool) -> String {
    let rest = match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => image,
    };
    if hub && !rest.contains('/') {
        format!("library/{rest}")
    } else {
        rest.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::diagnose;
    use crate::rules::test_support::{scenario, task};
    use crate::snapshot::{ContainerDefinition, ContainerState, Snapshot};

    const LIMIT: &str = "CannotPullContainerError: inspect image has been retried 5 time(s): httpReaderSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/datadog/agent/manifests/sha256:6e: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.";

    fn snapshot(reason: &str) -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        snapshot.task_definitions[0]
            .containers
            .push(ContainerDefinition {
                name: "datadog-agent".into(),
                image: "datadog/agent:7".into(),
                essential: true,
                log_driver: None,
                log_options: Default::default(),
                secrets: Vec::new(),
                repository_credentials: None,
            });
        let sidecar = ContainerState {
            name: "datadog-agent".into(),
            image: "datadog/agent:7".into(),
            image_digest: None,
            exit_code: None,
            reason: Some(reason.into()),
        };
        snapshot.tasks = vec![task(&snapshot, Some(reason), vec![sidecar])];
        snapshot
    }

    #[test]
    fn names_the_sidecar_and_the_cached_uri() {
        let report = diagnose(&snapshot(LIMIT));
        let finding = report.findings.iter().find(|f| f.check == "PC707").unwrap();
        assert_eq!(finding.severity, Severity::Error);
        assert!(
            finding.title.contains("`datadog-agent` (datadog/agent:7)"),
            "{}",
            finding.title
        );
        let fix = finding.fix.as_ref().unwrap();
        assert!(fix.aws_cli.contains("create-pull-through-cache-rule --ecr-repository-prefix docker-hub --upstream-registry-url registry-1.docker.io"), "{}", fix.aws_cli);
        assert!(
            fix.terraform.contains(
                "111122223333.dkr.ecr.us-east-1.amazonaws.com/docker-hub/datadog/agent:7"
            )
        );
        assert_eq!(upstream_path("nginx:1", true), "library/nginx:1");
    }

    #[test]
    fn silent_without_a_rate_limit() {
        let report = diagnose(&snapshot("Essential container in task exited"));
        assert!(report.findings.iter().all(|f| f.check != "PC707"));
    }
}
