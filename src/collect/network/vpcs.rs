//! VPCs (`ec2:DescribeVpcs`), their DNS attributes (`ec2:DescribeVpcAttribute`) and DHCP option
//! sets (`ec2:DescribeDhcpOptions`).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::snapshot::{DhcpOptions, Vpc};
use futures::future::try_join_all;

use super::filter;
use crate::collect::call::Calls;

/// The VPCs `ids` with their DNS attributes. The attributes are asked for the ids given, in the
/// same round as the VPCs (the ids come from the subnets `DescribeSubnets` answered, so the VPCs
/// exist).
pub(super) async fn vpcs(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Vpc>> {
    let pages = client
        .describe_vpcs()
        .filters(filter("vpc-id", ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let attributes = ids.iter().map(|id| async move {
        let (support, hostnames) = tokio::try_join!(
            vpc_attribute(client, calls, id, sdk::VpcAttributeName::EnableDnsSupport),
            vpc_attribute(client, calls, id, sdk::VpcAttributeName::EnableDnsHostnames),
        )?;
        Ok::<_, anyhow::Error>((id.to_string(), (support, hostnames)))
    });
    let (found, attributes) = tokio::try_join!(
        calls.list("ec2:DescribeVpcs", pages.collect::<Result<Vec<_>, _>>()),
        try_join_all(attributes),
    )?;
    let attributes: BTreeMap<String, (bool, bool)> = attributes.into_iter().collect();
    Ok(found
        .iter()
        .filter_map(|vpc| {
            let id = vpc.vpc_id()?.to_string();
            let mut cidr_blocks: Vec<_> = vpc
                .cidr_block_association_set()
                .iter()
                .filter(|association| {
                    association
                        .cidr_block_state()
                        .and_then(|state| state.state())
                        .is_none_or(|state| *state == sdk::VpcCidrBlockStateCode::Associated)
                })
                .filter_map(|association| association.cidr_block()?.parse().ok())
                .collect();
            if cidr_blocks.is_empty() {
                cidr_blocks.extend(
                    vpc.cidr_block()
                        .and_then(|cidr| cidr.parse::<ecr_pathcheck_checks::net::Ipv4Cidr>().ok()),
                );
            }
            let (enable_dns_support, enable_dns_hostnames) =
                attributes.get(&id).copied().unwrap_or((true, true));
            Some(Vpc {
                id,
                cidr_blocks,
                enable_dns_support,
                enable_dns_hostnames,
                dhcp_options_id: vpc.dhcp_options_id().map(str::to_string),
                owner_id: vpc.owner_id().map(str::to_string),
            })
        })
        .collect())
}

/// A refused attribute read counts as enabled (a gap is recorded), so no DNS finding is invented.
async fn vpc_attribute(
    client: &Client,
    calls: &Calls,
    vpc_id: &str,
    attribute: sdk::VpcAttributeName,
) -> anyhow::Result<bool> {
    let request = client
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(attribute.clone())
        .send();
    let output = calls
        .run("ec2:DescribeVpcAttribute", Some(vpc_id), &[], request)
        .await?
        .found();
    Ok(output
        .and_then(|output| match attribute {
            sdk::VpcAttributeName::EnableDnsHostnames => output
                .enable_dns_hostnames()
                .and_then(|value| value.value()),
            _ => output.enable_dns_support().and_then(|value| value.value()),
        })
        .unwrap_or(true))
}

pub(super) async fn dhcp_options(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<DhcpOptions>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let pages = client
        .describe_dhcp_options()
        .filters(filter("dhcp-options-id", ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeDhcpOptions",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|options| {
            Some(DhcpOptions {
                id: options.dhcp_options_id()?.to_string(),
                domain_name_servers: options
                    .dhcp_configurations()
                    .iter()
                    .filter(|configuration| configuration.key() == Some("domain-name-servers"))
                    .flat_map(|configuration| {
                        configuration
                            .values()
                            .iter()
                            .filter_map(|value| value.value().map(str::to_string))
                    })
                    .collect(),
            })
        })
        .collect())
}
