//! What a check sees while the walker stands on one flow of one target in one subnet: the hop
//! types, the verdict a check gives, and the path context.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::targets::{Placement, TargetInput};
use super::{Index, Site};
use crate::finding::Finding;
use crate::flows::{Flow, FlowKind};
use crate::net::{AddressSet, Ipv4Cidr};
use crate::snapshot::{SecurityGroup, VpcEndpoint};

/// The hops of a path, in the order traffic meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hop {
    Dns,
    Endpoint,
    Route,
    Gateway,
    TaskEgress,
    TaskNaclOutbound,
    TaskNaclReturn,
    EndpointNaclInbound,
    EndpointNaclReturn,
    EndpointIngress,
    Policy,
    Iam,
    Image,
}

/// How a hop, a flow or a target stands, best first: the worst of several is their `max`.
/// Flows and targets serialize as `ok`, `unknown`, `blocked`; a hop's record as `pass`,
/// `unknown`, `block` (the report's schema since version 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Unknown,
    Blocked,
}

impl Status {
    /// The worse of the two.
    pub fn combine(self, other: Status) -> Status {
        self.max(other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Unknown => "unknown",
            Status::Blocked => "blocked",
        }
    }

    /// As a hop's record says it: `pass`, `unknown`, `block`.
    pub fn hop_word(self) -> &'static str {
        match self {
            Status::Ok => "pass",
            Status::Unknown => "unknown",
            Status::Blocked => "block",
        }
    }
}

fn serialize_hop_status<S: serde::Serializer>(
    status: &Status,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(status.hop_word())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HopRecord {
    pub hop: Hop,
    #[serde(serialize_with = "serialize_hop_status")]
    pub status: Status,
    pub evidence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<&'static str>,
}

/// What a check says about one hop.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// The hop lets the flow through; the string is the evidence.
    Pass(String),
    Block(Finding),
    /// The snapshot cannot decide (a gap, a transit gateway, custom DNS).
    Unknown(Finding),
}

/// Which subnet's network ACL a hop asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclSide {
    /// The subnet the task (or container instance) is in.
    TaskSubnet,
    /// The subnet of the endpoint's network interface.
    EndpointSubnet,
}

/// Everything a check may look at while walking one flow of one target in one subnet.
pub struct PathContext<'a, 'b> {
    pub index: &'b Index<'a>,
    pub target: &'b TargetInput<'a>,
    pub placement: &'b Placement<'a>,
    pub flow: &'b Flow,
    /// The address the stopped reason says the task dialled for this flow, if any.
    pub dialled: Option<Ipv4Addr>,
}

impl<'a> PathContext<'a, '_> {
    /// The task's security groups found in the snapshot, and the ids that were not.
    pub fn task_groups(&self) -> (Vec<&'a SecurityGroup>, Vec<&str>) {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in &self.placement.security_group_ids {
            match self.index.security_group(id) {
                Some(group) => found.push(group),
                None => missing.push(id.as_str()),
            }
        }
        (found, missing)
    }

    pub fn execution_role(&self) -> Option<&'a str> {
        self.target
            .definition
            .and_then(|definition| definition.execution_role_arn.as_deref())
    }

    /// The role whose credentials the flow's requests carry: the execution role, or on the EC2
    /// launch type without one, the container instance's role (the agent's own credentials).
    /// Secrets are only ever fetched with the execution role.
    pub fn pulling_role(&self) -> Option<&'a str> {
        match (self.execution_role(), self.placement.instance) {
            (Some(role), _) => Some(role),
            (None, Some(instance)) if !self.flow.kind.needs_execution_role() => {
                instance.role_arn.as_deref()
            }
            (None, _) => None,
        }
    }

    /// Whose interface the flow leaves through, as a title starts: "Task" or "Container instance".
    pub fn source_kind(&self) -> &'static str {
        if self.placement.instance.is_some() {
            "Container instance"
        } else {
            "Task"
        }
    }

    /// How findings name the pulling role: "execution role" or "container instance role".
    pub fn pulling_role_kind(&self) -> &'static str {
        if self.execution_role().is_none() && self.placement.instance.is_some() {
            "container instance role"
        } else {
            "execution role"
        }
    }

    /// The DHCP option set's resolvers when they are not the Amazon-provided resolver.
    pub fn custom_dns_servers(&self) -> Vec<&'a str> {
        let vpc = self.placement.vpc;
        let Some(options) = self.index.dhcp_options(vpc) else {
            return Vec::new();
        };
        let amazon_resolvers: Vec<String> = vpc
            .cidr_blocks
            .iter()
            .map(|cidr| cidr.nth_address(2).to_string())
            .chain([
                "169.254.169.253".to_string(),
                "amazonprovideddns".to_string(),
            ])
            .collect();
        let servers: Vec<&str> = options
            .domain_name_servers
            .iter()
            .map(String::as_str)
            .collect();
        if servers.is_empty()
            || servers
                .iter()
                .all(|server| amazon_resolvers.contains(&server.to_ascii_lowercase()))
        {
            Vec::new()
        } else {
            servers
        }
    }

    /// How the VPC's resolver answers the flow's host (Resolver rules, private hosted zones). With
    /// custom DNS servers in the DHCP options the VPC resolver is not asked directly: `Resolver`
    /// (PC104 and PC109 judge those servers).
    pub fn dns_answer(&self) -> super::dns::Answer<'a> {
        if !self.custom_dns_servers().is_empty() {
            return super::dns::Answer::Resolver;
        }
        let service = self.flow.endpoint_service(&self.index.snapshot.region);
        super::dns::resolve(
            self.index,
            self.placement.vpc,
            &self.flow.host,
            service.as_deref(),
        )
    }

    /// Whether the task reaches `endpoint` across a transit gateway or a peering connection
    /// (it is in another VPC), and how: the route of the task's subnet to its first interface.
    pub fn route_to_remote(&self, endpoint: &VpcEndpoint) -> Option<&'a crate::snapshot::Route> {
        if endpoint.vpc_id == self.placement.vpc.id {
            return None;
        }
        let eni = endpoint.network_interfaces.first()?;
        super::reach::route_for(
            self.index,
            self.placement.route_table?,
            &Ipv4Cidr::host(eni.private_ip),
        )
    }

    /// Whether rules that reference security groups can match between the task and `endpoint`:
    /// in the same VPC, or across a peering connection; not across a transit gateway.
    pub fn group_references_reach(&self, endpoint: &VpcEndpoint) -> bool {
        endpoint.vpc_id == self.placement.vpc.id
            || self.route_to_remote(endpoint).is_some_and(|route| {
                route.target_kind() == crate::snapshot::RouteTargetKind::VpcPeering
            })
    }

    /// The S3 prefix list of the flow's region, when the snapshot holds it.
    pub fn s3_prefix_list(&self) -> Option<&'a crate::snapshot::PrefixList> {
        self.index
            .prefix_list_named(&format!("com.amazonaws.{}.s3", self.flow.region))
    }

    /// The addresses a public path must reach: the S3 prefix list's CIDRs for layers, the
    /// address the task dialled when the stopped reason names it, else "some public address".
    pub fn public_destinations(&self) -> Vec<AddressSet> {
        if self.flow.kind == FlowKind::S3Layers
            && let Some(list) = self.s3_prefix_list().filter(|list| !list.cidrs.is_empty())
        {
            return list.cidrs.iter().copied().map(AddressSet::Block).collect();
        }
        match self
            .dialled
            .map(Ipv4Cidr::host)
            .filter(|ip| !ip.is_non_public())
        {
            Some(ip) => vec![AddressSet::Block(ip)],
            None => vec![AddressSet::Public],
        }
    }

    /// Whether the flow goes to "some public address" (no prefix list, no address dialled): a
    /// route table is then read by its widest public route, and a narrower one may take part of
    /// the public space elsewhere.
    pub fn public_address_unknown(&self) -> bool {
        self.public_destinations().contains(&AddressSet::Public)
    }

    /// The routes of `table` narrower than `chosen` that take part of the public address space
    /// elsewhere (another target, or a blackhole), when the flow's public address is unknown:
    /// which route carries the flow then depends on the address its name resolves to.
    pub fn public_routes_split<'t>(
        &self,
        table: &'t crate::snapshot::RouteTable,
        chosen: &crate::snapshot::Route,
    ) -> Vec<&'t crate::snapshot::Route> {
        use crate::snapshot::{RouteDestination, RouteState};
        let RouteDestination::Cidr(widest) = &chosen.destination else {
            return Vec::new();
        };
        if !self.public_address_unknown() {
            return Vec::new();
        }
        table
            .routes
            .iter()
            .filter(|route| match &route.destination {
                RouteDestination::Cidr(block) => {
                    narrower_public(widest, block)
                        && (route.target != chosen.target || route.state == RouteState::Blackhole)
                }
                _ => false,
            })
            .collect()
    }

    /// [`PathContext::public_routes_split`] for a transit gateway route table: the routes
    /// narrower than `chosen` that send part of the public space to other attachments or drop
    /// it.
    pub fn public_tgw_routes_split<'t>(
        &self,
        table: &'t crate::snapshot::TransitGatewayRouteTable,
        chosen: &crate::snapshot::TransitGatewayRoute,
    ) -> Vec<&'t crate::snapshot::TransitGatewayRoute> {
        if !self.public_address_unknown() {
            return Vec::new();
        }
        table
            .routes
            .iter()
            .filter(|route| {
                narrower_public(&chosen.destination, &route.destination)
                    && (route.attachment_ids != chosen.attachment_ids
                        || route.state == crate::snapshot::RouteState::Blackhole)
            })
            .collect()
    }

    /// The target's subnets, one per Availability Zone (an endpoint takes one subnet per zone).
    pub fn target_subnets_per_zone(&self) -> Vec<&'a str> {
        let mut zones = Vec::new();
        let mut subnets = Vec::new();
        for placement in &self.target.placements {
            if !zones.contains(&&placement.subnet.availability_zone) {
                zones.push(&placement.subnet.availability_zone);
                subnets.push(placement.subnet.id.as_str());
            }
        }
        subnets
    }

    /// The route tables of all the target's subnets, without repeats.
    pub fn target_route_tables(&self) -> Vec<&'a str> {
        let mut tables: Vec<&str> = Vec::new();
        for table in self
            .target
            .placements
            .iter()
            .filter_map(|placement| placement.route_table)
        {
            if !tables.contains(&table.id.as_str()) {
                tables.push(&table.id);
            }
        }
        tables
    }

    /// Asks a network ACL check about one side of the hop at `site`: `ask(subnet, peer)`.
    ///
    /// At an endpoint interface, only when it sits in another subnet than the task (network ACLs
    /// filter traffic that crosses a subnet boundary, not traffic inside one): the task side
    /// asks the task subnet about the interface's address, the endpoint side asks the
    /// interface's subnet about the task. On a routed path (gateway endpoint, internet) only the
    /// task side applies, for each public destination in turn: the first that is blocked is
    /// reported, else the first one's evidence.
    pub fn ask_network_acl(
        &self,
        site: Site,
        side: AclSide,
        ask: impl Fn(&str, &AddressSet) -> Verdict,
    ) -> Option<Verdict> {
        match (site, side) {
            (Site::EndpointInterface(_, eni), side)
                if eni.subnet_id != self.placement.subnet.id =>
            {
                Some(match side {
                    AclSide::TaskSubnet => ask(
                        self.subnet_id(),
                        &AddressSet::Block(Ipv4Cidr::host(eni.private_ip)),
                    ),
                    AclSide::EndpointSubnet => ask(&eni.subnet_id, &self.placement.source),
                })
            }
            (Site::Internet6(_), AclSide::TaskSubnet) => {
                Some(ask(self.subnet_id(), &AddressSet::PublicIpv6))
            }
            (site, AclSide::TaskSubnet) if site.is_routed() => {
                let mut reported = None;
                for destination in self.public_destinations() {
                    let verdict = ask(self.subnet_id(), &destination);
                    let passes = matches!(verdict, Verdict::Pass(_));
                    if !passes || reported.is_none() {
                        reported = Some(verdict);
                    }
                    if !passes {
                        break;
                    }
                }
                reported
            }
            _ => None,
        }
    }

    /// The task's addresses as one block: its private IP when known, else its subnet's CIDR
    /// (what a return route must cover).
    pub fn source_block(&self) -> Ipv4Cidr {
        match &self.placement.source {
            AddressSet::Block(block) => *block,
            _ => self
                .placement
                .subnet
                .cidr_block
                .unwrap_or(Ipv4Cidr::host(std::net::Ipv4Addr::UNSPECIFIED)),
        }
    }

    pub fn subnet_id(&self) -> &'a str {
        &self.placement.subnet.id
    }
}

/// Whether `block` is narrower than `widest`, inside it, and holds public addresses.
fn narrower_public(widest: &crate::net::Ipv4Cidr, block: &crate::net::Ipv4Cidr) -> bool {
    block.prefix_len() > widest.prefix_len() && widest.contains(block) && !block.is_non_public()
}
