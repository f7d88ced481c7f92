//! NAT gateways (`ec2:DescribeNatGateways`) and internet gateways
//! (`ec2:DescribeInternetGateways`) of some VPCs.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::snapshot::{InternetGateway, NatGateway};

use super::filter;
use crate::collect::call::Calls;

pub(super) async fn nat_gateways(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<NatGateway>> {
    let pages = client
        .describe_nat_gateways()
        .filter(filter("vpc-id", vpc_ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeNatGateways",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|gateway| {
            Some(NatGateway {
                id: gateway.nat_gateway_id()?.to_string(),
                vpc_id: gateway.vpc_id()?.to_string(),
                subnet_id: gateway.subnet_id()?.to_string(),
                state: gateway
                    .state()
                    .map(|state| state.as_str().to_string())
                    .unwrap_or_else(|| "unknown".into()),
                connectivity_type: gateway
                    .connectivity_type()
                    .map(|kind| kind.as_str().to_string())
                    .unwrap_or_else(|| "public".into()),
            })
        })
        .collect())
}

pub(super) async fn internet_gateways(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<InternetGateway>> {
    let pages = client
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeInternetGateways",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|gateway| {
            Some(InternetGateway {
                id: gateway.internet_gateway_id()?.to_string(),
                attached_vpc_ids: gateway
                    .attachments()
                    .iter()
                    // "available" (what AWS reports for an attached gateway) is not a variant; only detaching ends it.
                    .filter(|attachment| {
                        !matches!(
                            attachment.state(),
                            Some(
                                sdk::AttachmentStatus::Detached | sdk::AttachmentStatus::Detaching
                            )
                        )
                    })
                    .filter_map(|attachment| attachment.vpc_id().map(str::to_string))
                    .collect(),
            })
        })
        .collect())
}
