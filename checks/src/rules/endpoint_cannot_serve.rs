use super::fixes::{hcl, json_str, note, sh};
use crate::declare_check;
use crate::facts::PathContext;
use crate::finding::Finding;
use crate::flows::{FlowKind, ImageRef};

declare_check! {
    /// ## What it does
    /// Explains, when a flow has no working path, that VPC endpoints cannot provide one: the
    /// image is in another region's registry, on ECR's dual-stack host (`ACCOUNT.dkr-ecr.REGION.on.aws`,
    /// which ECR serves without PrivateLink), or in a public registry (Docker Hub, ghcr.io,
    /// `public.ecr.aws`, ...). For another region's image the finding names the image's
    /// repository in its own region, which the fix changes.
    ///
    /// ## Why is this bad
    /// Interface and gateway endpoints serve only their own region, and public registries (Docker
    /// Hub, ghcr.io, quay.io, and Amazon ECR Public at `public.ecr.aws`) have no PrivateLink
    /// endpoint: they need an internet path (a NAT gateway, or an internet gateway plus a public
    /// IP). ECR does not serve PrivateLink traffic on its dual-stack hosts
    /// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html>). Adding
    /// endpoints will not help.
    ///
    /// ## Example
    /// A task in `us-east-1` runs `111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1` from a
    /// private subnet that has only `us-east-1` endpoints.
    ///
    /// ## Fix
    /// Replicate the repository into the task's region (ECR replication) or use a pull-through
    /// cache rule; or give the subnet a NAT gateway route. When the same repository and tag
    /// already exist in the task's region (replicated or pushed there), the fix is to point the
    /// task definition at that copy. For an image of the account's own registry in another
    /// region, the source region's replication rules are read: when a rule already copies the
    /// repository to the task's region but the image is missing there, it was pushed before the
    /// rule (replication never copies older images) and must be pushed again; when no rule covers
    /// it, the fix adds one.
    pub static CHECK = ("PC205", "endpoint-cannot-serve", Error);
}

pub fn check(context: &PathContext) -> Option<Finding> {
    let task_region = &context.index.snapshot.region;
    let flow = context.flow;
    if flow.endpoint_service(task_region).is_some() {
        return None;
    }
    if crate::flows::is_dual_stack_registry(&flow.host) {
        // A task with (or maybe with) an IPv6 address and an IPv6 route out has its path: the
        // hops of that path say what blocks it, not the lack of an endpoint.
        let ipv6_route = context.placement.route_table.and_then(|table| {
            crate::facts::route_for_ipv6(table, &crate::net::AddressSet::PublicIpv6)
        });
        if context.placement.ipv6 != crate::facts::Ipv6Address::No && ipv6_route.is_some() {
            return None;
        }
        // An unread route table may hold that IPv6 route.
        if context.placement.route_table.is_none()
            && context
                .index
                .gap_about(&["ec2:DescribeRouteTables"], context.subnet_id())
                .is_some()
        {
            return None;
        }
        return Some(dual_stack(context));
    }
    let (title, why, fix_cli) = if flow.kind == FlowKind::ExternalRegistry {
        let label = crate::flows::public_registry_label(&flow.host);
        (
            format!("{} is {label}: no VPC endpoint can reach it", flow.host),
            format!(
                "{}. {} is {label}, reached over the internet: it has no PrivateLink endpoint in the task's VPC, so it needs a NAT gateway or an internet gateway with a public IP (or an ECR pull-through cache rule, whose images the ECR endpoints serve).",
                flow.because, flow.host
            ),
            format!(
                "aws ecr create-pull-through-cache-rule --ecr-repository-prefix {} --upstream-registry-url {} --region {}\n# then use <account>.dkr.ecr.{}.amazonaws.com/{}/<image> in the task definition",
                sh(&prefix_for(&flow.host)),
                sh(&flow.host),
                sh(task_region),
                note(task_region),
                note(&prefix_for(&flow.host))
            ),
        )
    } else {
        (
            format!(
                "{} is in {}, but endpoints in {task_region} serve only {task_region}",
                flow.host, flow.region
            ),
            format!(
                "{}. VPC endpoints serve their own region only: {} needs an internet path, or the image must be replicated into {task_region}.",
                flow.because, flow.host
            ),
            format!(
                "aws ecr put-replication-configuration --region {} --replication-configuration {}",
                sh(&flow.region),
                sh(&format!(
                    "rules=[{{destinations=[{{region={task_region},registryId={}}}]}}]",
                    context.index.snapshot.account_id
                ))
            ),
        )
    };
    if let Some(local) = local_copy(context) {
        return Some(
            CHECK
                .finding(format!("{title}; the image is already in {task_region}: {local}"))
                .resource(context.target.task_definition_arn.as_str())
                .resources(context.flow.resources.iter().filter(|r| r.starts_with("arn:aws:ecr:")).cloned())
                .detail(format!("{why} {local} exists in {task_region} (replicated or pushed there), so pointing the task definition at it is enough."))
                .fix(
                    format!("aws ecs register-task-definition --cli-input-json file://task-definition.json  # with \"image\": \"{}\"", note(&local)),
                    format!("# in the container definition of {}\nimage = \"{}\"", note(&context.target.task_definition_arn), hcl(&local)),
                ),
        );
    }
    if flow.kind != FlowKind::ExternalRegistry
        && let Some(finding) = replication_finding(context, &title, &why)
    {
        return Some(finding);
    }
    Some(
        CHECK
            .finding(title)
            .resource(context.target.task_definition_arn.as_str())
            .resources(image_repositories(context))
            .detail(why)
            .fix(
                fix_cli,
                if flow.kind == FlowKind::ExternalRegistry {
                    format!("resource \"aws_ecr_pull_through_cache_rule\" \"{}\" {{\n  ecr_repository_prefix = \"{}\"\n  upstream_registry_url = \"{}\"\n}}", super::fixes::label(&prefix_for(&flow.host)), hcl(&prefix_for(&flow.host)), hcl(&flow.host))
                } else {
                    format!(
                        "resource \"aws_ecr_replication_configuration\" \"to_{}\" {{\n  replication_configuration {{\n    rule {{\n      destination {{\n        region      = \"{}\"\n        registry_id = \"{}\"\n      }}\n    }}\n  }}\n}}",
                        super::fixes::label(task_region),
                        hcl(task_region),
                        hcl(&context.index.snapshot.account_id)
                    )
                },
            ),
    )
}

/// The same repository, tag or digest in the task's own region, when the snapshot holds it:
/// the image of another region in the flow's registry, found again under the local registry.
fn local_copy(context: &PathContext) -> Option<String> {
    let task_region = &context.index.snapshot.region;
    let definition = context.target.definition?;
    definition.containers.iter().find_map(|container| {
        let ImageRef::PrivateEcr {
            account,
            region,
            repository,
            reference,
        } = ImageRef::parse(&container.image)
        else {
            return None;
        };
        if region != context.flow.region || &region == task_region {
            return None;
        }
        let arn = format!("arn:aws:ecr:{task_region}:{account}:repository/{repository}");
        let local = context
            .index
            .snapshot
            .ecr_repositories
            .iter()
            .find(|candidate| candidate.arn == arn)?;
        let has_image = local
            .images
            .iter()
            .any(|image| image.digest == reference || image.tags.contains(&reference));
        let separator = if reference.starts_with("sha256:") {
            '@'
        } else {
            ':'
        };
        has_image.then(|| format!("{}{separator}{reference}", local.uri))
    })
}

/// What the source region's replication rules say, for an image of the snapshot's own account:
/// a rule that should have copied it (images pushed before the rule are never replicated), or
/// none that covers the repository.
fn replication_finding(context: &PathContext, title: &str, why: &str) -> Option<Finding> {
    let snapshot = context.index.snapshot;
    let task_region = &snapshot.region;
    let (repository, reference) = other_region_images(context).next()?;
    let Some(replication) = snapshot.ecr_replication.iter().find(|replication| {
        replication.region == context.flow.region && replication.registry_id == snapshot.account_id
    }) else {
        let gap = context.index.gap("ecr:DescribeRegistry")?;
        return Some(
            CHECK
                .finding(title.to_string())
                .resource(context.target.task_definition_arn.as_str())
                .resources(image_repositories(context))
                .detail(format!("{why} Whether the {} registry replicates {repository} is unknown: ecr:DescribeRegistry was refused ({}).", context.flow.region, gap.error_code)),
        );
    };
    let source = &replication.region;
    let account = &snapshot.account_id;
    let registry = format!("{account}.dkr.ecr.{task_region}.amazonaws.com/{repository}");
    if replication
        .rule_to(&repository, task_region, account)
        .is_some()
    {
        let new_tag = format!(
            "{}-replicated",
            reference
                .trim_start_matches("sha256:")
                .chars()
                .take(20)
                .collect::<String>()
        );
        let image_id = if reference.starts_with("sha256:") {
            format!("imageDigest={}", sh(&reference))
        } else {
            format!("imageTag={}", sh(&reference))
        };
        return Some(
            CHECK
                .finding(format!("{title}; {source} replicates {repository} to {task_region}, but this image was never copied"))
                .resource(context.target.task_definition_arn.as_str())
                .resource(format!("arn:aws:ecr:{source}:{account}:repository/{repository}"))
                .detail(format!("{why} A replication rule of the {source} registry copies {repository} to {task_region}, yet {registry} has no {reference}: ECR replicates only images pushed after the rule was created. Push the image again (a new tag is a push), then point the task definition at {registry}."))
                .fix(
                    format!("aws ecr batch-get-image --region {} --repository-name {} --image-ids {image_id} --query 'images[0].imageManifest' --output text > manifest.json && aws ecr put-image --region {} --repository-name {} --image-tag {} --image-manifest file://manifest.json  # then use {} in the task definition", sh(source), sh(&repository), sh(source), sh(&repository), sh(&new_tag), note(&format!("{registry}:{new_tag}"))),
                    format!("# replication is configured; re-push the image, then in the container definition of {}\nimage = \"{}\"", note(&context.target.task_definition_arn), hcl(&format!("{registry}:{new_tag}"))),
                ),
        );
    }
    let rules = replication.rules.len();
    Some(
        CHECK
            .finding(format!("{title}, and no replication rule of {source} copies {repository} there"))
            .resource(context.target.task_definition_arn.as_str())
            .resource(format!("arn:aws:ecr:{source}:{account}:repository/{repository}"))
            .detail(format!("{why} The {source} registry's replication configuration has {rules} rule(s), none with destination {task_region} that covers {repository}. Add one (PutReplicationConfiguration replaces the whole configuration: keep the existing rules), push the image again, and point the task definition at {registry}; or give the subnet a NAT path."))
            .fix(
                format!("aws ecr put-replication-configuration --region {} --replication-configuration {}  # plus the {rules} existing rule(s)", sh(source), sh(&format!("{{\"rules\":[{{\"destinations\":[{{\"region\":{},\"registryId\":{}}}],\"repositoryFilters\":[{{\"filter\":{},\"filterType\":\"PREFIX_MATCH\"}}]}}]}}", json_str(task_region), json_str(account), json_str(&repository)))),
                format!("resource \"aws_ecr_replication_configuration\" \"{source_label}\" {{\n  # provider for {}; keep the existing rules\n  replication_configuration {{\n    rule {{\n      destination {{\n        region      = \"{}\"\n        registry_id = \"{}\"\n      }}\n      repository_filter {{\n        filter      = \"{}\"\n        filter_type = \"PREFIX_MATCH\"\n      }}\n    }}\n  }}\n}}", note(source), hcl(task_region), hcl(account), hcl(&repository), source_label = super::fixes::label(source)),
            ),
    )
}

/// The (repository, tag or digest) of the definition's images in the flow's other region, of the
/// snapshot's own account.
fn other_region_images<'c>(
    context: &'c PathContext,
) -> impl Iterator<Item = (String, String)> + 'c {
    let snapshot = context.index.snapshot;
    context
        .target
        .definition
        .into_iter()
        .flat_map(|definition| &definition.containers)
        .filter_map(move |container| match ImageRef::parse(&container.image) {
            ImageRef::PrivateEcr {
                account,
                region,
                repository,
                reference,
            } if region == context.flow.region
                && region != snapshot.region
                && account == snapshot.account_id =>
            {
                Some((repository, reference))
            }
            _ => None,
        })
}

/// The repositories (in their own region) of the images another region's registry serves:
/// what a replication rule or a re-push changes. Empty for the flows of an external registry.
fn image_repositories(context: &PathContext) -> Vec<String> {
    let Some(definition) = context.target.definition else {
        return Vec::new();
    };
    definition
        .containers
        .iter()
        .map(|container| ImageRef::parse(&container.image))
        .filter(|image| matches!(image, ImageRef::PrivateEcr { region, .. } if region == &context.flow.region))
        .filter_map(|image| image.repository_arn())
        .collect()
}

/// ECR's dual-stack registry host: ECR's own registry, but with no PrivateLink (the `ecr.dkr`
/// endpoint serves only the IPv4 host), so without an internet path the pull fails.
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html>
fn dual_stack(context: &PathContext) -> Finding {
    let flow = context.flow;
    let ipv4_host = flow
        .host
        .replace(".dkr-ecr.", ".dkr.ecr.")
        .replace(".on.aws", ".amazonaws.com");
    CHECK
        .finding(format!("{} is ECR's dual-stack registry host, which VPC endpoints do not serve", flow.host))
        .resource(context.target.task_definition_arn.as_str())
        .resources(image_repositories(context))
        .detail(format!(
            "{}. {} is the dual-stack (IPv4 and IPv6) host of the account's own ECR registry in {}; ECR does not serve PrivateLink traffic on dual-stack hosts, so the ecr.dkr endpoint cannot carry it. Use the IPv4 host {ipv4_host} (served by the ecr.dkr endpoint), or give the subnet an IPv6 or NAT path.",
            flow.because, flow.host, flow.region
        ))
        .fix(
            format!("aws ecs register-task-definition --cli-input-json file://task-definition.json  # with the image on {}", note(&ipv4_host)),
            format!("# in the container definition of {}: the same repository on the IPv4 host\nimage = \"{}/<repository>:<tag>\"", note(&context.target.task_definition_arn), hcl(&ipv4_host)),
        )
}

fn prefix_for(host: &str) -> String {
    host.split('.')
        .next()
        .unwrap_or(host)
        .replace("registry-1", "docker-hub")
}

#[cfg(test)]
mod tests {
    use crate::finding::{Finding, Severity};
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    const DEFINITION: &str = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:7";
    const EU_IMAGE: &str = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2";

    fn image(base: &str, image: &str) -> Snapshot {
        let mut snapshot = scenario(base);
        snapshot.task_definitions[0].containers[0].image = image.into();
        snapshot
    }

    /// The check's findings: `count` of them, all errors.
    fn errors(snapshot: &Snapshot, count: usize) -> Vec<Finding> {
        let findings = findings_of(snapshot, "PC205");
        assert_eq!(findings.len(), count, "{findings:#?}");
        assert!(findings.iter().all(|f| f.severity == Severity::Error));
        findings
    }

    #[test]
    fn endpoints_of_the_region_or_a_nat_path_serve_the_image() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC205").is_empty());
        assert!(findings_of(&image("nat-path-healthy", EU_IMAGE), "PC205").is_empty());
    }

    #[test]
    fn another_regions_image_behind_endpoints_only_is_an_error() {
        let mut snapshot = image("healthy-endpoints", EU_IMAGE);
        snapshot.ecr_repositories.clear();
        // Auth, registry and layers are all in eu-west-1.
        for finding in errors(&snapshot, 3) {
            let repository = "arn:aws:ecr:eu-west-1:111122223333:repository/web";
            assert_eq!(finding.resources, [DEFINITION, repository]);
            assert!(
                finding
                    .title
                    .contains("is in eu-west-1, but endpoints in us-east-1")
            );
        }
        // eu-west-1's replication could not be read: the flow is still blocked, only the fix unknown.
        snapshot.gaps.push(CollectionGap {
            api: "ecr:DescribeRegistry".into(),
            resource: None,
            error_code: "AccessDeniedException".into(),
            message: "denied".into(),
        });
        for finding in errors(&snapshot, 3) {
            assert!(finding.detail.contains("ecr:DescribeRegistry was refused"));
        }
    }

    #[test]
    fn a_copy_in_the_tasks_region_is_named_as_the_fix() {
        let local = "already in us-east-1: 111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2";
        for finding in errors(&image("healthy-endpoints", EU_IMAGE), 3) {
            assert!(finding.title.contains(local), "{}", finding.title);
        }
    }

    #[test]
    fn a_public_registry_has_no_endpoint() {
        let findings = errors(&image("healthy-endpoints", "ghcr.io/example/web:1"), 1);
        assert_eq!(findings[0].resources, [DEFINITION]);
        assert!(
            findings[0]
                .title
                .starts_with("ghcr.io is a public registry")
        );
    }
}
