//! Network interfaces (`ec2:DescribeNetworkInterfaces`): task ENIs and endpoint ENIs.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use futures::future::try_join_all;

use super::{chunks, filter};
use crate::collect::call::Calls;

pub(super) struct Interface {
    pub(super) id: String,
    pub(super) subnet_id: String,
    pub(super) availability_zone: String,
    pub(super) private_ip: Option<std::net::Ipv4Addr>,
    pub(super) public_ip: Option<std::net::Ipv4Addr>,
    pub(super) groups: Vec<String>,
    /// The instance the interface is attached to (a route to an `eni-` of a NAT instance).
    pub(super) instance_id: Option<String>,
}

/// By filter, not by id: a deleted ENI (a stopped task's) is simply absent instead of failing the call.
pub(super) async fn interfaces(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Interface>> {
    let requests = chunks(ids).into_iter().map(|batch| async move {
        let pages = client
            .describe_network_interfaces()
            .filters(filter("network-interface-id", batch))
            .into_paginator()
            .items()
            .send();
        calls
            .list(
                "ec2:DescribeNetworkInterfaces",
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .filter_map(|interface| {
            Some(Interface {
                id: interface.network_interface_id()?.to_string(),
                subnet_id: interface.subnet_id().unwrap_or_default().to_string(),
                availability_zone: interface
                    .availability_zone()
                    .unwrap_or_default()
                    .to_string(),
                private_ip: interface
                    .private_ip_address()
                    .and_then(|ip| ip.parse().ok()),
                public_ip: interface
                    .association()
                    .and_then(|association| association.public_ip())
                    .and_then(|ip| ip.parse().ok()),
                groups: interface
                    .groups()
                    .iter()
                    .filter_map(|group| group.group_id().map(str::to_string))
                    .collect(),
                instance_id: interface
                    .attachment()
                    .and_then(|attachment| attachment.instance_id())
                    .map(str::to_string),
            })
        })
        .collect())
}
