//! Where the targets' routes lead beyond their VPC: transit gateways, VPC peering connections and
//! instances (NAT instances, appliances), and which VPCs must be read so the engine can walk the
//! far side (a hub's endpoints, security groups, network ACLs and route tables).
//!
//! Only the route tables that serve the targets' subnets are followed, and only when one of
//! their routes goes to a `tgw-`, `pcx-`, `i-` or `eni-` target: a single-VPC account makes none
//! of these calls. A VPC of another account (or, for peering, another region) is not read with
//! the caller's credentials: it is a gap `ec2:DescribeVpcs` about it (`CrossAccount`,
//! `CrossRegion`), never an empty VPC.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::Client;
use ecr_pathcheck_checks::snapshot::{
    Ec2Instance, RouteState, RouteTable, Subnet, TransitGatewayRouteTable, VpcPeeringConnection,
};

use super::{interfaces, nat_instances, peering, transit};
use crate::collect::call::Calls;

/// VPCs beyond the targets' read at most; the others reached are gaps.
pub(super) const MAX_REACHED_VPCS: usize = 10;

/// What the targets' route tables point at beyond their VPC.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RouteTargets {
    pub(super) transit_gateways: BTreeSet<String>,
    pub(super) peerings: BTreeSet<String>,
    pub(super) instances: BTreeSet<String>,
    pub(super) interfaces: BTreeSet<String>,
}

impl RouteTargets {
    pub(super) fn is_empty(&self) -> bool {
        *self == RouteTargets::default()
    }
}

/// The targets of the routes of the tables that serve `subnets` (the targets' own): the table
/// explicitly associated with a subnet, else its VPC's main table.
pub(super) fn route_targets(tables: &[RouteTable], subnets: &[Subnet]) -> RouteTargets {
    let mut targets = RouteTargets::default();
    for subnet in subnets {
        let table = tables
            .iter()
            .find(|table| table.subnet_ids.contains(&subnet.id))
            .or_else(|| {
                tables
                    .iter()
                    .find(|table| table.main && table.vpc_id == subnet.vpc_id)
            });
        for route in table.iter().flat_map(|table| &table.routes) {
            let target = route.target.clone();
            let kind = match target.split_once('-') {
                Some(("tgw", _)) => &mut targets.transit_gateways,
                Some(("pcx", _)) => &mut targets.peerings,
                Some(("i", _)) => &mut targets.instances,
                Some(("eni", _)) => &mut targets.interfaces,
                _ => continue,
            };
            kind.insert(target);
        }
    }
    targets
}

/// What following the routes found.
#[derive(Debug, Default)]
pub(super) struct Reach {
    /// Every attachment of the transit gateways the routes name.
    pub(super) attachments: Vec<transit::Attachment>,
    /// The transit gateway route tables searched so far: those the targets' VPCs' attachments
    /// are associated with.
    pub(super) route_tables: Vec<TransitGatewayRouteTable>,
    pub(super) peerings: Vec<VpcPeeringConnection>,
    pub(super) instances: Vec<Ec2Instance>,
    /// The VPCs of this account and region the routes reach, to read.
    pub(super) vpcs: BTreeSet<String>,
    /// The route tables of the way back (those the reached VPCs' attachments are associated
    /// with) not searched yet, with their transit gateway.
    pub(super) return_tables: BTreeMap<String, String>,
}

/// The account and region the caller reads, and the targets' VPCs.
pub(super) struct Home<'a> {
    pub(super) account_id: &'a str,
    pub(super) region: &'a str,
    pub(super) vpc_ids: &'a BTreeSet<String>,
}

/// Follows `targets`: one round describes the transit gateways' attachments, the peering
/// connections, the instances and the interfaces; the next searches the route tables of the
/// targets' attachments and describes the instances behind the interfaces.
pub(super) async fn follow(
    client: &Client,
    calls: &Calls,
    home: &Home<'_>,
    targets: &RouteTargets,
) -> anyhow::Result<Reach> {
    let (attachments, peerings, mut instances, interfaces) = tokio::try_join!(
        transit::attachments(client, calls, &targets.transit_gateways),
        peering::connections(client, calls, &targets.peerings),
        nat_instances::instances(client, calls, &targets.instances),
        interfaces::interfaces(client, calls, &targets.interfaces),
    )?;
    // The route tables of the targets' attachments. A transit gateway shared from another
    // account keeps its route tables there: they are not searched with the caller's credentials.
    let mut outbound: BTreeMap<String, String> = BTreeMap::new();
    for attachment in &attachments {
        let owner = attachment.gateway_owner.as_deref();
        let attachment = &attachment.attachment;
        let Some(table) = &attachment.association_route_table_id else {
            continue;
        };
        if !home.vpc_ids.contains(&attachment.resource_id) {
            continue;
        }
        if let Some(owner) = owner.filter(|owner| *owner != home.account_id) {
            calls.record_gap(
                "ec2:SearchTransitGatewayRoutes",
                Some(table),
                "CrossAccount",
                &format!(
                    "{table} belongs to {}, a transit gateway of account {owner}: its routes are not read with this account's credentials",
                    attachment.transit_gateway_id
                ),
            );
            continue;
        }
        outbound.insert(table.clone(), attachment.transit_gateway_id.clone());
    }
    let behind_interfaces: BTreeSet<String> = interfaces
        .iter()
        .filter_map(|interface| interface.instance_id.clone())
        .filter(|id| !instances.iter().any(|instance| &instance.id == id))
        .collect();
    let (route_tables, more_instances) = tokio::try_join!(
        transit::route_tables(client, calls, &outbound),
        nat_instances::instances(client, calls, &behind_interfaces),
    )?;
    instances.extend(more_instances);

    let mut reach = Reach::default();
    // Through a transit gateway: the VPC attachments the targets' route tables send traffic to.
    let routed: BTreeSet<&String> = route_tables
        .iter()
        .flat_map(|table| &table.routes)
        .filter(|route| route.state == RouteState::Active)
        .flat_map(|route| &route.attachment_ids)
        .collect();
    for attachment in &attachments {
        let vpc = &attachment.attachment;
        if !routed.contains(&vpc.id)
            || vpc.resource_type != "vpc"
            || home.vpc_ids.contains(&vpc.resource_id)
        {
            continue;
        }
        let owner = attachment.resource_owner.as_deref();
        if reachable(calls, home, &vpc.resource_id, owner, None, &vpc.id) {
            reach.vpcs.insert(vpc.resource_id.clone());
            if let Some(table) = &vpc.association_route_table_id
                && !outbound.contains_key(table)
            {
                reach
                    .return_tables
                    .insert(table.clone(), vpc.transit_gateway_id.clone());
            }
        }
    }
    // Through peering: the other side of each connection of a target VPC.
    for connection in &peerings {
        let peer = if home.vpc_ids.contains(&connection.requester.vpc_id) {
            &connection.accepter
        } else {
            &connection.requester
        };
        if home.vpc_ids.contains(&peer.vpc_id) {
            continue;
        }
        if reachable(
            calls,
            home,
            &peer.vpc_id,
            peer.owner.as_deref(),
            peer.region.as_deref(),
            &connection.connection.id,
        ) {
            reach.vpcs.insert(peer.vpc_id.clone());
        }
    }
    reach.attachments = attachments;
    reach.route_tables = route_tables;
    reach.peerings = peerings
        .into_iter()
        .map(|peering| peering.connection)
        .collect();
    reach.instances = instances;
    Ok(reach)
}

/// Whether `vpc` (reached through `via`) can be read with the caller's credentials: same account
/// and region. Otherwise the gap that says why is recorded.
fn reachable(
    calls: &Calls,
    home: &Home<'_>,
    vpc: &str,
    owner: Option<&str>,
    region: Option<&str>,
    via: &str,
) -> bool {
    if let Some(owner) = owner.filter(|owner| *owner != home.account_id) {
        calls.record_gap(
            "ec2:DescribeVpcs",
            Some(vpc),
            "CrossAccount",
            &format!(
                "{vpc}, reached through {via}, belongs to account {owner}: its subnets, route tables, network ACLs, security groups and endpoints are not read with this account's credentials"
            ),
        );
        return false;
    }
    if let Some(region) = region.filter(|region| *region != home.region) {
        calls.record_gap(
            "ec2:DescribeVpcs",
            Some(vpc),
            "CrossRegion",
            &format!(
                "{vpc}, reached through {via}, is in region {region}: its resources are not read"
            ),
        );
        return false;
    }
    true
}

/// At most [`MAX_REACHED_VPCS`] of `wanted` (minus those already read), in id order; each one
/// left out is a gap about it, so the hops beyond it stay unknown.
pub(super) fn capped(
    calls: &Calls,
    wanted: &BTreeSet<String>,
    already: &BTreeSet<String>,
) -> BTreeSet<String> {
    let room = MAX_REACHED_VPCS.saturating_sub(already.len());
    let fresh: Vec<&String> = wanted.difference(already).collect();
    for vpc in fresh.iter().skip(room) {
        calls.record_gap(
            "ec2:DescribeVpcs",
            Some(vpc),
            "LimitExceeded",
            &format!(
                "the targets' routes and names reach {} VPCs beyond their own; the collector reads {MAX_REACHED_VPCS} of them",
                already.len() + fresh.len()
            ),
        );
    }
    fresh.into_iter().take(room).cloned().collect()
}

/// The endpoint an alias target names, from its first label (`vpce-0123456789abcdef0-abcdefgh`
/// of `vpce-0123456789abcdef0-abcdefgh.ecr.api.us-east-1.vpce.amazonaws.com`, or of a zonal
/// name `vpce-…-abcdefgh-us-east-1a.…`): `vpce-0123456789abcdef0`.
pub(super) fn endpoint_of_alias(target: &str) -> Option<String> {
    let label = target.split('.').next()?;
    let rest = label.strip_prefix("vpce-")?;
    let id = rest.split('-').next()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| format!("vpce-{}", id.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecr_pathcheck_checks::snapshot::Route;

    #[test]
    fn alias_targets_name_their_endpoint() {
        assert_eq!(
            endpoint_of_alias(
                "vpce-0123456789abcdef0-abcdefgh.api.ecr.us-east-1.vpce.amazonaws.com"
            )
            .as_deref(),
            Some("vpce-0123456789abcdef0")
        );
        assert_eq!(
            endpoint_of_alias("vpce-0abc-1234-us-east-1a.api.ecr.us-east-1.vpce.amazonaws.com")
                .as_deref(),
            Some("vpce-0abc")
        );
        assert_eq!(endpoint_of_alias("d111111abcdef8.cloudfront.net"), None);
        assert_eq!(endpoint_of_alias("vpce-.example.com"), None);
    }

    #[test]
    fn only_the_tables_serving_the_targets_subnets_are_followed() {
        let route = |target: &str| Route {
            destination: "0.0.0.0/0".parse().unwrap(),
            target: target.into(),
            state: RouteState::Active,
        };
        let table = |id: &str, main: bool, subnets: &[&str], targets: &[&str]| RouteTable {
            id: id.into(),
            vpc_id: "vpc-1".into(),
            main,
            subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
            routes: targets.iter().map(|t| route(t)).collect(),
        };
        let subnet = |id: &str| Subnet {
            id: id.into(),
            vpc_id: "vpc-1".into(),
            availability_zone: "us-east-1a".into(),
            cidr_block: Some("10.0.1.0/24".parse().unwrap()),
            map_public_ip_on_launch: false,
            ipv6_cidr_blocks: Some(Vec::new()),
            ipv6_native: false,
            enable_dns64: false,
            owner_id: None,
        };
        let tables = [
            table("rtb-main", true, &[], &["pcx-main"]),
            table("rtb-a", false, &["subnet-a"], &["tgw-a", "eni-a", "local"]),
            table("rtb-other", false, &["subnet-other"], &["i-other"]),
        ];
        let targets = route_targets(&tables, &[subnet("subnet-a"), subnet("subnet-b")]);
        assert_eq!(
            targets,
            RouteTargets {
                transit_gateways: BTreeSet::from(["tgw-a".to_string()]),
                peerings: BTreeSet::from(["pcx-main".to_string()]),
                instances: BTreeSet::new(),
                interfaces: BTreeSet::from(["eni-a".to_string()]),
            }
        );
    }
}
