//! EC2: everything on the network path of the targets' subnets. Every list is read once per
//! kind for all the VPCs involved (a filter on the VPC ids), never once per service.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{self as sdk, Filter};
use ecr_pathcheck_checks::net::{PortRange, Protocol};
use ecr_pathcheck_checks::snapshot::{
    DhcpOptions, EndpointInterface, EndpointType, InternetGateway, NaclEntry, NatGateway,
    NetworkAcl, Peer, PrefixList, Route, RouteState, RouteTable, RuleAction, SecurityGroup, SgRule,
    Subnet, Vpc, VpcEndpoint,
};
use futures::future::try_join_all;

use super::call::Calls;

/// EC2 accepts up to 200 values per filter.
const FILTER_VALUES: usize = 200;

#[derive(Debug, Default)]
pub struct Network {
    pub vpcs: Vec<Vpc>,
    pub dhcp_options: Vec<DhcpOptions>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub network_acls: Vec<NetworkAcl>,
    pub security_groups: Vec<SecurityGroup>,
    pub prefix_lists: Vec<PrefixList>,
    pub vpc_endpoints: Vec<VpcEndpoint>,
    pub nat_gateways: Vec<NatGateway>,
    pub internet_gateways: Vec<InternetGateway>,
    /// Security groups and public IP of the task ENIs that still exist.
    pub task_interfaces: BTreeMap<String, TaskInterface>,
}

#[derive(Debug, Clone)]
pub struct TaskInterface {
    pub security_group_ids: Vec<String>,
    pub public_ip: Option<std::net::Ipv4Addr>,
}

fn filter(name: &str, values: impl IntoIterator<Item = String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().collect()))
        .build()
}

fn chunks(values: &BTreeSet<String>) -> Vec<Vec<String>> {
    let values: Vec<String> = values.iter().cloned().collect();
    values
        .chunks(FILTER_VALUES)
        .map(<[String]>::to_vec)
        .collect()
}

/// Collects the network of `subnet_ids` (their VPCs, whole) and the task ENIs `task_enis`.
pub async fn collect(
    client: &Client,
    calls: &Calls,
    region: &str,
    subnet_ids: &BTreeSet<String>,
    task_enis: &BTreeSet<String>,
) -> anyhow::Result<Network> {
    let (target_subnets, task_interfaces) = tokio::try_join!(
        subnets(client, calls, "subnet-id", subnet_ids),
        interfaces(client, calls, task_enis),
    )?;
    let vpc_ids: BTreeSet<String> = target_subnets
        .iter()
        .map(|subnet| subnet.vpc_id.clone())
        .collect();
    let mut network = Network {
        task_interfaces: task_interfaces
            .into_iter()
            .map(|interface| {
                (
                    interface.id.clone(),
                    TaskInterface {
                        security_group_ids: interface.groups,
                        public_ip: interface.public_ip,
                    },
                )
            })
            .collect(),
        ..Network::default()
    };
    if vpc_ids.is_empty() {
        network.subnets = target_subnets;
        return Ok(network);
    }
    let (
        vpc_subnets,
        vpcs,
        route_tables,
        network_acls,
        groups,
        vpc_endpoints,
        nat_gateways,
        internet_gateways,
        prefix_list_names,
    ) = tokio::try_join!(
        // Every subnet of the VPCs: NAT gateways and endpoint ENIs sit in subnets no task uses.
        subnets(client, calls, "vpc-id", &vpc_ids),
        vpcs(client, calls, &vpc_ids),
        route_tables(client, calls, &vpc_ids),
        network_acls(client, calls, &vpc_ids),
        security_groups(client, calls, &vpc_ids),
        vpc_endpoints(client, calls, &vpc_ids),
        nat_gateways(client, calls, &vpc_ids),
        internet_gateways(client, calls, &vpc_ids),
        prefix_list_names(client, calls),
    )?;

    let dhcp_ids: BTreeSet<String> = vpcs
        .iter()
        .filter_map(|vpc| vpc.dhcp_options_id.clone())
        .collect();
    let group_ids: BTreeSet<String> = groups.iter().map(|group| group.id.clone()).collect();
    let endpoint_enis: BTreeSet<String> = vpc_endpoints
        .iter()
        .flat_map(|(_, enis)| enis.iter().cloned())
        .collect();
    let mut wanted_lists: BTreeSet<String> = prefix_list_names
        .iter()
        .filter(|(_, name)| *name == format!("com.amazonaws.{region}.s3"))
        .map(|(id, _)| id.clone())
        .collect();
    wanted_lists.extend(referenced_prefix_lists(&groups, &route_tables));

    let (dhcp_options, rules, endpoint_interfaces, prefix_lists) = tokio::try_join!(
        dhcp_options(client, calls, &dhcp_ids),
        security_group_rules(client, calls, &group_ids),
        interfaces(client, calls, &endpoint_enis),
        prefix_lists(client, calls, &wanted_lists, &prefix_list_names),
    )?;

    network.security_groups = match rules {
        Some(rules) => groups
            .into_iter()
            .map(|group| with_rules(group, &rules))
            .collect(),
        None => groups,
    };
    network.vpc_endpoints = vpc_endpoints
        .into_iter()
        .map(|(mut endpoint, enis)| {
            endpoint.network_interfaces = endpoint_interfaces
                .iter()
                .filter(|interface| enis.contains(&interface.id))
                .filter_map(|interface| {
                    Some(EndpointInterface {
                        id: interface.id.clone(),
                        subnet_id: interface.subnet_id.clone(),
                        availability_zone: interface.availability_zone.clone(),
                        private_ip: interface.private_ip?,
                    })
                })
                .collect();
            endpoint
        })
        .collect();
    network.subnets = if vpc_subnets.is_empty() {
        target_subnets
    } else {
        vpc_subnets
    };
    network.vpcs = vpcs;
    network.dhcp_options = dhcp_options;
    network.route_tables = route_tables;
    network.network_acls = network_acls;
    network.prefix_lists = prefix_lists;
    network.nat_gateways = nat_gateways;
    network.internet_gateways = internet_gateways;
    Ok(network)
}

async fn subnets(
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
        .filter_map(|subnet| {
            Some(Subnet {
                id: subnet.subnet_id()?.to_string(),
                vpc_id: subnet.vpc_id()?.to_string(),
                availability_zone: subnet.availability_zone().unwrap_or_default().to_string(),
                cidr_block: subnet.cidr_block()?.parse().ok()?,
                map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
            })
        })
        .collect())
}

struct Interface {
    id: String,
    subnet_id: String,
    availability_zone: String,
    private_ip: Option<std::net::Ipv4Addr>,
    public_ip: Option<std::net::Ipv4Addr>,
    groups: Vec<String>,
}

/// By filter, not by id: a deleted ENI (a stopped task's) is simply absent instead of failing the call.
async fn interfaces(
    client: &Client,
    calls: &Calls,
    ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<Interface>> {
    let requests = chunks(ids).into_iter().map(|batch| async move {
        let pages = client
            .describe_network_interfaces()
            .filters(filter("network-interface-id", batch))
            .into_paginator()
            .items()
            .send();
        calls
            .list(
                "ec2:DescribeNetworkInterfaces",
                pages.collect::<Result<Vec<_>, _>>(),
            )
            .await
    });
    Ok(try_join_all(requests)
        .await?
        .into_iter()
        .flatten()
        .filter_map(|interface| {
            Some(Interface {
                id: interface.network_interface_id()?.to_string(),
                subnet_id: interface.subnet_id().unwrap_or_default().to_string(),
                availability_zone: interface
                    .availability_zone()
                    .unwrap_or_default()
                    .to_string(),
                private_ip: interface
                    .private_ip_address()
                    .and_then(|ip| ip.parse().ok()),
                public_ip: interface
                    .association()
                    .and_then(|association| association.public_ip())
                    .and_then(|ip| ip.parse().ok()),
                groups: interface
                    .groups()
                    .iter()
                    .filter_map(|group| group.group_id().map(str::to_string))
                    .collect(),
            })
        })
        .collect())
}

async fn vpcs(client: &Client, calls: &Calls, ids: &BTreeSet<String>) -> anyhow::Result<Vec<Vpc>> {
    let pages = client
        .describe_vpcs()
        .filters(filter("vpc-id", ids.iter().cloned()))
        .into_paginator()
        .items()
        .send();
    let found = calls
        .list("ec2:DescribeVpcs", pages.collect::<Result<Vec<_>, _>>())
        .await?;
    let attributes = found
        .iter()
        .filter_map(|vpc| vpc.vpc_id())
        .map(|id| async move {
            let (support, hostnames) = tokio::try_join!(
                vpc_attribute(client, calls, id, sdk::VpcAttributeName::EnableDnsSupport),
                vpc_attribute(client, calls, id, sdk::VpcAttributeName::EnableDnsHostnames),
            )?;
            Ok::<_, anyhow::Error>((id.to_string(), support, hostnames))
        });
    let attributes: BTreeMap<String, (bool, bool)> = try_join_all(attributes)
        .await?
        .into_iter()
        .map(|(id, support, hostnames)| (id, (support, hostnames)))
        .collect();
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

async fn dhcp_options(
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

async fn route_tables(
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

async fn network_acls(
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
        port_range: entry
            .port_range()
            .and_then(|range| port_range(protocol, range.from(), range.to())),
        protocol,
    })
}

/// Ports only mean something for TCP and UDP; `-1` or absent bounds mean all ports.
fn port_range(protocol: Protocol, from: Option<i32>, to: Option<i32>) -> Option<PortRange> {
    if !matches!(protocol, Protocol::Tcp | Protocol::Udp) {
        return None;
    }
    let from = u16::try_from(from?).ok()?;
    let to = u16::try_from(to?).ok()?;
    Some(PortRange { from, to })
}

async fn security_groups(
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
async fn security_group_rules(
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

fn with_rules(
    mut group: SecurityGroup,
    rules: &BTreeMap<String, (Vec<SgRule>, Vec<SgRule>)>,
) -> SecurityGroup {
    let (ingress, egress) = rules.get(&group.id).cloned().unwrap_or_default();
    group.ingress = ingress;
    group.egress = egress;
    group
}

fn referenced_prefix_lists(groups: &[SecurityGroup], tables: &[RouteTable]) -> BTreeSet<String> {
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
                ecr_pathcheck_checks::snapshot::RouteDestination::PrefixList(id) => {
                    Some(id.clone())
                }
                _ => None,
            });
    from_rules.chain(from_routes).collect()
}

async fn vpc_endpoints(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<Vec<(VpcEndpoint, Vec<String>)>> {
    let pages = client
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", vpc_ids.iter().cloned()))
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

async fn nat_gateways(
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

async fn internet_gateways(
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

/// Every managed prefix list's id and name (AWS-managed ones included): a handful per region.
async fn prefix_list_names(
    client: &Client,
    calls: &Calls,
) -> anyhow::Result<Vec<(String, String)>> {
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

async fn prefix_lists(
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
