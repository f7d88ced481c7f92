//! Managed prefix lists (`ec2:DescribeManagedPrefixLists`) and the entries of those the
//! targets need (`ec2:GetManagedPrefixListEntries`): the S3 list, and those rules and routes name.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use ecr_pathcheck_checks::snapshot::{
    Peer, PrefixList, RouteDestination, RouteTable, SecurityGroup,
};
use futures::future::try_join_all;

use crate::collect::call::Calls;

pub(super) fn referenced(groups: &[SecurityGroup], tables: &[RouteTable]) -> BTreeSet<String> {
    let from_rules = groups
        .iter()
        .flat_map(|group| group.ingress.iter().chain(&group.egress))
        .filter_map(|rule| match &rule.peer {
            Peer::PrefixList(id) => Some(id.clone()),
            _ => None,
        });
    let from_routes =
        tables
            .iter()
            .flat_map(|table| &table.routes)
            .filter_map(|route| match &route.destination {
                RouteDestination::PrefixList(id) => Some(id.clone()),
                _ => None,
            });
    from_rules.chain(from_routes).collect()
}

/// Every managed prefix list's id and name (AWS-managed ones included): a handful per region.
pub(super) async fn names(client: &Client, calls: &Calls) -> anyhow::Result<Vec<(String, String)>> {
    let pages = client
        .describe_managed_prefix_lists()
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeManagedPrefixLists",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|list| {
            Some((
                list.prefix_list_id()?.to_string(),
                list.prefix_list_name().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

pub(super) async fn entries(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
    names: &[(String, String)],
) -> anyhow::Result<Vec<PrefixList>> {
    let requests = ids.iter().map(|id| async move {
        let pages = client
            .get_managed_prefix_list_entries()
            .prefix_list_id(id)
            .into_paginator()
            .items()
            .send();
        let entries = calls
            .run(
                "ec2:GetManagedPrefixListEntries",
                Some(id),
                &[
                    "InvalidPrefixListID.NotFound",
                    "InvalidPrefixListId.NotFound",
                ],
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await?
            .found();
        let name = names
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        Ok::<_, anyhow::Error>(entries.map(|entries| {
            PrefixList {
                id: id.clone(),
                name,
                cidrs: entries
                    .iter()
                    .filter_map(|entry| entry.cidr()?.parse().ok())
                    .collect(),
            }
        }))
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .collect())
}
