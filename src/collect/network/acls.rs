//! Network ACLs (`ec2:DescribeNetworkAcls`) with their associations and entries.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::net::Protocol;
use ecr_pathcheck_checks::snapshot::{NaclEntry, NetworkAcl, RuleAction};

use super::{filter, port_range};
use crate::collect::call::Calls;

pub(super) async fn network_acls(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<NetworkAcl>> {
    let pages = client
        .describe_network_acls()
        .filters(filter("vpc-id", vpc_ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeNetworkAcls",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|acl| {
            Some(NetworkAcl {
                id: acl.network_acl_id()?.to_string(),
                vpc_id: acl.vpc_id()?.to_string(),
                is_default: acl.is_default().unwrap_or(false),
                subnet_ids: acl
                    .associations()
                    .iter()
                    .filter_map(|association| association.subnet_id().map(str::to_string))
                    .collect(),
                entries: acl
                    .entries()
                    .iter()
                    .filter_map(convert_nacl_entry)
                    .collect(),
            })
        })
        .collect())
}

fn convert_nacl_entry(entry: &sdk::NetworkAclEntry) -> Option<NaclEntry> {
    let protocol: Protocol = entry.protocol()?.parse().ok()?;
    Some(NaclEntry {
        rule_number: u16::try_from(entry.rule_number()?).ok()?,
        egress: entry.egress()?,
        action: match entry.rule_action()? {
            sdk::RuleAction::Allow => RuleAction::Allow,
            _ => RuleAction::Deny,
        },
        cidr: entry.cidr_block().and_then(|cidr| cidr.parse().ok()),
        ipv6_cidr: entry
            .ipv6_cidr_block()
            .filter(|_| entry.cidr_block().is_none())
            .map(str::to_string),
        port_range: entry
            .port_range()
            .and_then(|range| port_range(protocol, range.from(), range.to())),
        protocol,
    })
}
