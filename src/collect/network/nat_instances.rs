//! Instances a route points at, directly (`i-…`) or through one of their network interfaces
//! (`eni-…`): NAT instances and appliances. `ec2:DescribeInstances` filtered by `instance-id`
//! (an instance terminated since is simply absent).

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use ecr_pathcheck_checks::snapshot::Ec2Instance;

use super::filter;
use crate::collect::call::Calls;

pub(super) async fn instances(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Ec2Instance>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let pages = client
        .describe_instances()
        .filters(filter("instance-id", ids.iter().cloned()))
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
        .filter_map(|instance| {
            Some(Ec2Instance {
                id: instance.instance_id()?.to_string(),
                subnet_id: instance.subnet_id()?.to_string(),
                state: instance
                    .state()
                    .and_then(|state| state.name())
                    .map(|name| name.as_str().to_string())
                    .unwrap_or_else(|| "unknown".into()),
                // EC2's default is on: only an explicit `false` lets the instance forward.
                source_dest_check: instance.source_dest_check().unwrap_or(true),
                public_ip: instance.public_ip_address().and_then(|ip| ip.parse().ok()),
                network_interface_ids: instance
                    .network_interfaces()
                    .iter()
                    .filter_map(|interface| interface.network_interface_id())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect())
}
