//! VPC endpoints (`ec2:DescribeVpcEndpoints`), each with the ids of its ENIs: every endpoint of
//! some VPCs (`vpc-id`), or the endpoints alias records name (`vpc-endpoint-id`).

use std::collections::BTreeSet;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types as sdk;
use ecr_pathcheck_checks::snapshot::{EndpointType, VpcEndpoint};

use super::filter;
use crate::collect::call::Calls;

pub(super) async fn vpc_endpoints(
    client: &Client,
    calls: &Calls,
    by: &str,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<(VpcEndpoint, Vec<String>)>> {
    let pages = client
        .describe_vpc_endpoints()
        .filters(filter(by, ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list(
            "ec2:DescribeVpcEndpoints",
            pages.collect::<Result<Vec<_>, _>>(),
        )
        .await?;
    Ok(found
        .iter()
        .filter_map(|endpoint| {
            let endpoint_type = match endpoint.vpc_endpoint_type()? {
                sdk::VpcEndpointType::Interface => EndpointType::Interface,
                sdk::VpcEndpointType::Gateway => EndpointType::Gateway,
                sdk::VpcEndpointType::GatewayLoadBalancer => EndpointType::GatewayLoadBalancer,
                _ => return None,
            };
            let converted = VpcEndpoint {
                id: endpoint.vpc_endpoint_id()?.to_string(),
                vpc_id: endpoint.vpc_id()?.to_string(),
                service_name: endpoint.service_name()?.to_string(),
                endpoint_type,
                state: endpoint
                    .state()
                    .map(|state| state.as_str().to_string())
                    .unwrap_or_else(|| "unknown".into()),
                // Gateway endpoints have no private DNS of their own, whatever the API says.
                private_dns_enabled: endpoint_type == EndpointType::Interface
                    && endpoint.private_dns_enabled().unwrap_or(false),
                subnet_ids: endpoint.subnet_ids().to_vec(),
                network_interfaces: Vec::new(),
                security_group_ids: endpoint
                    .groups()
                    .iter()
                    .filter_map(|group| group.group_id().map(str::to_string))
                    .collect(),
                route_table_ids: endpoint.route_table_ids().to_vec(),
                policy: endpoint
                    .policy_document()
                    .and_then(|document| serde_json::from_str(document).ok()),
                dns_names: endpoint
                    .dns_entries()
                    .iter()
                    .filter_map(|entry| entry.dns_name())
                    .map(|name| name.trim_end_matches('.').to_ascii_lowercase())
                    .collect(),
            };
            Some((converted, endpoint.network_interface_ids().to_vec()))
        })
        .collect())
}
