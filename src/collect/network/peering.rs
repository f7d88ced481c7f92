//! VPC peering connections the targets' routes point at (`ec2:DescribeVpcPeeringConnections`,
//! filtered by `vpc-peering-connection-id`), with the account and region of each side.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use ecr_pathcheck_checks::snapshot::VpcPeeringConnection;

use super::filter;
use crate::collect::call::Calls;

/// One side of a peering connection: its VPC, the account that owns it and its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Side {
    pub(super) vpc_id: String,
    pub(super) owner: Option<String>,
    pub(super) region: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Peering {
    pub(super) connection: VpcPeeringConnection,
    pub(super) requester: Side,
    pub(super) accepter: Side,
}

pub(super) async fn connections(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Peering>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let pages = client
        .describe_vpc_peering_connections()
        .filters(filter("vpc-peering-connection-id", ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeVpcPeeringConnections",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|connection| {
            let side = |info: &aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo| {
                Some(Side {
                    vpc_id: info.vpc_id()?.to_string(),
                    owner: info.owner_id().map(str::to_string),
                    region: info.region().map(str::to_string),
                })
            };
            let requester = side(connection.requester_vpc_info()?)?;
            let accepter = side(connection.accepter_vpc_info()?)?;
            Some(Peering {
                connection: VpcPeeringConnection {
                    id: connection.vpc_peering_connection_id()?.to_string(),
                    requester_vpc_id: requester.vpc_id.clone(),
                    accepter_vpc_id: accepter.vpc_id.clone(),
                    status: connection
                        .status()
                        .and_then(|status| status.code())
                        .map(|code| code.as_str().to_string())
                        .unwrap_or_else(|| "unknown".into()),
                },
                requester,
                accepter,
            })
        })
        .collect())
}
