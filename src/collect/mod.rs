//! The live collector: reads what the targets need from AWS into a [`Snapshot`]. SDK types stay
//! in this module; the engine only ever sees the snapshot.
//!
//! Rounds (dependent waves of calls) for one task: the task; its definition, subnets and ENI;
//! the VPC's tables, groups, endpoints and DNS attributes and its Resolver rule associations,
//! plus the role and repository; rule ids, prefix list entries, endpoint ENIs and policy
//! metadata; managed policy documents. Within a repository's reads, an image's manifest is
//! followed by its config blob's URL and GET when the image is single-architecture (its platform
//! is recorded there), without waiting for the other reads.
//!
//! Beyond one VPC (issue 11), only when the targets need it: from the fourth round, the private
//! hosted zones for the names the VPC's own endpoints do not answer (three rounds), and where
//! the targets' routes lead (transit gateway attachments, peering connections, instances; then
//! the transit gateway's routes), with the VPCs reached read like the targets' own (two more
//! rounds); then the VPCs of endpoints alias records name, when none read so far holds them.

pub mod arn;
mod blob;
mod call;
pub mod client;
mod dns;
mod ecs;
mod identity;
mod instances;
mod keys;
mod network;
mod progress;
mod registry;
mod secrets;
pub mod sweep;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::bail;
use ecr_pathcheck_checks::flows::{FlowKind, required_flows};
use ecr_pathcheck_checks::snapshot::{
    self, ContainerInstance, KmsKey, LaunchType, SecretKey, Service, Snapshot, Task, TaskDefinition,
};

use arn::TaskArn;
pub use call::Calls;
pub use client::{Clients, Connection};
use progress::Progress;

/// What to diagnose.
#[derive(Debug, Clone)]
pub enum Scope {
    Task {
        arn: TaskArn,
        cluster: String,
    },
    Service {
        cluster: String,
        service: String,
    },
    Cluster {
        cluster: String,
    },
    /// Several clusters of one account and region (a sweep's `--all-clusters`), in one snapshot.
    Clusters {
        clusters: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Calls in flight at once, so a large sweep stays under the account's API rate limits.
    pub max_in_flight: usize,
    pub show_progress: bool,
    /// The whole run's deadline (`--timeout`): calls still pending when it passes become gaps.
    pub deadline: Option<tokio::time::Instant>,
}

/// The tasks and services to diagnose, as ECS describes them.
struct Workloads {
    account_id: String,
    tasks: Vec<(Task, Option<String>)>,
    services: Vec<Service>,
    /// For a lone task that belongs to a service: that service, to read the task's groups.
    owner: Option<String>,
}

pub async fn collect(
    clients: &Clients,
    scope: &Scope,
    options: &Options,
) -> anyhow::Result<Snapshot> {
    let label = match scope {
        Scope::Task { arn, .. } => format!("task {}", arn.task_id),
        Scope::Service { service, .. } => format!("service {service}"),
        Scope::Cluster { cluster } => format!("cluster {cluster}"),
        Scope::Clusters { clusters } => format!("{} clusters", clusters.len()),
    };
    let progress = if options.show_progress {
        Progress::on_terminal(label, true)
    } else {
        Progress::hidden()
    };
    let calls = Calls::new(options.max_in_flight, progress, options.deadline);
    let result = collect_with(clients, scope, &calls).await;
    calls.finish_progress();
    result
}

async fn collect_with(clients: &Clients, scope: &Scope, calls: &Calls) -> anyhow::Result<Snapshot> {
    // Round 1: what to diagnose.
    let workloads = workloads(clients, scope, calls).await?;
    // EC2 targets pull through their container instances, whose subnets and roles the rest of
    // the collection needs: these rounds come first, and only for EC2 targets.
    let container_instances = container_instances(clients, calls, &workloads).await?;
    // Round 2: the task definitions, where the targets sit, and a lone task's service.
    let (definition_arns, subnet_ids, task_enis) = (
        definition_arns(&workloads),
        subnet_ids(&workloads, &container_instances),
        task_enis(&workloads),
    );
    let (definitions, placement, owner_groups) = tokio::try_join!(
        ecs::task_definitions(&clients.ecs, calls, &definition_arns),
        network::placement(&clients.ec2, calls, &subnet_ids, &task_enis),
        owner_groups(clients, calls, scope_cluster(scope), &workloads),
    )?;
    let instance_roles: BTreeSet<String> = container_instances
        .iter()
        .filter_map(|instance| instance.role_arn.clone())
        .collect();
    let needs = flow_needs(
        &definitions,
        &instance_roles,
        &clients.region,
        &workloads.account_id,
        !container_instances.is_empty(),
    );
    // Rounds 3 and after: identity, registry and keys from the definitions; the network from
    // the subnets. Neither waits for the other.
    let network_clients = network::NetworkClients {
        ec2: &clients.ec2,
        route53: &clients.route53,
        resolver: &clients.route53resolver,
    };
    let network_scope = network::Scope {
        account_id: &workloads.account_id,
        region: &clients.region,
        dialled: &needs.dialled,
    };
    let owner_clients: BTreeMap<String, network::NetworkClients> = clients
        .network_clients
        .iter()
        .map(|(account, owner)| {
            let owner = network::NetworkClients {
                ec2: &owner.ec2,
                route53: &owner.route53,
                resolver: &owner.route53resolver,
            };
            (account.clone(), owner)
        })
        .collect();
    let (identity, network) = tokio::try_join!(
        identity_and_registry(clients, calls, &workloads.account_id, &definitions, &needs),
        network::collect_shared(
            &network_clients,
            &owner_clients,
            calls,
            &network_scope,
            placement
        ),
    )?;
    let mut snapshot = assemble(
        clients,
        workloads,
        container_instances,
        owner_groups,
        definitions,
        identity,
        network,
    );
    snapshot.gaps = calls.take_gaps();
    if calls.succeeded() == 0 {
        bail!("every AWS call was refused; grant the read-only actions in docs/iam-policy.json");
    }
    snapshot.normalize();
    // The same validation as a snapshot file gets, so a live diagnosis and its replay agree.
    let text = serde_json::to_vec(&snapshot)?;
    Ok(snapshot::from_json(
        &text,
        std::path::Path::new("<collected>"),
    )?)
}

/// The task definitions the targets run (their tasks' and their services').
fn definition_arns(workloads: &Workloads) -> BTreeSet<String> {
    workloads
        .tasks
        .iter()
        .map(|(task, _)| task.task_definition_arn.clone())
        .chain(
            workloads
                .services
                .iter()
                .map(|service| service.task_definition_arn.clone()),
        )
        .filter(|arn| !arn.is_empty())
        .collect()
}

/// The subnets the targets use: their tasks', their services' and their container instances'.
fn subnet_ids(
    workloads: &Workloads,
    container_instances: &[ContainerInstance],
) -> BTreeSet<String> {
    workloads
        .tasks
        .iter()
        .filter_map(|(task, _)| {
            task.network
                .as_ref()
                .map(|network| network.subnet_id.clone())
        })
        .chain(workloads.services.iter().flat_map(|service| {
            service
                .network
                .iter()
                .flat_map(|network| network.subnet_ids.clone())
        }))
        .chain(container_instances.iter().filter_map(|instance| {
            instance
                .network
                .as_ref()
                .map(|network| network.subnet_id.clone())
        }))
        .collect()
}

/// The ENIs of the targets' tasks (those that still exist tell the task's groups and public IP).
fn task_enis(workloads: &Workloads) -> BTreeSet<String> {
    workloads
        .tasks
        .iter()
        .filter_map(|(_, eni)| eni.clone())
        .collect()
}

/// For a lone task that belongs to a service: that service's security groups (the task's own
/// when its ENI is gone).
async fn owner_groups(
    clients: &Clients,
    calls: &Calls,
    cluster: &str,
    workloads: &Workloads,
) -> anyhow::Result<Option<Vec<String>>> {
    let Some(owner) = &workloads.owner else {
        return Ok(None);
    };
    let (services, _) = ecs::describe_services(
        &clients.ecs,
        calls,
        cluster,
        std::slice::from_ref(owner),
        ecs::Role::Context,
    )
    .await?;
    Ok(services
        .into_iter()
        .next()
        .and_then(|service| service.network)
        .map(|network| network.security_group_ids))
}

/// What the definitions name beyond the network: roles, repositories and their keys, the
/// secrets' keys, the registry's settings and the replication of other regions' registries.
struct Identity {
    roles: Vec<snapshot::IamRole>,
    repositories: Vec<snapshot::EcrRepository>,
    kms_keys: Vec<KmsKey>,
    secret_keys: Vec<SecretKey>,
    ecr_registry: Option<snapshot::EcrRegistry>,
    ecr_replication: Vec<snapshot::RegistryReplication>,
}

/// Rounds 3 and after, from the definitions: the roles (and IAM's simulator), the repositories
/// with their images and config blobs, then the keys; the registry; other regions' replication.
async fn identity_and_registry(
    clients: &Clients,
    calls: &Calls,
    account_id: &str,
    definitions: &[TaskDefinition],
    needs: &FlowNeeds,
) -> anyhow::Result<Identity> {
    let images: BTreeSet<String> = definitions
        .iter()
        .flat_map(|definition| {
            definition
                .containers
                .iter()
                .map(|container| container.image.clone())
        })
        .collect();
    let replications = async {
        let regions = registry::source_regions(&clients.region, account_id, &images);
        let read = regions.iter().map(|region| async move {
            registry::replication(&clients.ecr_in(region), calls, region).await
        });
        Ok::<_, anyhow::Error>(
            futures::future::try_join_all(read)
                .await?
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        )
    };
    let (roles, (repositories, kms_keys, secret_keys), ecr_registry, ecr_replication) = tokio::try_join!(
        identity::roles(&clients.iam, calls, &needs.role_requests),
        repositories_and_keys(clients, calls, account_id, &images, needs),
        registry::registry(&clients.ecr, calls),
        replications,
    )?;
    Ok(Identity {
        roles,
        repositories,
        kms_keys,
        secret_keys,
        ecr_registry,
        ecr_replication,
    })
}

/// The repositories of `images` (with their images' config blobs, read in the repositories'
/// round right after each manifest) and the secrets' encryption; then the keys both name, and
/// the key policies of the secrets' customer-managed keys.
async fn repositories_and_keys(
    clients: &Clients,
    calls: &Calls,
    account_id: &str,
    images: &BTreeSet<String>,
    needs: &FlowNeeds,
) -> anyhow::Result<(Vec<snapshot::EcrRepository>, Vec<KmsKey>, Vec<SecretKey>)> {
    let blobs = blob::ConfigBlobs::default();
    let (repositories, encryption) = tokio::try_join!(
        registry::repositories(
            &clients.ecr,
            &clients.registry_clients,
            calls,
            &blobs,
            &clients.region,
            account_id,
            images
        ),
        secrets::encryption(
            &clients.secrets_manager,
            &clients.ssm,
            calls,
            &needs.secrets,
            &needs.parameters
        ),
    )?;
    let key_references: BTreeSet<String> = repositories
        .iter()
        .filter_map(|repository| repository.kms_key.clone())
        .chain(encryption.iter().filter_map(|(_, key)| key.clone()))
        .collect();
    let described = keys::describe(&clients.kms, calls, &key_references).await?;
    // Secrets name their key as they like (alias, id, ARN); the engine matches key ARNs.
    let secret_keys = encryption
        .into_iter()
        .map(|(resource, key)| SecretKey {
            kms_key: key.map(|reference| {
                described
                    .iter()
                    .find(|(named, _)| *named == reference)
                    .map(|(_, key)| key.arn.clone())
                    .unwrap_or(reference)
            }),
            resource,
        })
        .collect::<Vec<_>>();
    // Only a secret's key policy decides a pull: ECR decrypts repositories through grants.
    let secret_key_arns: BTreeSet<String> = secret_keys
        .iter()
        .filter_map(|secret| secret.kms_key.clone())
        .filter(|arn| {
            described
                .iter()
                .any(|(_, key)| &key.arn == arn && !key.key_manager.eq_ignore_ascii_case("AWS"))
        })
        .collect();
    let key_policies = keys::policies(&clients.kms, calls, &secret_key_arns).await?;
    let mut kms_keys: Vec<KmsKey> = described
        .into_iter()
        .map(|(_, mut key)| {
            key.policy = key_policies
                .iter()
                .find(|(arn, _)| *arn == key.arn)
                .map(|(_, policy)| policy.clone());
            key
        })
        .collect();
    kms_keys.sort_by(|a, b| a.arn.cmp(&b.arn));
    kms_keys.dedup_by(|a, b| a.arn == b.arn);
    Ok((repositories, kms_keys, secret_keys))
}

/// The snapshot from what the rounds read (its gaps are added by the caller).
fn assemble(
    clients: &Clients,
    workloads: Workloads,
    container_instances: Vec<ContainerInstance>,
    owner_groups: Option<Vec<String>>,
    task_definitions: Vec<TaskDefinition>,
    identity: Identity,
    network: network::Network,
) -> Snapshot {
    let mut snapshot = Snapshot::new(workloads.account_id, clients.region.clone());
    snapshot.collected_at = aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .ok();
    let service_groups: BTreeMap<String, Vec<String>> = workloads
        .services
        .iter()
        .filter_map(|service| {
            Some((
                format!("service:{}", service.name),
                service.network.as_ref()?.security_group_ids.clone(),
            ))
        })
        .collect();
    snapshot.tasks = workloads
        .tasks
        .into_iter()
        .map(|(mut task, eni)| {
            let interface = eni
                .as_ref()
                .and_then(|eni| network.task_interfaces.get(eni));
            let owner = task
                .group
                .as_ref()
                .and_then(|group| service_groups.get(group))
                .cloned()
                .or(owner_groups.clone());
            if let Some(placement) = task.network.as_mut() {
                placement.security_group_ids = match interface {
                    Some(interface) => interface.security_group_ids.clone(),
                    None => owner.unwrap_or_default(),
                };
                placement.public_ip = interface.and_then(|interface| interface.public_ip);
                placement.assign_public_ip = placement.public_ip.is_some();
            }
            task
        })
        .collect();
    snapshot.services = workloads.services;
    snapshot.task_definitions = task_definitions;
    snapshot.container_instances = container_instances;
    snapshot.iam_roles = identity.roles;
    snapshot.ecr_repositories = identity.repositories;
    snapshot.ecr_registry = identity.ecr_registry;
    snapshot.ecr_replication = identity.ecr_replication;
    snapshot.ecr_read_as_owner = clients.registry_clients.keys().cloned().collect();
    snapshot.kms_keys = identity.kms_keys;
    snapshot.secret_keys = identity.secret_keys;
    snapshot.vpcs = network.vpcs;
    snapshot.dhcp_options = network.dhcp_options;
    snapshot.subnets = network.subnets;
    snapshot.route_tables = network.route_tables;
    snapshot.network_acls = network.network_acls;
    snapshot.security_groups = network.security_groups;
    snapshot.prefix_lists = network.prefix_lists;
    snapshot.vpc_endpoints = network.vpc_endpoints;
    snapshot.nat_gateways = network.nat_gateways;
    snapshot.internet_gateways = network.internet_gateways;
    snapshot.hosted_zones = network.hosted_zones;
    snapshot.resolver_rules = network.resolver_rules;
    snapshot.transit_gateway_attachments = network.transit_gateway_attachments;
    snapshot.transit_gateway_route_tables = network.transit_gateway_route_tables;
    snapshot.vpc_peering_connections = network.vpc_peering_connections;
    snapshot.ec2_instances = network.ec2_instances;
    snapshot
}

/// What the tasks' flows ask of IAM and of the secret stores, and the names they dial, from the
/// engine's own list of flows, so the collector reads exactly what the engine will evaluate.
struct FlowNeeds {
    /// Each execution role's requests, for IAM's policy simulator.
    role_requests: identity::Requests,
    /// Secrets Manager secrets and SSM parameters of this region, as the flows name them.
    secrets: BTreeSet<String>,
    parameters: BTreeSet<String>,
    /// Every name the flows dial, with the endpoint service that answers it in a VPC.
    dialled: BTreeSet<network::Dialled>,
}

/// `instance_roles`: the container instances' roles, which pull for definitions without an
/// execution role on the EC2 launch type. `ec2`: some targets run on EC2 (their agent dials ECS
/// too).
fn flow_needs(
    definitions: &[TaskDefinition],
    instance_roles: &BTreeSet<String>,
    region: &str,
    account_id: &str,
    ec2: bool,
) -> FlowNeeds {
    let mut needs = FlowNeeds {
        role_requests: identity::Requests::new(),
        secrets: BTreeSet::new(),
        parameters: BTreeSet::new(),
        dialled: BTreeSet::new(),
    };
    for definition in definitions {
        let flows = required_flows(definition, region, account_id, LaunchType::Fargate, false);
        let pulling_roles: Vec<&String> = match &definition.execution_role_arn {
            Some(role) => vec![role],
            None => instance_roles.iter().collect(),
        };
        for role in pulling_roles {
            let wanted = needs.role_requests.entry(role.clone()).or_default();
            for flow in &flows {
                if flow.kind.uses_pulling_role() {
                    wanted.extend(flow.requests());
                }
            }
        }
        let agent_flows = if ec2 {
            required_flows(definition, region, account_id, LaunchType::Ec2, false)
        } else {
            Vec::new()
        };
        needs.dialled.extend(
            flows
                .iter()
                .chain(&agent_flows)
                .map(|flow| network::Dialled {
                    host: flow.host.clone(),
                    endpoint_service: flow.endpoint_service(region),
                }),
        );
        for flow in flows.into_iter().filter(|flow| flow.region == region) {
            match flow.kind {
                FlowKind::SecretsManager => needs.secrets.extend(flow.resources),
                FlowKind::Ssm => needs.parameters.extend(flow.resources),
                _ => {}
            }
        }
    }
    needs
}

/// The container instances of EC2 targets: every instance of the cluster when a service runs on
/// EC2 (it may place a task on any), else those the EC2 tasks ran on.
async fn container_instances(
    clients: &Clients,
    calls: &Calls,
    workloads: &Workloads,
) -> anyhow::Result<Vec<ContainerInstance>> {
    let ec2_services: Vec<&Service> = workloads
        .services
        .iter()
        .filter(|service| service.launch_type == Some(LaunchType::Ec2))
        .collect();
    let ec2_tasks: Vec<&Task> = workloads
        .tasks
        .iter()
        .map(|(task, _)| task)
        .filter(|task| task.launch_type == LaunchType::Ec2)
        .collect();
    // Each cluster's instances: every one where a service runs on EC2, else those named.
    let mut clusters: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    for service in &ec2_services {
        clusters.entry(service.cluster_arn.clone()).or_default().1 = true;
    }
    for task in &ec2_tasks {
        let entry = clusters.entry(task.cluster_arn.clone()).or_default();
        entry.0.extend(task.container_instance_arn.clone());
    }
    let instance_clients = instances::InstanceClients {
        ecs: &clients.ecs,
        ec2: &clients.ec2,
        iam: &clients.iam,
    };
    let instance_clients = &instance_clients;
    let each = clusters
        .iter()
        .map(|(cluster_arn, (named, every))| async move {
            instances::collect(instance_clients, calls, cluster_arn, named, *every).await
        });
    let mut all: Vec<ContainerInstance> = futures::future::try_join_all(each)
        .await?
        .into_iter()
        .flatten()
        .collect();
    all.sort_by(|a, b| a.arn.cmp(&b.arn));
    all.dedup_by(|a, b| a.arn == b.arn);
    Ok(all)
}

fn scope_cluster(scope: &Scope) -> &str {
    match scope {
        Scope::Task { cluster, .. }
        | Scope::Service { cluster, .. }
        | Scope::Cluster { cluster } => cluster,
        Scope::Clusters { clusters } => clusters.first().map_or("", String::as_str),
    }
}

async fn workloads(clients: &Clients, scope: &Scope, calls: &Calls) -> anyhow::Result<Workloads> {
    let client = &clients.ecs;
    match scope {
        Scope::Clusters { clusters } => {
            let each = clusters.iter().map(|cluster| {
                let scope = Scope::Cluster {
                    cluster: cluster.clone(),
                };
                async move { Box::pin(workloads(clients, &scope, calls)).await }
            });
            let mut all = Workloads {
                account_id: String::new(),
                tasks: Vec::new(),
                services: Vec::new(),
                owner: None,
            };
            for one in futures::future::try_join_all(each).await? {
                if all.account_id.is_empty() {
                    all.account_id = one.account_id;
                }
                all.tasks.extend(one.tasks);
                all.services.extend(one.services);
            }
            Ok(all)
        }
        Scope::Task { arn, cluster } => {
            let (tasks, _missing) = ecs::describe_tasks(
                client,
                calls,
                cluster,
                std::slice::from_ref(&arn.arn),
                ecs::Role::Target,
            )
            .await?;
            if tasks.is_empty() {
                bail!(
                    "task {} not found in cluster {cluster} ({}); ECS forgets stopped tasks after about an hour, so diagnose its service with --cluster {cluster} --service NAME",
                    arn.task_id,
                    clients.region
                );
            }
            let owner = tasks[0]
                .0
                .group
                .as_deref()
                .and_then(|group| group.strip_prefix("service:"))
                .map(str::to_string);
            Ok(Workloads {
                account_id: arn.account.clone(),
                tasks,
                services: Vec::new(),
                owner,
            })
        }
        Scope::Service { cluster, service } => {
            let (described, stopped) = tokio::try_join!(
                ecs::describe_services(
                    client,
                    calls,
                    cluster,
                    std::slice::from_ref(service),
                    ecs::Role::Target,
                ),
                ecs::list_stopped_tasks(client, calls, cluster, Some(service)),
            )?;
            let (services, _) = described;
            let Some(found) = services.first() else {
                bail!(
                    "service {service} not found in cluster {cluster} ({}); check --service, --cluster and --region",
                    clients.region
                );
            };
            let account_id = arn::account_of(&found.arn).unwrap_or_default().to_string();
            let group = format!("service:{service}");
            let (tasks, _) =
                ecs::describe_tasks(client, calls, cluster, &stopped, ecs::Role::Context).await?;
            let tasks = tasks
                .into_iter()
                .filter(|(task, _)| {
                    task.group.as_deref() == Some(&group) && ecs::failed_to_start(task)
                })
                .collect();
            Ok(Workloads {
                account_id,
                tasks,
                services,
                owner: None,
            })
        }
        Scope::Cluster { cluster } => {
            let (cluster_arn, names, stopped) = tokio::try_join!(
                ecs::cluster_arn(client, calls, cluster),
                ecs::list_services(client, calls, cluster),
                ecs::list_stopped_tasks(client, calls, cluster, None),
            )?;
            let ((services, _), (tasks, _)) = tokio::try_join!(
                ecs::describe_services(client, calls, cluster, &names, ecs::Role::Target),
                ecs::describe_tasks(client, calls, cluster, &stopped, ecs::Role::Context),
            )?;
            let tasks = tasks
                .into_iter()
                .filter(|(task, _)| ecs::failed_to_start(task))
                .collect();
            let account_id = arn::account_of(&cluster_arn)
                .unwrap_or_default()
                .to_string();
            Ok(Workloads {
                account_id,
                tasks,
                services,
                owner: None,
            })
        }
    }
}
