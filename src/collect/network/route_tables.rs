//! Route tables (`ec2:DescribeRouteTables`) with their associations and routes.

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::snapshot::{Route, RouteState, RouteTable};

use super::filter;
use crate::collect::call::Calls;

pub(super) async fn route_tables(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<RouteTable>> {
    let pages = client
        .describe_route_tables()
        .filters(filter("vpc-id", vpc_ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeRouteTables",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found.iter().filter_map(convert_route_table).collect())
}

fn convert_route_table(table: &sdk::RouteTable) -> Option<RouteTable> {
    let associations = table.associations();
    Some(RouteTable {
        id: table.route_table_id()?.to_string(),
        vpc_id: table.vpc_id()?.to_string(),
        main: associations
            .iter()
            .any(|association| association.main() == Some(true)),
        subnet_ids: associations
            .iter()
            .filter_map(|association| association.subnet_id().map(str::to_string))
            .collect(),
        routes: table.routes().iter().filter_map(convert_route).collect(),
    })
}

fn convert_route(route: &sdk::Route) -> Option<Route> {
    let destination = route
        .destination_cidr_block()
        .or(route.destination_prefix_list_id())
        .or(route.destination_ipv6_cidr_block())?
        .parse()
        .ok()?;
    let target = [
        route.gateway_id(),
        route.nat_gateway_id(),
        route.transit_gateway_id(),
        route.vpc_peering_connection_id(),
        route.egress_only_internet_gateway_id(),
        route.network_interface_id(),
        route.instance_id(),
        route.local_gateway_id(),
        route.carrier_gateway_id(),
        route.core_network_arn(),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or("unknown")
    .to_string();
    let state = match route.state() {
        Some(sdk::RouteState::Blackhole) => RouteState::Blackhole,
        _ => RouteState::Active,
    };
    Some(Route {
        destination,
        target,
        state,
    })
}
