//! Subnets (`ec2:DescribeSubnets`): the targets' own by id, or every subnet of some VPCs.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use ecr_pathcheck_checks::snapshot::Subnet;
use futures::future::try_join_all;

use super::{chunks, filter};
use crate::collect::call::Calls;

pub(super) async fn subnets(
    client: &Client,
    calls: &Calls,
    by: &str,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Subnet>> {
    let requests = chunks(ids).into_iter().map(|batch| async move {
        let pages = client
            .describe_subnets()
            .filters(filter(by, batch))
            .into_paginator()
            .items()
            .send();
        calls
            .list("ec2:DescribeSubnets", pages.collect::<Result<Vec<_>, _>>())
            .await
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .filter_map(|subnet| {
            Some(Subnet {
                id: subnet.subnet_id()?.to_string(),
                vpc_id: subnet.vpc_id()?.to_string(),
                availability_zone: subnet.availability_zone().unwrap_or_default().to_string(),
                cidr_block: subnet.cidr_block()?.parse().ok()?,
                map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
                owner_id: subnet.owner_id().map(str::to_string),
            })
        })
        .collect())
}
