//! ECS: the targets (tasks, services, a cluster's services and failed standalone tasks) and
//! their task definitions, converted to snapshot types.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::bail;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types as sdk;
use ecr_pathcheck_checks::reason::{Category, classify};
use ecr_pathcheck_checks::snapshot::{
    AwsvpcConfiguration, ContainerDefinition, ContainerState, LaunchType, RuntimePlatform,
    SecretReference, Service, ServiceEvent, Task, TaskDefinition, TaskNetwork,
};
use futures::future::try_join_all;

pub use super::call::Role;
use super::call::{Calls, Outcome};

/// `DescribeServices` takes at most 10 services per call, `DescribeTasks` 100 tasks.
const SERVICES_PER_CALL: usize = 10;
const TASKS_PER_CALL: usize = 100;

/// The cluster must exist; its ARN names the account.
pub async fn cluster_arn(client: &Client, calls: &Calls, cluster: &str) -> anyhow::Result<String> {
    let answer = calls
        .target(
            "ecs:DescribeClusters",
            Some(cluster),
            &[],
            client.describe_clusters().clusters(cluster).send(),
        )
        .await?;
    let Outcome::Found(output) = answer else {
        bail!(
            "cluster {cluster} not found in this account and region; check --cluster and --region"
        );
    };
    match output
        .clusters()
        .iter()
        .find_map(|found| found.cluster_arn())
    {
        Some(arn) => Ok(arn.to_string()),
        None => bail!(
            "cluster {cluster} not found in this account and region; check --cluster and --region"
        ),
    }
}

pub async fn list_services(
    client: &Client,
    calls: &Calls,
    cluster: &str,
) -> anyhow::Result<Vec<String>> {
    let pages = client
        .list_services()
        .cluster(cluster)
        .max_results(100)
        .into_paginator()
        .items()
        .send();
    let answer = calls
        .target(
            "ecs:ListServices",
            Some(cluster),
            &["ClusterNotFoundException"],
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(required(answer, cluster)?.unwrap_or_default())
}

/// The ARNs (or names) ECS lists as `failures`, e.g. `MISSING`.
fn failed_arns(failures: &[sdk::Failure]) -> impl Iterator<Item = String> + '_ {
    failures
        .iter()
        .filter_map(|failure| failure.arn().map(str::to_string))
}

/// The answer of a call that names the targets: without it there is nothing to diagnose.
fn required<T>(answer: Outcome<T>, cluster: &str) -> anyhow::Result<Option<T>> {
    match answer {
        Outcome::Found(value) => Ok(Some(value)),
        Outcome::Absent(_) => bail!(
            "cluster {cluster} not found in this account and region; check the ARN, --cluster and --region"
        ),
        Outcome::Gap => Ok(None),
    }
}

/// Tasks that stopped recently (ECS keeps them about an hour), of one service or of the cluster.
pub async fn list_stopped_tasks(
    client: &Client,
    calls: &Calls,
    cluster: &str,
    service: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let pages = client
        .list_tasks()
        .cluster(cluster)
        .set_service_name(service.map(str::to_string))
        .desired_status(sdk::DesiredStatus::Stopped)
        .max_results(100)
        .into_paginator()
        .items()
        .send();
    let answer = calls
        .run(
            "ecs:ListTasks",
            Some(cluster),
            &["ClusterNotFoundException", "ServiceNotFoundException"],
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(answer.found().unwrap_or_default())
}

/// The tasks found, and the ARNs ECS reported as missing.
pub async fn describe_tasks(
    client: &Client,
    calls: &Calls,
    cluster: &str,
    arns: &[String],
    role: Role,
) -> anyhow::Result<(Vec<(Task, Option<String>)>, Vec<String>)> {
    if arns.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let batches = arns.chunks(TASKS_PER_CALL).map(|batch| async move {
        let request = client
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.to_vec()))
            .send();
        calls
            .for_role(
                role,
                "ecs:DescribeTasks",
                Some(cluster),
                &["ClusterNotFoundException"],
                request,
            )
            .await
    });
    let mut tasks = Vec::new();
    let mut missing = Vec::new();
    for answer in try_join_all(batches).await? {
        let Some(output) = required(answer, cluster)? else {
            continue;
        };
        tasks.extend(
            output
                .tasks()
                .iter()
                .filter_map(|task| Some((convert_task(task)?, task_eni(task)))),
        );
        missing.extend(failed_arns(output.failures()));
    }
    Ok((tasks, missing))
}

/// The services found, and the names ECS reported as missing or inactive.
pub async fn describe_services(
    client: &Client,
    calls: &Calls,
    cluster: &str,
    names: &[String],
    role: Role,
) -> anyhow::Result<(Vec<Service>, Vec<String>)> {
    if names.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let batches = names.chunks(SERVICES_PER_CALL).map(|batch| async move {
        let request = client
            .describe_services()
            .cluster(cluster)
            .set_services(Some(batch.to_vec()))
            .send();
        calls
            .for_role(
                role,
                "ecs:DescribeServices",
                Some(cluster),
                &["ClusterNotFoundException"],
                request,
            )
            .await
    });
    let mut services = Vec::new();
    let mut missing = Vec::new();
    for answer in try_join_all(batches).await? {
        let Some(output) = required(answer, cluster)? else {
            continue;
        };
        for service in output.services() {
            if service.status() == Some("INACTIVE") {
                missing.extend(service.service_name().map(str::to_string));
            } else if let Some(converted) = convert_service(service) {
                services.push(converted);
            }
        }
        missing.extend(failed_arns(output.failures()));
    }
    Ok((services, missing))
}

pub async fn task_definitions(
    client: &Client,
    calls: &Calls,
    arns: &BTreeSet<String>,
) -> anyhow::Result<Vec<TaskDefinition>> {
    let requests = arns.iter().map(|arn| async move {
        let request = client
            .describe_task_definition()
            .task_definition(arn)
            .send();
        let answer = calls
            .run(
                "ecs:DescribeTaskDefinition",
                Some(arn),
                &["ClientException"],
                request,
            )
            .await?;
        Ok::<_, anyhow::Error>(
            answer
                .found()
                .and_then(|output| output.task_definition().map(convert_task_definition)),
        )
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// A stopped task whose reasons say the pull or the task's start failed (not a scale-in).
pub fn failed_to_start(task: &Task) -> bool {
    task.reasons().any(|reason| {
        classify(reason).category != Category::Unknown
            || reason.contains("CannotPull")
            || reason.contains("ResourceInitializationError")
    })
}

fn launch_type(
    launch_type: Option<&sdk::LaunchType>,
    capacity_provider: Option<&str>,
) -> Option<LaunchType> {
    match launch_type {
        Some(sdk::LaunchType::Fargate) => Some(LaunchType::Fargate),
        Some(sdk::LaunchType::Ec2) => Some(LaunchType::Ec2),
        Some(sdk::LaunchType::External) => Some(LaunchType::External),
        _ => match capacity_provider {
            Some(provider) if provider.starts_with("FARGATE") => Some(LaunchType::Fargate),
            Some(_) => Some(LaunchType::Ec2),
            None => None,
        },
    }
}

fn convert_task(task: &sdk::Task) -> Option<Task> {
    let arn = task.task_arn()?.to_string();
    let network = task
        .attachments()
        .iter()
        .find(|attachment| attachment.r#type() == Some("ElasticNetworkInterface"))
        .and_then(|attachment| {
            let details: BTreeMap<&str, &str> = attachment
                .details()
                .iter()
                .filter_map(|pair| Some((pair.name()?, pair.value()?)))
                .collect();
            Some(TaskNetwork {
                subnet_id: details.get("subnetId")?.to_string(),
                private_ip: details
                    .get("privateIPv4Address")
                    .and_then(|ip| ip.parse().ok()),
                // The attachment's IPv6 address, else the one a container's network interface
                // reports (`containers[].networkInterfaces[].ipv6Address`).
                ipv6_address: details
                    .get("privateIPv6Address")
                    .and_then(|ip| ip.parse().ok())
                    .or_else(|| {
                        task.containers()
                            .iter()
                            .flat_map(|container| container.network_interfaces())
                            .find_map(|interface| interface.ipv6_address()?.parse().ok())
                    }),
                security_group_ids: Vec::new(),
                public_ip: None,
                assign_public_ip: false,
            })
        });
    Some(Task {
        cluster_arn: task.cluster_arn().unwrap_or_default().to_string(),
        task_definition_arn: task.task_definition_arn().unwrap_or_default().to_string(),
        group: task.group().map(str::to_string),
        launch_type: launch_type(task.launch_type(), task.capacity_provider_name())
            .unwrap_or(LaunchType::Ec2),
        platform_version: task.platform_version().map(str::to_string),
        last_status: task.last_status().unwrap_or("UNKNOWN").to_string(),
        stop_code: task.stop_code().map(|code| code.as_str().to_string()),
        stopped_reason: task.stopped_reason().map(str::to_string),
        containers: task
            .containers()
            .iter()
            .map(|container| ContainerState {
                name: container.name().unwrap_or_default().to_string(),
                image: container.image().unwrap_or_default().to_string(),
                image_digest: container.image_digest().map(str::to_string),
                exit_code: container.exit_code(),
                reason: container.reason().map(str::to_string),
            })
            .collect(),
        network,
        container_instance_arn: task.container_instance_arn().map(str::to_string),
        arn,
    })
}

/// The network interface id of a task's ENI attachment, to read its security groups.
pub fn task_eni(task: &sdk::Task) -> Option<String> {
    task.attachments()
        .iter()
        .find(|attachment| attachment.r#type() == Some("ElasticNetworkInterface"))?
        .details()
        .iter()
        .find(|pair| pair.name() == Some("networkInterfaceId"))?
        .value()
        .map(str::to_string)
}

fn convert_service(service: &sdk::Service) -> Option<Service> {
    let capacity_provider = service
        .capacity_provider_strategy()
        .first()
        .map(|item| item.capacity_provider());
    Some(Service {
        arn: service.service_arn()?.to_string(),
        name: service.service_name()?.to_string(),
        cluster_arn: service.cluster_arn().unwrap_or_default().to_string(),
        task_definition_arn: service.task_definition().unwrap_or_default().to_string(),
        launch_type: launch_type(service.launch_type(), capacity_provider),
        platform_version: service.platform_version().map(str::to_string),
        network: service
            .network_configuration()
            .and_then(|config| config.awsvpc_configuration())
            .map(|awsvpc| AwsvpcConfiguration {
                subnet_ids: awsvpc.subnets().to_vec(),
                security_group_ids: awsvpc.security_groups().to_vec(),
                assign_public_ip: awsvpc.assign_public_ip() == Some(&sdk::AssignPublicIp::Enabled),
            }),
        events: service
            .events()
            .iter()
            .filter_map(|event| {
                Some(ServiceEvent {
                    created_at: event
                        .created_at()
                        .and_then(|at| at.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
                    message: event.message()?.to_string(),
                })
            })
            .collect(),
    })
}

fn convert_task_definition(definition: &sdk::TaskDefinition) -> TaskDefinition {
    TaskDefinition {
        arn: definition
            .task_definition_arn()
            .unwrap_or_default()
            .to_string(),
        execution_role_arn: definition.execution_role_arn().map(str::to_string),
        task_role_arn: definition.task_role_arn().map(str::to_string),
        ephemeral_storage_gib: definition
            .ephemeral_storage()
            .and_then(|storage| u32::try_from(storage.size_in_gib()).ok()),
        network_mode: definition
            .network_mode()
            .map(|mode| mode.as_str().to_string())
            .unwrap_or_else(|| "bridge".into()),
        runtime_platform: definition
            .runtime_platform()
            .map(|platform| RuntimePlatform {
                cpu_architecture: platform
                    .cpu_architecture()
                    .map(|cpu| cpu.as_str().to_string())
                    .unwrap_or_else(|| "X86_64".into()),
                operating_system_family: platform
                    .operating_system_family()
                    .map(|os| os.as_str().to_string())
                    .unwrap_or_else(|| "LINUX".into()),
            })
            .unwrap_or_default(),
        containers: definition
            .container_definitions()
            .iter()
            .map(|container| ContainerDefinition {
                name: container.name().unwrap_or_default().to_string(),
                image: container.image().unwrap_or_default().to_string(),
                essential: container.essential().unwrap_or(true),
                log_driver: container
                    .log_configuration()
                    .map(|log| log.log_driver().as_str().to_string()),
                log_options: container
                    .log_configuration()
                    .and_then(|log| log.options())
                    .map(|options| {
                        options
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
                secrets: container
                    .secrets()
                    .iter()
                    .map(|secret| SecretReference {
                        name: secret.name().to_string(),
                        value_from: secret.value_from().to_string(),
                    })
                    .collect(),
                repository_credentials: container
                    .repository_credentials()
                    .map(|credentials| credentials.credentials_parameter().to_string()),
            })
            .collect(),
    }
}
