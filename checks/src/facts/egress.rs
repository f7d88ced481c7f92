//! Routes through a transit gateway, as facts with no opinion: which attachment and transit
//! gateway route table carry a block, and where a centralized egress VPC (a VPC attached to the
//! transit gateway whose subnets route to a NAT gateway) takes the task's internet traffic.
//!
//! Source: Amazon VPC Transit Gateways, "Transit gateway route tables" (each attachment's
//! traffic is routed by the route table associated with it; the most specific route wins), and
//! the AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure",
//! "Centralized egress to internet" (spoke default route to the transit gateway, its route table
//! to the egress VPC attachment, the attachment subnets to a NAT gateway, the NAT gateway's
//! subnet back to the spokes through the transit gateway).

use super::PathContext;
use crate::net::{AddressSet, Ipv4Cidr};
use crate::snapshot::{
    NatGateway, RouteState, Subnet, TransitGatewayAttachment, TransitGatewayRoute,
    TransitGatewayRouteTable,
};

/// The most specific route of a transit gateway route table that covers `block`.
pub fn tgw_route_for<'a>(
    table: &'a TransitGatewayRouteTable,
    block: &Ipv4Cidr,
) -> Option<&'a TransitGatewayRoute> {
    table
        .routes
        .iter()
        .filter(|route| route.destination.contains(block))
        .max_by_key(|route| route.destination.prefix_len())
}

/// The block a public destination is looked up as in a route table: itself when it is one,
/// else any public address, which only the default route (`0.0.0.0/0`) covers. IPv6
/// destinations never take this walk (the IPv6 path through a transit gateway is PC306's
/// unknown): they are looked up as any address too, so nothing is concluded from them here.
pub fn public_block(destination: &AddressSet) -> Ipv4Cidr {
    match destination {
        AddressSet::Block(block) => *block,
        AddressSet::Public | AddressSet::PublicIpv6 => Ipv4Cidr::ANY,
    }
}

/// Where a centralized egress walk stands for one flow: each step found in the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Egress<'a> {
    /// The task VPC's attachment to the transit gateway.
    pub spoke: &'a TransitGatewayAttachment,
    /// The VPC attachment the spoke's transit gateway route table sends the destination to.
    pub egress: &'a TransitGatewayAttachment,
    /// The egress attachment's subnet the transit gateway hands the traffic to: the one in the
    /// task's Availability Zone when there is one (a transit gateway keeps traffic in its zone),
    /// else the attachment's first subnet; `None` when none of its subnets is in the snapshot.
    pub subnet: Option<&'a Subnet>,
    /// The NAT gateway that subnet's route table sends the destination to, when it is one.
    pub nat: Option<&'a NatGateway>,
}

impl<'a> PathContext<'a, '_> {
    /// The `vpc` attachment of `vpc_id` to `gateway` in the snapshot.
    pub fn transit_gateway_attachment(
        &self,
        gateway: &str,
        vpc_id: &str,
    ) -> Option<&'a TransitGatewayAttachment> {
        self.index
            .snapshot
            .transit_gateway_attachments
            .iter()
            .find(|attachment| {
                attachment.transit_gateway_id == gateway
                    && attachment.resource_type == "vpc"
                    && attachment.resource_id == vpc_id
            })
    }

    /// The transit gateway route table `attachment` is associated with, when read.
    pub fn transit_gateway_route_table(
        &self,
        attachment: &TransitGatewayAttachment,
    ) -> Option<&'a TransitGatewayRouteTable> {
        let id = attachment.association_route_table_id.as_deref()?;
        self.index
            .snapshot
            .transit_gateway_route_tables
            .iter()
            .find(|table| table.id == id)
    }

    /// The block the flow's public destination is looked up as (the first one).
    pub fn public_destination_block(&self) -> Ipv4Cidr {
        self.public_destinations()
            .first()
            .map_or(Ipv4Cidr::ANY, public_block)
    }

    /// The centralized egress walk from the task's subnet through `gateway`, as far as the
    /// snapshot holds it: `None` when the task VPC's attachment, its route table, an active route
    /// to a VPC attachment is missing (the transit gateway route check says which).
    pub fn egress_through(&self, gateway: &str) -> Option<Egress<'a>> {
        let spoke = self.transit_gateway_attachment(gateway, &self.placement.vpc.id)?;
        let table = self.transit_gateway_route_table(spoke)?;
        let block = self.public_destination_block();
        let route =
            tgw_route_for(table, &block).filter(|route| route.state == RouteState::Active)?;
        let snapshot = self.index.snapshot;
        let egress = snapshot
            .transit_gateway_attachments
            .iter()
            .find(|attachment| {
                route.attachment_ids.contains(&attachment.id)
                    && attachment.resource_type == "vpc"
                    && attachment.resource_id != self.placement.vpc.id
            })?;
        let subnets: Vec<&'a Subnet> = egress
            .subnet_ids
            .iter()
            .filter_map(|id| self.index.subnet(id))
            .collect();
        let subnet = subnets
            .iter()
            .find(|subnet| subnet.availability_zone == self.placement.subnet.availability_zone)
            .or(subnets.first())
            .copied();
        let nat = subnet
            .and_then(|subnet| self.index.route_table_for(subnet))
            .and_then(|table| super::route_for(self.index, table, &block))
            .filter(|route| route.state == RouteState::Active)
            .and_then(|route| self.index.nat_gateway(&route.target));
        Some(Egress {
            spoke,
            egress,
            subnet,
            nat,
        })
    }
}
