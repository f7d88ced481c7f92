//! EC2: everything on the network path of the targets' subnets. Every list is read once per
//! kind for all the VPCs involved (a filter on the VPC ids), never once per service.
//!
//! One file per kind of resource; this one holds the rounds: the targets' subnets and task ENIs
//! ([`placement`]), then every list of their VPCs, then what those lists name ([`collect`]).

mod acls;
mod endpoints;
mod gateways;
mod interfaces;
mod prefix_lists;
mod route_tables;
mod security_groups;
mod subnets;
mod vpcs;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::Filter;
use ecr_pathcheck_checks::net::{PortRange, Protocol};
use ecr_pathcheck_checks::snapshot::{
    DhcpOptions, EndpointInterface, InternetGateway, NatGateway, NetworkAcl, PrefixList,
    RouteTable, SecurityGroup, Subnet, Vpc, VpcEndpoint,
};

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

/// Where the targets sit: their subnets as `DescribeSubnets` answers (absent when deleted or
/// refused) and the task ENIs that still exist.
#[derive(Debug, Default)]
pub struct Placement {
    pub subnets: Vec<Subnet>,
    pub task_interfaces: BTreeMap<String, TaskInterface>,
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

/// Ports only mean something for TCP and UDP; `-1` or absent bounds mean all ports.
fn port_range(protocol: Protocol, from: Option<i32>, to: Option<i32>) -> Option<PortRange> {
    if !matches!(protocol, Protocol::Tcp | Protocol::Udp) {
        return None;
    }
    let from = u16::try_from(from?).ok()?;
    let to = u16::try_from(to?).ok()?;
    Some(PortRange { from, to })
}

/// The targets' round of EC2: the subnets `subnet_ids` and the task ENIs `task_enis`.
pub async fn placement(
    client: &Client,
    calls: &Calls,
    subnet_ids: &BTreeSet<String>,
    task_enis: &BTreeSet<String>,
) -> anyhow::Result<Placement> {
    let (subnets, task_interfaces) = tokio::try_join!(
        subnets::subnets(client, calls, "subnet-id", subnet_ids),
        interfaces::interfaces(client, calls, task_enis),
    )?;
    Ok(Placement {
        subnets,
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
    })
}

/// Collects the network of the targets' subnets (their VPCs, whole): every list of the VPCs in
/// one round, then in the next what those lists name (DHCP options, security group rules,
/// endpoint ENIs, prefix list entries).
pub async fn collect(
    client: &Client,
    calls: &Calls,
    region: &str,
    placement: Placement,
) -> anyhow::Result<Network> {
    let vpc_ids: BTreeSet<String> = placement
        .subnets
        .iter()
        .map(|subnet| subnet.vpc_id.clone())
        .collect();
    let mut network = Network {
        task_interfaces: placement.task_interfaces,
        ..Network::default()
    };
    if vpc_ids.is_empty() {
        network.subnets = placement.subnets;
        return Ok(network);
    }
    let (lists, prefix_list_names) = tokio::try_join!(
        vpc_lists(client, calls, &vpc_ids),
        prefix_lists::names(client, calls),
    )?;
    let mut wanted_lists: BTreeSet<String> = prefix_list_names
        .iter()
        .filter(|(_, name)| *name == format!("com.amazonaws.{region}.s3"))
        .map(|(id, _)| id.clone())
        .collect();
    wanted_lists.extend(prefix_lists::referenced(&lists.groups, &lists.route_tables));
    let (mut read, prefix_lists) = tokio::try_join!(
        lists.details(client, calls),
        prefix_lists::entries(client, calls, &wanted_lists, &prefix_list_names),
    )?;
    if read.subnets.is_empty() {
        read.subnets = placement.subnets;
    }
    network.vpcs = read.vpcs;
    network.dhcp_options = read.dhcp_options;
    network.subnets = read.subnets;
    network.route_tables = read.route_tables;
    network.network_acls = read.network_acls;
    network.security_groups = read.security_groups;
    network.vpc_endpoints = read.vpc_endpoints;
    network.nat_gateways = read.nat_gateways;
    network.internet_gateways = read.internet_gateways;
    network.prefix_lists = prefix_lists;
    Ok(network)
}

/// Every list of some VPCs, as one round reads them: what their resources name (rules, ENIs,
/// DHCP options) is read by [`VpcLists::details`].
struct VpcLists {
    subnets: Vec<Subnet>,
    vpcs: Vec<Vpc>,
    route_tables: Vec<RouteTable>,
    network_acls: Vec<NetworkAcl>,
    groups: Vec<SecurityGroup>,
    /// Each endpoint with its `NetworkInterfaceIds`.
    vpc_endpoints: Vec<(VpcEndpoint, Vec<String>)>,
    nat_gateways: Vec<NatGateway>,
    internet_gateways: Vec<InternetGateway>,
}

/// The VPCs' resources, complete.
struct VpcResources {
    vpcs: Vec<Vpc>,
    dhcp_options: Vec<DhcpOptions>,
    subnets: Vec<Subnet>,
    route_tables: Vec<RouteTable>,
    network_acls: Vec<NetworkAcl>,
    security_groups: Vec<SecurityGroup>,
    vpc_endpoints: Vec<VpcEndpoint>,
    nat_gateways: Vec<NatGateway>,
    internet_gateways: Vec<InternetGateway>,
}

/// One round: every list of `vpc_ids`, each one call (or one per 200 VPCs) for all of them.
async fn vpc_lists(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
) -> anyhow::Result<VpcLists> {
    let (
        subnets,
        vpcs,
        route_tables,
        network_acls,
        groups,
        vpc_endpoints,
        nat_gateways,
        internet_gateways,
    ) = tokio::try_join!(
        // Every subnet of the VPCs: NAT gateways and endpoint ENIs sit in subnets no task uses.
        subnets::subnets(client, calls, "vpc-id", vpc_ids),
        vpcs::vpcs(client, calls, vpc_ids),
        route_tables::route_tables(client, calls, vpc_ids),
        acls::network_acls(client, calls, vpc_ids),
        security_groups::security_groups(client, calls, vpc_ids),
        endpoints::vpc_endpoints(client, calls, vpc_ids),
        gateways::nat_gateways(client, calls, vpc_ids),
        gateways::internet_gateways(client, calls, vpc_ids),
    )?;
    Ok(VpcLists {
        subnets,
        vpcs,
        route_tables,
        network_acls,
        groups,
        vpc_endpoints,
        nat_gateways,
        internet_gateways,
    })
}

impl VpcLists {
    /// The next round: the DHCP option sets the VPCs use, the rules of their security groups
    /// (with their `sgr-` ids) and the ENIs of their endpoints.
    async fn details(self, client: &Client, calls: &Calls) -> anyhow::Result<VpcResources> {
        let dhcp_ids: BTreeSet<String> = self
            .vpcs
            .iter()
            .filter_map(|vpc| vpc.dhcp_options_id.clone())
            .collect();
        let group_ids: BTreeSet<String> =
            self.groups.iter().map(|group| group.id.clone()).collect();
        let endpoint_enis: BTreeSet<String> = self
            .vpc_endpoints
            .iter()
            .flat_map(|(_, enis)| enis.iter().cloned())
            .collect();
        let (dhcp_options, rules, endpoint_interfaces) = tokio::try_join!(
            vpcs::dhcp_options(client, calls, &dhcp_ids),
            security_groups::rules(client, calls, &group_ids),
            interfaces::interfaces(client, calls, &endpoint_enis),
        )?;
        let security_groups = match rules {
            Some(rules) => self
                .groups
                .into_iter()
                .map(|group| security_groups::with_rules(group, &rules))
                .collect(),
            None => self.groups,
        };
        let vpc_endpoints = self
            .vpc_endpoints
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
        Ok(VpcResources {
            vpcs: self.vpcs,
            dhcp_options,
            subnets: self.subnets,
            route_tables: self.route_tables,
            network_acls: self.network_acls,
            security_groups,
            vpc_endpoints,
            nat_gateways: self.nat_gateways,
            internet_gateways: self.internet_gateways,
        })
    }
}
