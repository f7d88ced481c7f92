//! The gap conventions, for every kind of data: a snapshot whose read failed (the data missing as
//! the collector leaves it, the gap recorded) gives `unknown`, never an error the complete
//! snapshot lacks, and never a clean bill of health where the complete snapshot has a blocker.
//!
//! Each read is applied to every scenario of `mocks/`, so a new scenario or a new check is held
//! to the convention without a line here. The live twin is `mocks/live/fault_matrix.py`, which
//! makes the real collector fail one API at a time.

use std::collections::BTreeSet;
use std::path::Path;

use ecr_pathcheck_checks::snapshot::{CollectionGap, Snapshot};
use ecr_pathcheck_checks::{Severity, diagnose};

/// What the collector leaves in the snapshot when one read fails, besides the gap itself.
struct Read {
    api: &'static str,
    /// The gap's `resource` for each resource the collector would have asked about (`None`:
    /// one gap without a resource, as for listings).
    resources: fn(&Snapshot) -> Vec<Option<String>>,
    lose: fn(&mut Snapshot),
}

fn listing(_: &Snapshot) -> Vec<Option<String>> {
    vec![None]
}

fn each_vpc(snapshot: &Snapshot) -> Vec<Option<String>> {
    snapshot
        .vpcs
        .iter()
        .map(|vpc| Some(vpc.id.clone()))
        .collect()
}

fn each_role(snapshot: &Snapshot) -> Vec<Option<String>> {
    snapshot
        .iam_roles
        .iter()
        .map(|role| Some(role.arn.clone()))
        .collect()
}

fn each_repository(snapshot: &Snapshot) -> Vec<Option<String>> {
    snapshot
        .ecr_repositories
        .iter()
        .map(|repository| Some(repository.arn.clone()))
        .collect()
}

fn each_definition(snapshot: &Snapshot) -> Vec<Option<String>> {
    snapshot
        .task_definitions
        .iter()
        .map(|definition| Some(definition.arn.clone()))
        .collect()
}

fn each_key(snapshot: &Snapshot) -> Vec<Option<String>> {
    snapshot
        .kms_keys
        .iter()
        .map(|key| Some(key.arn.clone()))
        .collect()
}

fn each_secret(snapshot: &Snapshot) -> Vec<Option<String>> {
    snapshot
        .secret_keys
        .iter()
        .map(|secret| Some(secret.resource.clone()))
        .collect()
}

/// Without the target subnets nothing of the network is read: the VPC ids come from them.
fn lose_network(snapshot: &mut Snapshot) {
    snapshot.vpcs.clear();
    snapshot.dhcp_options.clear();
    snapshot.subnets.clear();
    snapshot.route_tables.clear();
    snapshot.network_acls.clear();
    snapshot.security_groups.clear();
    snapshot.prefix_lists.clear();
    snapshot.vpc_endpoints.clear();
    snapshot.nat_gateways.clear();
    snapshot.internet_gateways.clear();
}

/// The ENIs: the endpoints' interfaces, the tasks' public IPs and groups (then taken from the
/// service), the container instances are described by `ec2:DescribeInstances` instead.
fn lose_interfaces(snapshot: &mut Snapshot) {
    for endpoint in &mut snapshot.vpc_endpoints {
        endpoint.network_interfaces.clear();
    }
    let service_groups: Vec<(String, Vec<String>)> = snapshot
        .services
        .iter()
        .filter_map(|service| {
            Some((
                format!("service:{}", service.name),
                service.network.as_ref()?.security_group_ids.clone(),
            ))
        })
        .collect();
    for task in &mut snapshot.tasks {
        let owner = task.group.clone();
        if let Some(network) = task.network.as_mut() {
            network.public_ip = None;
            network.assign_public_ip = false;
            network.security_group_ids = service_groups
                .iter()
                .find(|(group, _)| Some(group) == owner.as_ref())
                .map(|(_, groups)| groups.clone())
                .unwrap_or_default();
        }
    }
}

fn lose_roles_policies(snapshot: &mut Snapshot, inline: bool) {
    for role in &mut snapshot.iam_roles {
        if inline {
            role.inline_policies.clear();
        } else {
            role.attached_policies.clear();
        }
    }
}

const READS: &[Read] = &[
    Read {
        api: "ec2:DescribeSubnets",
        resources: listing,
        lose: lose_network,
    },
    Read {
        api: "ec2:DescribeVpcs",
        resources: listing,
        lose: |s| {
            s.vpcs.clear();
            s.dhcp_options.clear();
        },
    },
    Read {
        api: "ec2:DescribeVpcAttribute",
        resources: each_vpc,
        // A failed attribute read is written as enabled; the gap must make the hop unknown.
        lose: |s| {
            for vpc in &mut s.vpcs {
                vpc.enable_dns_support = true;
                vpc.enable_dns_hostnames = true;
            }
        },
    },
    Read {
        api: "ec2:DescribeDhcpOptions",
        resources: listing,
        lose: |s| s.dhcp_options.clear(),
    },
    Read {
        api: "ec2:DescribeRouteTables",
        resources: listing,
        lose: |s| s.route_tables.clear(),
    },
    Read {
        api: "ec2:DescribeNetworkAcls",
        resources: listing,
        lose: |s| s.network_acls.clear(),
    },
    Read {
        api: "ec2:DescribeSecurityGroups",
        resources: listing,
        lose: |s| s.security_groups.clear(),
    },
    Read {
        api: "ec2:DescribeManagedPrefixLists",
        resources: listing,
        lose: |s| s.prefix_lists.clear(),
    },
    Read {
        api: "ec2:GetManagedPrefixListEntries",
        resources: listing,
        lose: |s| s.prefix_lists.clear(),
    },
    Read {
        api: "ec2:DescribeVpcEndpoints",
        resources: listing,
        lose: |s| s.vpc_endpoints.clear(),
    },
    Read {
        api: "ec2:DescribeNetworkInterfaces",
        resources: listing,
        lose: lose_interfaces,
    },
    Read {
        api: "ec2:DescribeNatGateways",
        resources: listing,
        lose: |s| s.nat_gateways.clear(),
    },
    Read {
        api: "ec2:DescribeInternetGateways",
        resources: listing,
        lose: |s| s.internet_gateways.clear(),
    },
    Read {
        api: "ec2:DescribeInstances",
        resources: listing,
        lose: |s| {
            for instance in &mut s.container_instances {
                instance.network = None;
            }
            s.ec2_instances.clear();
        },
    },
    Read {
        api: "route53:ListHostedZonesByVPC",
        resources: each_vpc,
        lose: |s| s.hosted_zones.clear(),
    },
    Read {
        api: "route53:ListResourceRecordSets",
        resources: |s| {
            s.hosted_zones
                .iter()
                .map(|zone| Some(zone.id.clone()))
                .collect()
        },
        lose: |s| {
            for zone in &mut s.hosted_zones {
                zone.records.clear();
            }
        },
    },
    Read {
        api: "route53resolver:ListResolverRuleAssociations",
        resources: each_vpc,
        lose: |s| s.resolver_rules.clear(),
    },
    Read {
        api: "ec2:DescribeTransitGatewayAttachments",
        resources: listing,
        lose: |s| s.transit_gateway_attachments.clear(),
    },
    Read {
        api: "ec2:SearchTransitGatewayRoutes",
        resources: |s| {
            s.transit_gateway_route_tables
                .iter()
                .map(|table| Some(table.id.clone()))
                .collect()
        },
        lose: |s| s.transit_gateway_route_tables.clear(),
    },
    Read {
        api: "route53resolver:GetResolverRule",
        resources: |s| {
            s.resolver_rules
                .iter()
                .map(|rule| Some(rule.id.clone()))
                .collect()
        },
        lose: |s| s.resolver_rules.clear(),
    },
    Read {
        api: "ec2:DescribeVpcPeeringConnections",
        resources: listing,
        lose: |s| s.vpc_peering_connections.clear(),
    },
    Read {
        api: "ecs:DescribeTaskDefinition",
        resources: each_definition,
        lose: |s| s.task_definitions.clear(),
    },
    Read {
        api: "ecs:DescribeContainerInstances",
        resources: listing,
        lose: |s| s.container_instances.clear(),
    },
    Read {
        api: "ecs:ListContainerInstances",
        resources: listing,
        lose: |s| s.container_instances.clear(),
    },
    Read {
        api: "iam:GetRole",
        resources: each_role,
        lose: |s| s.iam_roles.clear(),
    },
    Read {
        api: "iam:ListRolePolicies",
        resources: each_role,
        lose: |s| lose_roles_policies(s, true),
    },
    Read {
        api: "iam:GetRolePolicy",
        resources: each_role,
        lose: |s| lose_roles_policies(s, true),
    },
    Read {
        api: "iam:ListAttachedRolePolicies",
        resources: each_role,
        lose: |s| lose_roles_policies(s, false),
    },
    Read {
        api: "iam:GetPolicy",
        resources: listing,
        lose: |s| lose_roles_policies(s, false),
    },
    Read {
        api: "iam:GetPolicyVersion",
        resources: listing,
        lose: |s| lose_roles_policies(s, false),
    },
    Read {
        api: "iam:GetInstanceProfile",
        resources: listing,
        lose: |s| {
            for instance in &mut s.container_instances {
                instance.role_arn = None;
            }
        },
    },
    Read {
        api: "ecr:DescribeRepositories",
        resources: each_repository,
        lose: |s| s.ecr_repositories.clear(),
    },
    Read {
        api: "ecr:GetRepositoryPolicy",
        resources: each_repository,
        lose: |s| {
            for repository in &mut s.ecr_repositories {
                repository.policy = None;
            }
        },
    },
    Read {
        api: "ecr:GetLifecyclePolicy",
        resources: each_repository,
        lose: |s| {
            for repository in &mut s.ecr_repositories {
                repository.lifecycle_policy = None;
            }
        },
    },
    Read {
        api: "ecr:DescribeImages",
        resources: each_repository,
        lose: |s| {
            for repository in &mut s.ecr_repositories {
                repository.images.clear();
            }
        },
    },
    Read {
        api: "ecr:BatchGetImage",
        resources: each_repository,
        lose: |s| {
            for repository in &mut s.ecr_repositories {
                for image in &mut repository.images {
                    image.platforms.clear();
                    image.config_platform = None;
                }
            }
        },
    },
    Read {
        api: "ecr:GetDownloadUrlForLayer",
        resources: each_repository,
        lose: |s| {
            for repository in &mut s.ecr_repositories {
                for image in &mut repository.images {
                    image.config_platform = None;
                }
            }
        },
    },
    Read {
        api: "ecr:DescribePullThroughCacheRules",
        resources: listing,
        lose: |s| {
            if let Some(registry) = s.ecr_registry.as_mut() {
                registry.pull_through_cache_rules.clear();
            }
        },
    },
    Read {
        api: "ecr:GetRegistryPolicy",
        resources: listing,
        lose: |s| {
            if let Some(registry) = s.ecr_registry.as_mut() {
                registry.policy = None;
            }
        },
    },
    Read {
        api: "ecr:DescribeRegistry",
        resources: |s| {
            s.ecr_replication
                .iter()
                .map(|r| Some(r.region.clone()))
                .collect()
        },
        lose: |s| s.ecr_replication.clear(),
    },
    Read {
        api: "kms:DescribeKey",
        resources: each_key,
        lose: |s| s.kms_keys.clear(),
    },
    Read {
        api: "kms:GetKeyPolicy",
        resources: each_key,
        lose: |s| {
            for key in &mut s.kms_keys {
                key.policy = None;
            }
        },
    },
    Read {
        api: "secretsmanager:DescribeSecret",
        resources: each_secret,
        lose: |s| {
            s.secret_keys
                .retain(|secret| !secret.resource.contains(":secretsmanager:"))
        },
    },
    Read {
        api: "ssm:DescribeParameters",
        resources: each_secret,
        lose: |s| {
            s.secret_keys
                .retain(|secret| !secret.resource.contains(":ssm:"))
        },
    },
];

fn scenarios() -> Vec<(String, Snapshot)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks");
    let mut found: Vec<(String, Snapshot)> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.ok()?.path().join("snapshot.json");
            let text = std::fs::read(&path).ok()?;
            let mut snapshot: Snapshot = serde_json::from_slice(&text).unwrap();
            snapshot.normalize();
            let name = path.parent()?.file_name()?.to_string_lossy().into_owned();
            Some((name, snapshot))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

type ErrorKey = (String, String, String);

fn errors(snapshot: &Snapshot) -> (BTreeSet<ErrorKey>, bool) {
    let report = diagnose(snapshot);
    let errors = report
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .map(|finding| {
            (
                finding.check.to_string(),
                finding.target.clone().unwrap_or_default(),
                finding
                    .flow
                    .map(|flow| flow.id().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    (errors, report.is_undecided())
}

#[test]
fn a_failed_read_never_invents_an_error_nor_passes_a_blocker() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 50, "only {} scenarios", scenarios.len());
    let mut breaches = Vec::new();
    let mut runs = 0;
    for (name, complete) in &scenarios {
        let (complete_errors, _) = errors(complete);
        for read in READS {
            let mut partial = complete.clone();
            let resources = (read.resources)(complete);
            (read.lose)(&mut partial);
            for resource in resources {
                partial.gaps.push(CollectionGap {
                    api: read.api.to_string(),
                    resource,
                    error_code: "AccessDenied".into(),
                    message: "refused in a test".into(),
                });
            }
            partial.normalize();
            let (partial_errors, undecided) = errors(&partial);
            runs += 1;
            let invented: Vec<_> = partial_errors.difference(&complete_errors).collect();
            if !invented.is_empty() {
                breaches.push(format!(
                    "{name}, {} failed: invented {invented:?}",
                    read.api
                ));
            }
            if !complete_errors.is_empty() && partial_errors.is_empty() && !undecided {
                breaches.push(format!(
                    "{name}, {} failed: the blockers {complete_errors:?} became a clean bill of health",
                    read.api
                ));
            }
        }
    }
    assert!(runs > 1500, "{runs} runs");
    assert!(
        breaches.is_empty(),
        "{} breaches:\n{}",
        breaches.len(),
        breaches.join("\n")
    );
}
