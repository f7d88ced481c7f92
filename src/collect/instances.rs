//! EC2 container instances: the interface the agent of an EC2 task pulls through, and the role
//! it pulls with when the task definition has no execution role.
//!
//! Rounds: list the cluster's instances (only when a service needs them all), describe them in
//! batches of 100, describe their EC2 instances, read their instance profiles.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::Instance;
use ecr_pathcheck_checks::snapshot::{ContainerInstance, TaskNetwork};
use futures::future::try_join_all;

use super::call::Calls;

/// The clients the container instances are read with.
pub struct InstanceClients<'a> {
    pub ecs: &'a aws_sdk_ecs::Client,
    pub ec2: &'a aws_sdk_ec2::Client,
    pub iam: &'a aws_sdk_iam::Client,
}

/// `named` instances of the cluster (its ARN), or every instance of it when `every` is set.
pub async fn collect(
    clients: &InstanceClients<'_>,
    calls: &Calls,
    cluster: &str,
    named: &BTreeSet<String>,
    every: bool,
) -> anyhow::Result<Vec<ContainerInstance>> {
    let mut arns = named.clone();
    if every {
        let pages = clients
            .ecs
            .list_container_instances()
            .cluster(cluster)
            .max_results(100)
            .into_paginator()
            .items()
            .send();
        arns.extend(
            calls
                .list(
                    "ecs:ListContainerInstances",
                    pages.collect::<Result<Vec<_>, _>>(),
                )
                .await?,
        );
    }
    let arns: Vec<String> = arns.into_iter().collect();
    let batches = arns.chunks(100).map(|batch| async move {
        let request = clients
            .ecs
            .describe_container_instances()
            .cluster(cluster)
            .set_container_instances(Some(batch.to_vec()))
            .send();
        Ok::<_, anyhow::Error>(
            calls
                .run(
                    "ecs:DescribeContainerInstances",
                    Some(cluster),
                    &[],
                    request,
                )
                .await?
                .found()
                .map(|output| output.container_instances().to_vec())
                .unwrap_or_default(),
        )
    });
    let described: Vec<_> = try_join_all(batches).await?.into_iter().flatten().collect();
    let instance_ids: Vec<String> = described
        .iter()
        .filter_map(|instance| instance.ec2_instance_id().map(str::to_string))
        .collect();
    let ec2_instances = describe_instances(clients, calls, &instance_ids).await?;
    let profiles: BTreeSet<String> = ec2_instances
        .values()
        .filter_map(|instance| instance.iam_instance_profile()?.arn().map(str::to_string))
        .collect();
    let roles = profile_roles(clients, calls, &profiles).await?;
    Ok(described
        .iter()
        .filter_map(|described| {
            let instance_id = described.ec2_instance_id()?.to_string();
            let ec2 = ec2_instances.get(&instance_id);
            let profile = ec2
                .and_then(|instance| instance.iam_instance_profile()?.arn())
                .map(str::to_string);
            Some(ContainerInstance {
                arn: described.container_instance_arn()?.to_string(),
                cluster_arn: cluster.to_string(),
                network: ec2.and_then(primary_interface),
                role_arn: profile.as_ref().and_then(|arn| roles.get(arn).cloned()),
                instance_profile_arn: profile,
                ec2_instance_id: instance_id,
            })
        })
        .collect())
}

async fn describe_instances(
    clients: &InstanceClients<'_>,
    calls: &Calls,
    ids: &[String],
) -> anyhow::Result<BTreeMap<String, Instance>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let pages = clients
        .ec2
        .describe_instances()
        .set_instance_ids(Some(ids.to_vec()))
        .into_paginator()
        .items()
        .send();
    let reservations = calls
        .list(
            "ec2:DescribeInstances",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(reservations
        .iter()
        .flat_map(|reservation| reservation.instances())
        .filter_map(|instance| Some((instance.instance_id()?.to_string(), instance.clone())))
        .collect())
}

/// The instance's primary interface (device 0), else the instance's own subnet and groups.
fn primary_interface(instance: &Instance) -> Option<TaskNetwork> {
    let security_group_ids = instance
        .security_groups()
        .iter()
        .filter_map(|group| group.group_id().map(str::to_string))
        .collect();
    Some(TaskNetwork {
        subnet_id: instance.subnet_id()?.to_string(),
        private_ip: instance.private_ip_address().and_then(|ip| ip.parse().ok()),
        ipv6_address: instance.ipv6_address().and_then(|ip| ip.parse().ok()),
        security_group_ids,
        public_ip: instance.public_ip_address().and_then(|ip| ip.parse().ok()),
        assign_public_ip: instance.public_ip_address().is_some(),
    })
}

/// Each instance profile's role ARN, by profile ARN.
async fn profile_roles(
    clients: &InstanceClients<'_>,
    calls: &Calls,
    profiles: &BTreeSet<String>,
) -> anyhow::Result<BTreeMap<String, String>> {
    let requests = profiles.iter().map(|arn| async move {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let request = clients
            .iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send();
        let answer = calls
            .run(
                "iam:GetInstanceProfile",
                Some(arn),
                &["NoSuchEntity", "NoSuchEntityException"],
                request,
            )
            .await?;
        Ok::<_, anyhow::Error>(answer.found().and_then(|output| {
            let role = output.instance_profile()?.roles().first()?;
            Some((arn.clone(), role.arn().to_string()))
        }))
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .collect())
}
