//! Security groups (`ec2:DescribeSecurityGroups`) and their rules with ids
//! (`ec2:DescribeSecurityGroupRules`).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::net::Protocol;
use ecr_pathcheck_checks::snapshot::{Peer, SecurityGroup, SgRule};
use futures::future::try_join_all;

use super::{chunks, filter, port_range};
use crate::collect::call::Calls;

pub(super) async fn security_groups(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<SecurityGroup>> {
    let pages = client
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeSecurityGroups",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|group| {
            Some(SecurityGroup {
                id: group.group_id()?.to_string(),
                name: group.group_name().unwrap_or_default().to_string(),
                vpc_id: group.vpc_id().unwrap_or_default().to_string(),
                ingress: group
                    .ip_permissions()
                    .iter()
                    .flat_map(flatten_permission)
                    .collect(),
                egress: group
                    .ip_permissions_egress()
                    .iter()
                    .flat_map(flatten_permission)
                    .collect(),
            })
        })
        .collect())
}

/// One rule per peer, as `DescribeSecurityGroupRules` would list them (used when that call is refused).
fn flatten_permission(permission: &sdk::IpPermission) -> Vec<SgRule> {
    let Some(protocol) = permission
        .ip_protocol()
        .and_then(|protocol| protocol.parse::<Protocol>().ok())
    else {
        return Vec::new();
    };
    let ports = port_range(protocol, permission.from_port(), permission.to_port());
    let peers = permission
        .ip_ranges()
        .iter()
        .filter_map(|range| range.cidr_ip().map(str::to_string))
        .chain(
            permission
                .ipv6_ranges()
                .iter()
                .filter_map(|range| range.cidr_ipv6().map(str::to_string)),
        )
        .chain(
            permission
                .prefix_list_ids()
                .iter()
                .filter_map(|list| list.prefix_list_id().map(str::to_string)),
        )
        .chain(
            permission
                .user_id_group_pairs()
                .iter()
                .filter_map(|pair| pair.group_id().map(str::to_string)),
        );
    peers
        .filter_map(|peer| peer.parse::<Peer>().ok())
        .map(|peer| SgRule {
            rule_id: None,
            protocol,
            port_range: ports,
            peer,
        })
        .collect()
}

/// The rules with their `sgr-` ids, by group; `None` when the call was refused.
pub(super) async fn rules(
    client: &Client,
    calls: &Calls,
    group_ids: &BTreeSet<String>,
) -> anyhow::Result<Option<BTreeMap<String, (Vec<SgRule>, Vec<SgRule>)>>> {
    if group_ids.is_empty() {
        return Ok(Some(BTreeMap::new()));
    }
    let requests = chunks(group_ids).into_iter().map(|batch| async move {
        let pages = client
            .describe_security_group_rules()
            .filters(filter("group-id", batch))
            .into_paginator()
            .items()
            .send();
        Ok::<_, anyhow::Error>(
            calls
                .run(
                    "ec2:DescribeSecurityGroupRules",
                    None,
                    &[],
                    pages.collect::<Result<Vec<_>, _>>(),
                )
                .await?
                .found(),
        )
    });
    let mut by_group: BTreeMap<String, (Vec<SgRule>, Vec<SgRule>)> = BTreeMap::new();
    for batch in try_join_all(requests).await? {
        let Some(rules) = batch else { return Ok(None) };
        for rule in rules {
            let (Some(group), Some(protocol)) = (
                rule.group_id(),
                rule.ip_protocol().and_then(|p| p.parse::<Protocol>().ok()),
            ) else {
                continue;
            };
            let peer = rule
                .cidr_ipv4()
                .or(rule.cidr_ipv6())
                .or(rule.prefix_list_id())
                .or(rule
                    .referenced_group_info()
                    .and_then(|info| info.group_id()))
                .and_then(|peer| peer.parse::<Peer>().ok());
            let Some(peer) = peer else { continue };
            let converted = SgRule {
                rule_id: rule.security_group_rule_id().map(str::to_string),
                protocol,
                port_range: port_range(protocol, rule.from_port(), rule.to_port()),
                peer,
            };
            let entry = by_group.entry(group.to_string()).or_default();
            if rule.is_egress() == Some(true) {
                entry.1.push(converted);
            } else {
                entry.0.push(converted);
            }
        }
    }
    Ok(Some(by_group))
}

pub(super) fn with_rules(
    mut group: SecurityGroup,
    rules: &BTreeMap<String, (Vec<SgRule>, Vec<SgRule>)>,
) -> SecurityGroup {
    let (ingress, egress) = rules.get(&group.id).cloned().unwrap_or_default();
    group.ingress = ingress;
    group.egress = egress;
    group
}
