//! EC2: everything on the network path of the targets' subnets. Every list is read once per
//! kind for all the VPCs involved (a filter on the VPC ids), never once per service.
//!
//! One file per kind of resource; this one holds the rounds: the targets' subnets and task ENIs
//! ([`placement`]), then every list of their VPCs, then what those lists name ([`collect`]),
//! and beyond the VPC only what the targets' routes and names need ([`beyond`], `crate::collect::dns`).

mod acls;
mod beyond;
mod endpoints;
mod gateways;
mod interfaces;
mod nat_instances;
mod peering;
mod prefix_lists;
mod route_tables;
mod security_groups;
mod subnets;
mod transit;
mod vpcs;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::Filter;
use ecr_pathcheck_checks::net::{PortRange, Protocol};
use ecr_pathcheck_checks::snapshot::validate;
use ecr_pathcheck_checks::snapshot::{
    DhcpOptions, Ec2Instance, EndpointInterface, EndpointType, HostedZone, InternetGateway,
    NatGateway, NetworkAcl, PrefixList, ResolverRule, RouteTable, SecurityGroup, Snapshot, Subnet,
    TransitGatewayAttachment, TransitGatewayRouteTable, Vpc, VpcEndpoint, VpcPeeringConnection,
};

use super::call::Calls;
use super::dns;

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
    pub hosted_zones: Vec<HostedZone>,
    pub resolver_rules: Vec<ResolverRule>,
    pub transit_gateway_attachments: Vec<TransitGatewayAttachment>,
    pub transit_gateway_route_tables: Vec<TransitGatewayRouteTable>,
    pub vpc_peering_connections: Vec<VpcPeeringConnection>,
    pub ec2_instances: Vec<Ec2Instance>,
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

/// The clients the network is read with: EC2, and Route 53 and its Resolver for the names.
pub struct NetworkClients<'a> {
    pub ec2: &'a Client,
    pub route53: &'a aws_sdk_route53::Client,
    pub resolver: &'a aws_sdk_route53resolver::Client,
}

/// A name a flow dials, and the endpoint service (`com.amazonaws.REGION.SUFFIX`) that answers it
/// inside a VPC when the VPC has that endpoint (with private DNS, or S3's gateway endpoint).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dialled {
    pub host: String,
    pub endpoint_service: Option<String>,
}

/// Who reads, where, and what the targets dial.
pub struct Scope<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
    pub dialled: &'a BTreeSet<Dialled>,
}

/// Collects the network of the targets' subnets (their VPCs, whole): every list of the VPCs and
/// the Resolver rules associated with them in one round, then in the next what those lists name
/// (DHCP options, security group rules, endpoint ENIs, prefix list entries). From that round on,
/// and only when the targets need them: the private hosted zones for the names the VPCs' own
/// endpoints do not answer, and where the targets' routes lead beyond their VPC (transit
/// gateways, peering, NAT instances) with the VPCs reached, read like the targets' own; then the
/// VPCs of the endpoints that alias records name, when no VPC read so far holds them.
pub async fn collect(
    clients: &NetworkClients<'_>,
    calls: &Calls,
    scope: &Scope<'_>,
    placement: Placement,
) -> anyhow::Result<Network> {
    let client = clients.ec2;
    let region = scope.region;
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
    let (lists, prefix_list_names, resolver_associations) = tokio::try_join!(
        vpc_lists(client, calls, &vpc_ids),
        prefix_lists::names(client, calls),
        dns::resolver::associations(clients.resolver, calls, &vpc_ids),
    )?;
    let mut wanted_lists: BTreeSet<String> = prefix_list_names
        .iter()
        .filter(|(_, name)| *name == format!("com.amazonaws.{region}.s3"))
        .map(|(id, _)| id.clone())
        .collect();
    wanted_lists.extend(prefix_lists::referenced(&lists.groups, &lists.route_tables));
    let route_targets = beyond::route_targets(&lists.route_tables, &placement.subnets);
    let (zone_vpcs, zone_hosts) = unanswered(&vpc_ids, &lists.vpc_endpoints, scope.dialled);
    let home = beyond::Home {
        account_id: scope.account_id,
        region,
        vpc_ids: &vpc_ids,
    };
    let (mut read, prefix_lists, resolver_rules, hosted_zones, beyond_vpc) = tokio::try_join!(
        lists.details(client, calls),
        prefix_lists::entries(client, calls, &wanted_lists, &prefix_list_names),
        dns::resolver::rules(clients.resolver, calls, &resolver_associations),
        dns::zones::hosted_zones(clients.route53, calls, region, &zone_vpcs, &zone_hosts),
        routes_and_hubs(
            client,
            calls,
            &home,
            &route_targets,
            &wanted_lists,
            &prefix_list_names
        ),
    )?;
    let Beyond {
        reach,
        mut reached,
        return_tables,
        read: already,
    } = beyond_vpc;
    if read.subnets.is_empty() {
        read.subnets = placement.subnets;
    }
    // The endpoints alias records point at, when no VPC read so far holds them (a hub the
    // targets' routes do not reach: the zone answers, the route is missing).
    let mut known_lists = wanted_lists.clone();
    known_lists.extend(reached.prefix_lists.iter().map(|list| list.id.clone()));
    let aliased = aliased_vpcs(
        client,
        calls,
        &hosted_zones,
        read.vpc_endpoints
            .iter()
            .chain(&reached.resources.vpc_endpoints),
    )
    .await?;
    let aliased: BTreeSet<String> = aliased.difference(&vpc_ids).cloned().collect();
    let to_read = beyond::capped(calls, &aliased, &already);
    if !to_read.is_empty() {
        let more = read_vpcs(client, calls, &to_read, &known_lists, &prefix_list_names).await?;
        reached.extend(more);
    }

    read.extend(reached.resources);
    let mut prefix_lists = prefix_lists;
    merge(&mut prefix_lists, reached.prefix_lists, |list| &list.id);
    let vpcs_read: BTreeSet<&String> = read.vpcs.iter().map(|vpc| &vpc.id).collect();
    let mut route_tables = reach.route_tables;
    route_tables.extend(return_tables);
    // The attachments of the VPCs read, and those the kept routes send traffic to.
    let routed: BTreeSet<&String> = route_tables
        .iter()
        .flat_map(|table| &table.routes)
        .flat_map(|route| &route.attachment_ids)
        .collect();
    let mut attachments: Vec<_> = reach
        .attachments
        .into_iter()
        .map(|attachment| attachment.attachment)
        .filter(|attachment| {
            vpcs_read.contains(&attachment.resource_id) || routed.contains(&attachment.id)
        })
        .collect();
    attachments.sort_by(|a, b| a.id.cmp(&b.id));
    route_tables.sort_by(|a, b| a.id.cmp(&b.id));
    route_tables.dedup_by(|a, b| a.id == b.id);
    let mut peerings = reach.peerings;
    peerings.sort_by(|a, b| a.id.cmp(&b.id));
    peerings.dedup_by(|a, b| a.id == b.id);
    let mut instances = reach.instances;
    instances.sort_by(|a, b| a.id.cmp(&b.id));
    instances.dedup_by(|a, b| a.id == b.id);
    let mut hosted_zones = hosted_zones;
    hosted_zones.sort_by(|a, b| a.id.cmp(&b.id));
    let mut resolver_rules = resolver_rules;
    resolver_rules.sort_by(|a, b| a.id.cmp(&b.id));

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
    network.hosted_zones = valid(
        calls,
        "route53:GetHostedZone",
        hosted_zones,
        |z| &z.id,
        |s, z| s.hosted_zones.push(z),
    );
    network.resolver_rules = valid(
        calls,
        "route53resolver:GetResolverRule",
        resolver_rules,
        |r| &r.id,
        |s, r| s.resolver_rules.push(r),
    );
    network.transit_gateway_attachments = valid(
        calls,
        "ec2:DescribeTransitGatewayAttachments",
        attachments,
        |a| &a.id,
        |s, a| s.transit_gateway_attachments.push(a),
    );
    network.transit_gateway_route_tables = valid(
        calls,
        "ec2:SearchTransitGatewayRoutes",
        route_tables,
        |t| &t.id,
        |s, t| s.transit_gateway_route_tables.push(t),
    );
    network.vpc_peering_connections = valid(
        calls,
        "ec2:DescribeVpcPeeringConnections",
        peerings,
        |p| &p.id,
        |s, p| s.vpc_peering_connections.push(p),
    );
    network.ec2_instances = valid(
        calls,
        "ec2:DescribeInstances",
        instances,
        |i| &i.id,
        |s, i| s.ec2_instances.push(i),
    );
    Ok(network)
}

/// What a participant in a shared VPC cannot see of it (Amazon VPC User Guide, "Share your VPC
/// with other accounts": participants can describe the VPC and its subnets, security groups,
/// route tables, network ACLs, gateways and DHCP option sets; the endpoints, transit gateway
/// attachments, and the private hosted zones and Resolver rules associated with the VPC are the
/// owner's). Listing them with the participant's credentials answers an empty list, which is
/// not "none": each is a gap about the VPC.
const UNSEEN_BY_PARTICIPANTS: [&str; 4] = [
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeTransitGatewayAttachments",
    "route53:ListHostedZonesByVPC",
    "route53resolver:ListResolverRuleAssociations",
];

/// [`collect`] for targets that may sit in subnets other accounts share with the caller through
/// AWS RAM (`DescribeSubnets`' `OwnerId` is another account). The VPC of such a subnet is read
/// with the owner's clients when `owners` has them (`--network-role`), like the caller's own
/// and in the same rounds; otherwise with the caller's, and what a participant cannot see of it
/// is a gap (`CrossAccount`) naming the owner and the flag.
pub async fn collect_shared(
    clients: &NetworkClients<'_>,
    owners: &BTreeMap<String, NetworkClients<'_>>,
    calls: &Calls,
    scope: &Scope<'_>,
    placement: Placement,
) -> anyhow::Result<Network> {
    let mut own = Vec::new();
    let mut by_owner: BTreeMap<String, Vec<Subnet>> = BTreeMap::new();
    let mut unseen: BTreeMap<String, String> = BTreeMap::new();
    for subnet in placement.subnets {
        match subnet
            .owner_id
            .clone()
            .filter(|owner| owner != scope.account_id)
        {
            Some(owner) if owners.contains_key(&owner) => {
                by_owner.entry(owner).or_default().push(subnet);
            }
            Some(owner) => {
                unseen.insert(subnet.vpc_id.clone(), owner);
                own.push(subnet);
            }
            None => own.push(subnet),
        }
    }
    for (vpc, owner) in &unseen {
        for api in UNSEEN_BY_PARTICIPANTS {
            calls.record_gap(
                api,
                Some(vpc),
                "CrossAccount",
                &format!(
                    "{vpc} belongs to account {owner}, which shares its subnets with this account through AWS RAM: a participant does not see the VPC's endpoints, transit gateway attachments, or the private hosted zones and Resolver rules associated with it; pass --network-role {owner}=arn:aws:iam::{owner}:role/<reader role> to read them as the owner"
                ),
            );
        }
    }
    let own = collect(
        clients,
        calls,
        scope,
        Placement {
            subnets: own,
            task_interfaces: placement.task_interfaces,
        },
    );
    let shared = by_owner.into_iter().map(|(owner, subnets)| async move {
        let owner_scope = Scope {
            account_id: &owner,
            region: scope.region,
            dialled: scope.dialled,
        };
        let placement = Placement {
            subnets,
            task_interfaces: BTreeMap::new(),
        };
        collect(&owners[&owner], calls, &owner_scope, placement).await
    });
    let (mut network, shared) = tokio::try_join!(own, futures::future::try_join_all(shared))?;
    for other in shared {
        network.merge(other);
    }
    Ok(network)
}

impl Network {
    /// Adds `other` (another reader's part of the targets' networks), leaving out what this one
    /// already holds (by id), each list sorted again.
    fn merge(&mut self, other: Network) {
        macro_rules! lists {
            ($($field:ident),*) => {$(
                merge(&mut self.$field, other.$field, |item| &item.id);
                self.$field.sort_by(|a, b| a.id.cmp(&b.id));
            )*};
        }
        lists!(
            vpcs,
            dhcp_options,
            subnets,
            route_tables,
            network_acls,
            security_groups,
            prefix_lists,
            vpc_endpoints,
            nat_gateways,
            internet_gateways,
            hosted_zones,
            resolver_rules,
            transit_gateway_attachments,
            transit_gateway_route_tables,
            vpc_peering_connections,
            ec2_instances
        );
        self.task_interfaces.extend(other.task_interfaces);
    }
}

/// The entries of `items` that fit the snapshot's shapes (`snapshot::validate`), each checked
/// alone; one that does not (an answer the snapshot cannot hold) is left out and is a gap
/// (`InvalidResponse`) of `api`, instead of the collected snapshot being refused whole.
fn valid<T: Clone>(
    calls: &Calls,
    api: &'static str,
    items: Vec<T>,
    id: impl Fn(&T) -> &String,
    put: impl Fn(&mut Snapshot, T),
) -> Vec<T> {
    items
        .into_iter()
        .filter(|item| {
            let mut scratch = Snapshot::new("111122223333", "us-east-1");
            put(&mut scratch, item.clone());
            let Err(problem) = validate::shapes(&scratch) else {
                return true;
            };
            let id = id(item);
            let printable = id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
            calls.record_gap(
                api,
                printable.then_some(id.as_str()),
                "InvalidResponse",
                &format!("an answer the snapshot cannot hold was left out: {problem}"),
            );
            false
        })
        .collect()
}

/// Where the targets' routes lead, and the VPCs reached there, read whole.
struct Beyond {
    reach: beyond::Reach,
    reached: Reached,
    /// The transit gateway route tables of the way back (the reached VPCs' attachments').
    return_tables: Vec<TransitGatewayRouteTable>,
    /// The VPCs asked for (some may not have been found).
    read: BTreeSet<String>,
}

/// The routes' far side ([`beyond::follow`]), then the VPCs it reaches (at most
/// [`beyond::MAX_REACHED_VPCS`]) read like the targets' own, with the route tables of the way
/// back. Nothing when no route of the targets leaves their VPC.
async fn routes_and_hubs(
    client: &Client,
    calls: &Calls,
    home: &beyond::Home<'_>,
    targets: &beyond::RouteTargets,
    known_lists: &BTreeSet<String>,
    prefix_list_names: &[(String, String)],
) -> anyhow::Result<Beyond> {
    if targets.is_empty() {
        return Ok(Beyond {
            reach: beyond::Reach::default(),
            reached: Reached::default(),
            return_tables: Vec::new(),
            read: BTreeSet::new(),
        });
    }
    let reach = beyond::follow(client, calls, home, targets).await?;
    let read = beyond::capped(calls, &reach.vpcs, &BTreeSet::new());
    let (reached, return_tables) = tokio::try_join!(
        read_vpcs(client, calls, &read, known_lists, prefix_list_names),
        transit::route_tables(client, calls, &reach.return_tables),
    )?;
    Ok(Beyond {
        reach,
        reached,
        return_tables,
        read,
    })
}

/// The VPCs (of `vpc_ids`) where a dialled name is not answered by the VPC's own endpoint, and
/// those names: what Route 53's private zones may answer there. The S3 layer host counts as
/// answered by S3's gateway endpoint (it resolves publicly by design). A VPC whose endpoints
/// could not be read answers nothing.
fn unanswered(
    vpc_ids: &BTreeSet<String>,
    endpoints: &[(VpcEndpoint, Vec<String>)],
    dialled: &BTreeSet<Dialled>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut vpcs = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    for vpc in vpc_ids {
        for name in dialled {
            let answered = name.endpoint_service.as_ref().is_some_and(|service| {
                endpoints.iter().any(|(endpoint, _)| {
                    &endpoint.vpc_id == vpc
                        && &endpoint.service_name == service
                        && match endpoint.endpoint_type {
                            EndpointType::Interface => endpoint.private_dns_enabled,
                            EndpointType::Gateway => true,
                            _ => false,
                        }
                })
            });
            if !answered {
                vpcs.insert(vpc.clone());
                hosts.insert(name.host.clone());
            }
        }
    }
    (vpcs, hosts)
}

/// The VPCs of the interface endpoints alias records point at (the records of `zones`) that no
/// endpoint of `known` is: `DescribeVpcEndpoints` by id. An endpoint this account cannot see
/// (another account's hub) is a gap about it.
async fn aliased_vpcs<'a>(
    client: &Client,
    calls: &Calls,
    zones: &[HostedZone],
    known: impl Iterator<Item = &'a VpcEndpoint>,
) -> anyhow::Result<BTreeSet<String>> {
    let known: Vec<&VpcEndpoint> = known.collect();
    let wanted: BTreeSet<String> = zones
        .iter()
        .flat_map(|zone| &zone.records)
        .filter_map(|record| record.alias_target.as_deref())
        .filter(|target| {
            !known
                .iter()
                .any(|endpoint| endpoint.dns_names.iter().any(|name| name == target))
        })
        .filter_map(beyond::endpoint_of_alias)
        .filter(|id| !known.iter().any(|endpoint| &endpoint.id == id))
        .collect();
    if wanted.is_empty() {
        return Ok(BTreeSet::new());
    }
    let found = endpoints::vpc_endpoints(client, calls, "vpc-endpoint-id", &wanted).await?;
    for id in &wanted {
        if !found.iter().any(|(endpoint, _)| &endpoint.id == id) {
            calls.record_gap(
                "ec2:DescribeVpcEndpoints",
                Some(id),
                "NotFound",
                &format!(
                    "an alias record points at {id}, which this account does not see (an endpoint of another account, or deleted)"
                ),
            );
        }
    }
    Ok(found
        .into_iter()
        .map(|(endpoint, _)| endpoint.vpc_id)
        .collect())
}

/// Appends `from` to `into`, leaving out what `into` already holds (by `key`).
fn merge<T>(into: &mut Vec<T>, from: Vec<T>, key: impl Fn(&T) -> &String) {
    let known: BTreeSet<String> = into.iter().map(|item| key(item).clone()).collect();
    into.extend(from.into_iter().filter(|item| !known.contains(key(item))));
}

/// VPCs reached beyond the targets', read whole, and the entries of the prefix lists their
/// groups and routes name that were not read yet.
#[derive(Default)]
struct Reached {
    resources: VpcResources,
    prefix_lists: Vec<PrefixList>,
}

impl Reached {
    fn extend(&mut self, other: Reached) {
        self.resources.extend(other.resources);
        merge(&mut self.prefix_lists, other.prefix_lists, |list| &list.id);
    }
}

/// Reads `vpc_ids` like the targets' VPCs: their lists in one round, what the lists name in the
/// next, with the entries of prefix lists not among `known_lists`.
async fn read_vpcs(
    client: &Client,
    calls: &Calls,
    vpc_ids: &BTreeSet<String>,
    known_lists: &BTreeSet<String>,
    prefix_list_names: &[(String, String)],
) -> anyhow::Result<Reached> {
    if vpc_ids.is_empty() {
        return Ok(Reached::default());
    }
    let lists = vpc_lists(client, calls, vpc_ids).await?;
    let new_lists: BTreeSet<String> = prefix_lists::referenced(&lists.groups, &lists.route_tables)
        .difference(known_lists)
        .cloned()
        .collect();
    let (resources, prefix_lists) = tokio::try_join!(
        lists.details(client, calls),
        prefix_lists::entries(client, calls, &new_lists, prefix_list_names),
    )?;
    Ok(Reached {
        resources,
        prefix_lists,
    })
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
#[derive(Default)]
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

impl VpcResources {
    /// Adds `other`'s resources, leaving out those already held (by id).
    fn extend(&mut self, other: VpcResources) {
        merge(&mut self.vpcs, other.vpcs, |vpc| &vpc.id);
        merge(&mut self.dhcp_options, other.dhcp_options, |options| {
            &options.id
        });
        merge(&mut self.subnets, other.subnets, |subnet| &subnet.id);
        merge(&mut self.route_tables, other.route_tables, |table| {
            &table.id
        });
        merge(&mut self.network_acls, other.network_acls, |acl| &acl.id);
        merge(&mut self.security_groups, other.security_groups, |group| {
            &group.id
        });
        merge(&mut self.vpc_endpoints, other.vpc_endpoints, |endpoint| {
            &endpoint.id
        });
        merge(&mut self.nat_gateways, other.nat_gateways, |gateway| {
            &gateway.id
        });
        merge(
            &mut self.internet_gateways,
            other.internet_gateways,
            |gateway| &gateway.id,
        );
    }
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
        endpoints::vpc_endpoints(client, calls, "vpc-id", vpc_ids),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::progress::Progress;

    fn endpoint(
        vpc: &str,
        service: &str,
        kind: EndpointType,
        dns: bool,
    ) -> (VpcEndpoint, Vec<String>) {
        let endpoint = VpcEndpoint {
            id: format!("vpce-{}", service.replace('.', "")),
            vpc_id: vpc.into(),
            service_name: format!("com.amazonaws.us-east-1.{service}"),
            endpoint_type: kind,
            state: "available".into(),
            private_dns_enabled: dns,
            subnet_ids: Vec::new(),
            network_interfaces: Vec::new(),
            security_group_ids: Vec::new(),
            route_table_ids: Vec::new(),
            policy: None,
            dns_names: Vec::new(),
        };
        (endpoint, Vec::new())
    }

    fn dialled(host: &str, service: Option<&str>) -> Dialled {
        Dialled {
            host: host.into(),
            endpoint_service: service.map(|s| format!("com.amazonaws.us-east-1.{s}")),
        }
    }

    #[test]
    fn names_a_vpcs_own_endpoints_answer_need_no_zone() {
        let vpcs = BTreeSet::from(["vpc-a".to_string(), "vpc-b".to_string()]);
        let endpoints = [
            endpoint("vpc-a", "ecr.api", EndpointType::Interface, true),
            endpoint("vpc-a", "s3", EndpointType::Gateway, false),
            // Without private DNS an endpoint answers nothing by the service's name.
            endpoint("vpc-b", "ecr.api", EndpointType::Interface, false),
        ];
        let names = BTreeSet::from([
            dialled("api.ecr.us-east-1.amazonaws.com", Some("ecr.api")),
            dialled(
                "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
                Some("s3"),
            ),
        ]);
        let (zone_vpcs, hosts) = unanswered(&vpcs, &endpoints, &names);
        assert_eq!(zone_vpcs, BTreeSet::from(["vpc-b".to_string()]));
        assert_eq!(hosts.len(), 2, "both names are open in vpc-b");
        let external = BTreeSet::from([dialled("registry-1.docker.io", None)]);
        let (zone_vpcs, _) = unanswered(&vpcs, &endpoints, &external);
        assert_eq!(
            zone_vpcs.len(),
            2,
            "no endpoint answers an external registry"
        );
    }

    #[test]
    fn vpcs_beyond_the_cap_and_answers_the_snapshot_cannot_hold_are_gaps() {
        let calls = Calls::new(1, Progress::hidden(), None);
        let wanted: BTreeSet<String> = (0..13).map(|n| format!("vpc-{n:02}")).collect();
        let already = BTreeSet::from(["vpc-00".to_string()]);
        let read = beyond::capped(&calls, &wanted, &already);
        assert_eq!(read.len(), beyond::MAX_REACHED_VPCS - 1);
        assert!(!read.contains("vpc-00"));
        let gaps = calls.take_gaps();
        assert_eq!(gaps.len(), 3, "{gaps:?}");
        assert!(gaps.iter().all(|gap| gap.error_code == "LimitExceeded"));
        assert_eq!(gaps[0].resource.as_deref(), Some("vpc-10"));

        let zone = |id: &str| HostedZone {
            id: id.into(),
            name: "api.ecr.us-east-1.amazonaws.com".into(),
            private: true,
            vpc_ids: Vec::new(),
            records: Vec::new(),
        };
        let kept = valid(
            &calls,
            "route53:GetHostedZone",
            vec![zone("Z0123"), zone("not-a-zone-id")],
            |z| &z.id,
            |s, z| s.hosted_zones.push(z),
        );
        assert_eq!(kept.len(), 1);
        let gaps = calls.take_gaps();
        assert_eq!(gaps.len(), 1);
        assert_eq!(
            (gaps[0].error_code.as_str(), gaps[0].resource.as_deref()),
            ("InvalidResponse", Some("not-a-zone-id"))
        );
    }
}
