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
        .filter_map(|subnet| convert_subnet(&subnet))
        .collect())
}

/// A subnet as the snapshot records it: its IPv4 block (none for an IPv6-only subnet), its
/// associated IPv6 blocks (always recorded, empty when it has none), `Ipv6Native`, `EnableDns64`.
fn convert_subnet(subnet: &aws_sdk_ec2::types::Subnet) -> Option<Subnet> {
    let ipv6_native = subnet.ipv6_native().unwrap_or(false);
    let cidr_block = match subnet.cidr_block() {
        Some(cidr) => Some(cidr.parse().ok()?),
        None if ipv6_native => None,
        None => return None,
    };
    let ipv6_cidr_blocks: Vec<String> = subnet
        .ipv6_cidr_block_association_set()
        .iter()
        .filter(|association| {
            association
                .ipv6_cidr_block_state()
                .and_then(|state| state.state())
                == Some(&aws_sdk_ec2::types::SubnetCidrBlockStateCode::Associated)
        })
        .filter_map(|association| association.ipv6_cidr_block().map(str::to_string))
        .collect();
    Some(Subnet {
        id: subnet.subnet_id()?.to_string(),
        vpc_id: subnet.vpc_id()?.to_string(),
        availability_zone: subnet.availability_zone().unwrap_or_default().to_string(),
        cidr_block,
        map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
        owner_id: subnet.owner_id().map(str::to_string),
        // An IPv6-only subnet always has a block: none readable is "not recorded", not "none".
        ipv6_cidr_blocks: (!(ipv6_native && ipv6_cidr_blocks.is_empty()))
            .then_some(ipv6_cidr_blocks),
        ipv6_native,
        enable_dns64: subnet.enable_dns64().unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types::{
        Subnet as SdkSubnet, SubnetCidrBlockState, SubnetCidrBlockStateCode,
        SubnetIpv6CidrBlockAssociation,
    };

    use super::convert_subnet;

    fn association(block: &str, state: SubnetCidrBlockStateCode) -> SubnetIpv6CidrBlockAssociation {
        SubnetIpv6CidrBlockAssociation::builder()
            .ipv6_cidr_block(block)
            .ipv6_cidr_block_state(SubnetCidrBlockState::builder().state(state).build())
            .build()
    }

    #[test]
    fn ipv6_blocks_ipv6_only_subnets_and_dns64_are_recorded() {
        let dual = SdkSubnet::builder()
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .cidr_block("10.0.1.0/24")
            .ipv6_cidr_block_association_set(association(
                "2600:1f18::/64",
                SubnetCidrBlockStateCode::Associated,
            ))
            .ipv6_cidr_block_association_set(association(
                "2600:1f19::/64",
                SubnetCidrBlockStateCode::Disassociated,
            ))
            .build();
        let subnet = convert_subnet(&dual).unwrap();
        assert_eq!(
            subnet.ipv6_cidr_blocks,
            Some(vec!["2600:1f18::/64".to_string()])
        );
        assert!(subnet.has_ipv4() && !subnet.ipv6_native);
        let native = SdkSubnet::builder()
            .subnet_id("subnet-2")
            .vpc_id("vpc-1")
            .ipv6_native(true)
            .enable_dns64(true)
            .ipv6_cidr_block_association_set(association(
                "2600:1f18:0:1::/64",
                SubnetCidrBlockStateCode::Associated,
            ))
            .build();
        let subnet = convert_subnet(&native).unwrap();
        assert_eq!(subnet.cidr_block, None);
        assert!(subnet.ipv6_native && subnet.enable_dns64 && !subnet.has_ipv4());
        // One whose block is not associated (yet): not recorded, never "no IPv6".
        let pending = SdkSubnet::builder()
            .subnet_id("subnet-4")
            .vpc_id("vpc-1")
            .ipv6_native(true)
            .ipv6_cidr_block_association_set(association(
                "2600:1f18:0:4::/64",
                SubnetCidrBlockStateCode::Associating,
            ))
            .build();
        assert_eq!(convert_subnet(&pending).unwrap().ipv6_cidr_blocks, None);
        // An IPv4 subnet records that it has no IPv6 block (not "unknown").
        let plain = SdkSubnet::builder()
            .subnet_id("subnet-3")
            .vpc_id("vpc-1")
            .cidr_block("10.0.3.0/24")
            .build();
        assert_eq!(
            convert_subnet(&plain).unwrap().ipv6_cidr_blocks,
            Some(Vec::new())
        );
    }
}
