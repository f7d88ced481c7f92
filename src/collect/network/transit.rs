//! Transit gateways the targets' routes point at: their attachments (with the route table each
//! is associated with and a VPC attachment's subnets) and the routes of those route tables.
//!
//! Reads (Amazon EC2 API Reference): `DescribeTransitGatewayAttachments` and
//! `DescribeTransitGatewayVpcAttachments` filtered by `transit-gateway-id` (one round), then
//! `SearchTransitGatewayRoutes` (filter `state` = `active`, `blackhole`) for each route table
//! asked. The route tables' transit gateway is the one of the attachments associated with them,
//! so `DescribeTransitGatewayRouteTables` adds nothing and is not called.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::snapshot::{
    RouteState, TransitGatewayAttachment, TransitGatewayRoute, TransitGatewayRouteTable,
};
use futures::future::try_join_all;

use super::{chunks, filter};
use crate::collect::call::{Calls, Outcome};

/// An attachment and the account that owns what it attaches (a VPC of another account is not
/// read with the caller's credentials).
#[derive(Debug, Clone)]
pub(super) struct Attachment {
    pub(super) attachment: TransitGatewayAttachment,
    pub(super) resource_owner: Option<String>,
    /// The account that owns the transit gateway (and its route tables).
    pub(super) gateway_owner: Option<String>,
}

/// Every attachment of the transit gateways `tgw_ids`, with their VPC attachments' subnets.
pub(super) async fn attachments(
    client: &Client,
    calls: &Calls,
    tgw_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Attachment>> {
    if tgw_ids.is_empty() {
        return Ok(Vec::new());
    }
    let described = chunks(tgw_ids).into_iter().map(|batch| async move {
        let pages = client
            .describe_transit_gateway_attachments()
            .filters(filter("transit-gateway-id", batch))
            .into_paginator()
            .items()
            .send();
        calls
            .list(
                "ec2:DescribeTransitGatewayAttachments",
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await
    });
    let vpc_attachments = chunks(tgw_ids).into_iter().map(|batch| async move {
        let pages = client
            .describe_transit_gateway_vpc_attachments()
            .filters(filter("transit-gateway-id", batch))
            .into_paginator()
            .items()
            .send();
        calls
            .list(
                "ec2:DescribeTransitGatewayVpcAttachments",
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await
    });
    let (described, vpc_attachments) =
        tokio::try_join!(try_join_all(described), try_join_all(vpc_attachments))?;
    let subnets: BTreeMap<String, Vec<String>> = vpc_attachments
        .into_iter()
        .flatten()
        .filter_map(|attachment| {
            Some((
                attachment.transit_gateway_attachment_id()?.to_string(),
                attachment.subnet_ids().to_vec(),
            ))
        })
        .collect();
    Ok(described
        .into_iter()
        .flatten()
        .filter_map(|attachment| {
            let id = attachment.transit_gateway_attachment_id()?.to_string();
            let association_route_table_id = attachment
                .association()
                .filter(|association| {
                    !matches!(
                        association.state(),
                        Some(
                            sdk::TransitGatewayAssociationState::Disassociated
                                | sdk::TransitGatewayAssociationState::Disassociating
                        )
                    )
                })
                .and_then(|association| association.transit_gateway_route_table_id())
                .map(str::to_string);
            Some(Attachment {
                resource_owner: attachment.resource_owner_id().map(str::to_string),
                gateway_owner: attachment.transit_gateway_owner_id().map(str::to_string),
                attachment: TransitGatewayAttachment {
                    subnet_ids: subnets.get(&id).cloned().unwrap_or_default(),
                    id,
                    transit_gateway_id: attachment.transit_gateway_id()?.to_string(),
                    resource_type: attachment.resource_type()?.as_str().to_string(),
                    resource_id: attachment.resource_id()?.to_string(),
                    state: attachment
                        .state()
                        .map(|state| state.as_str().to_string())
                        .unwrap_or_else(|| "unknown".into()),
                    association_route_table_id,
                },
            })
        })
        .collect())
}

/// The active and blackhole routes of each route table of `tables` (id to its transit gateway).
/// A table whose search failed is left out (the gap names it); a route the snapshot cannot hold
/// (to a prefix list) is a gap about its table, so that table's routing stays unknown. IPv6
/// routes are left out: the flows are IPv4.
pub(super) async fn route_tables(
    client: &Client,
    calls: &Calls,
    tables: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<TransitGatewayRouteTable>> {
    let searches = tables.iter().map(|(id, tgw)| async move {
        let pages = client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(id)
            .filters(filter(
                "state",
                ["active".to_string(), "blackhole".to_string()],
            ))
            .into_paginator()
            .items()
            .send();
        let Outcome::Found(routes) = calls
            .run(
                "ec2:SearchTransitGatewayRoutes",
                Some(id),
                &[],
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await?
        else {
            return Ok::<_, anyhow::Error>(None);
        };
        if routes.iter().any(|route| route.prefix_list_id().is_some()) {
            calls.record_gap(
                "ec2:SearchTransitGatewayRoutes",
                Some(id),
                "UnsupportedRoute",
                "the route table routes a prefix list, which the diagnosis does not expand",
            );
        }
        Ok(Some(TransitGatewayRouteTable {
            id: id.clone(),
            transit_gateway_id: tgw.clone(),
            routes: routes.iter().filter_map(convert_route).collect(),
        }))
    });
    Ok(try_join_all(searches)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

fn convert_route(route: &sdk::TransitGatewayRoute) -> Option<TransitGatewayRoute> {
    let destination = route.destination_cidr_block()?.parse().ok()?;
    let state = match route.state()? {
        sdk::TransitGatewayRouteState::Active => RouteState::Active,
        sdk::TransitGatewayRouteState::Blackhole => RouteState::Blackhole,
        _ => return None,
    };
    Some(TransitGatewayRoute {
        destination,
        attachment_ids: route
            .transit_gateway_attachments()
            .iter()
            .filter_map(|attachment| attachment.transit_gateway_attachment_id())
            .map(str::to_string)
            .collect(),
        state,
        route_type: route
            .r#type()
            .map(|kind| kind.as_str().to_string())
            .unwrap_or_else(|| "static".into()),
    })
}
