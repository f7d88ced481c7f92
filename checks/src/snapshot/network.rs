use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::net::{Ipv4Cidr, PortRange, Protocol};

macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_serde!(Ipv4Cidr);
string_serde!(Protocol);
string_serde!(Peer);
string_serde!(RouteDestination);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub cidr_blocks: Vec<Ipv4Cidr>,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp_options_id: Option<String>,
    /// The account that owns the VPC (`DescribeVpcs`' `OwnerId`); absent when not recorded
    /// (before schema 4), which means the snapshot's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DhcpOptions {
    pub id: String,
    /// `AmazonProvidedDNS` or resolver IPs, as in the `domain-name-servers` option.
    #[serde(default)]
    pub domain_name_servers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    /// The subnet's IPv4 block; absent for an IPv6-only subnet (`ipv6_native`), whose
    /// interfaces have no IPv4 address at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Ipv4Cidr>,
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    /// The IPv6 blocks associated with the subnet (`Ipv6CidrBlockAssociationSet`, state
    /// `associated`). `None`: not recorded (a snapshot of schema 3 or earlier), so whether the
    /// subnet has IPv6 is unknown; `Some([])`: it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_blocks: Option<Vec<String>>,
    /// An IPv6-only subnet (`Ipv6Native`): no IPv4 block, IPv6 addresses only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ipv6_native: bool,
    /// `EnableDns64`: the Route 53 Resolver answers IPv4-only names with synthesised
    /// `64:ff9b::/96` addresses, which a NAT gateway translates (NAT64).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_dns64: bool,
    /// The account that owns the subnet (`DescribeSubnets`' `OwnerId`): another account than the
    /// snapshot's for a subnet shared with it through AWS RAM, whose VPC's route tables, network
    /// ACLs and endpoints belong to that owner. Absent when not recorded (before schema 4), which
    /// means the snapshot's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

impl Subnet {
    /// Whether an interface in the subnet has an IPv4 address.
    pub fn has_ipv4(&self) -> bool {
        self.cidr_block.is_some() && !self.ipv6_native
    }

    /// The subnet's IPv6 blocks: `None` when the snapshot does not record them.
    pub fn ipv6_blocks(&self) -> Option<Vec<ipnet::Ipv6Net>> {
        self.ipv6_cidr_blocks
            .as_ref()
            .map(|blocks| blocks.iter().filter_map(|b| b.parse().ok()).collect())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    /// The VPC's main table serves every subnet without an explicit association.
    #[serde(default)]
    pub main: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// A CIDR block or a managed prefix list id (`pl-…`).
    pub destination: RouteDestination,
    /// `local`, or the id of the target: `igw-…`, `nat-…`, `vpce-…`, `tgw-…`, `pcx-…`, `vgw-…`, `eni-…`.
    pub target: String,
    #[serde(default)]
    pub state: RouteState,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RouteDestination {
    Cidr(Ipv4Cidr),
    PrefixList(String),
    /// An IPv6 block (`DestinationIpv6CidrBlock`): matched only by the IPv6 path of a flow to a
    /// dual-stack host; IPv4 flows never match it.
    Ipv6(String),
}

impl FromStr for RouteDestination {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with("pl-") {
            Ok(RouteDestination::PrefixList(text.to_string()))
        } else if text.contains(':') {
            Ok(RouteDestination::Ipv6(text.to_string()))
        } else {
            text.parse().map(RouteDestination::Cidr)
        }
    }
}

impl fmt::Display for RouteDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDestination::Cidr(cidr) => write!(f, "{cidr}"),
            RouteDestination::PrefixList(id) | RouteDestination::Ipv6(id) => f.write_str(id),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    #[default]
    Active,
    Blackhole,
}

/// What a route sends traffic to, told apart by the id's prefix as AWS does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteTargetKind {
    Local,
    InternetGateway,
    EgressOnlyInternetGateway,
    NatGateway,
    VpcEndpoint,
    TransitGateway,
    VpcPeering,
    VirtualPrivateGateway,
    NetworkInterface,
    Instance,
    Other,
}

impl Route {
    pub fn target_kind(&self) -> RouteTargetKind {
        let target = self.target.as_str();
        match target.split('-').next().unwrap_or_default() {
            "local" => RouteTargetKind::Local,
            "igw" => RouteTargetKind::InternetGateway,
            "eigw" => RouteTargetKind::EgressOnlyInternetGateway,
            "nat" => RouteTargetKind::NatGateway,
            "vpce" => RouteTargetKind::VpcEndpoint,
            "tgw" => RouteTargetKind::TransitGateway,
            "pcx" => RouteTargetKind::VpcPeering,
            "vgw" => RouteTargetKind::VirtualPrivateGateway,
            "eni" => RouteTargetKind::NetworkInterface,
            "i" => RouteTargetKind::Instance,
            _ => RouteTargetKind::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub entries: Vec<NaclEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaclEntry {
    pub rule_number: u16,
    pub egress: bool,
    pub protocol: Protocol,
    pub action: RuleAction,
    /// IPv4 block; an entry with an IPv6 block has none and never matches IPv4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Ipv4Cidr>,
    /// IPv6 block (`Ipv6CidrBlock`, schema 4); never matches IPv4. A schema 3 file stored IPv6
    /// entries with neither block: such an entry matches nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<String>,
    /// Absent means all ports (as for protocol `-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub vpc_id: String,
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    #[serde(default)]
    pub egress: Vec<SgRule>,
}

/// One security group rule with exactly one peer, as `DescribeSecurityGroupRules` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub protocol: Protocol,
    /// Absent for protocol `-1` (all ports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
    /// A CIDR block, a security group id (`sg-…`) or a prefix list id (`pl-…`).
    pub peer: Peer,
}

impl SgRule {
    pub fn allows(&self, protocol: Protocol, ports: &PortRange) -> bool {
        self.protocol.includes(protocol)
            && (self.protocol == Protocol::All
                || self.port_range.unwrap_or(PortRange::ALL).contains(ports))
    }

    /// How the rule reads in a finding: `sgr-…` (tcp 443 → pl-…).
    pub fn describe(&self) -> String {
        let ports = match (self.protocol, self.port_range) {
            (Protocol::All, _) | (_, None) => "all ports".to_string(),
            (_, Some(range)) => format!("port {range}"),
        };
        let id = self
            .rule_id
            .as_deref()
            .map(|id| format!("{id} "))
            .unwrap_or_default();
        format!("{id}({} {ports} {})", self.protocol, self.peer)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Cidr(Ipv4Cidr),
    Ipv6(String),
    SecurityGroup(String),
    PrefixList(String),
}

impl FromStr for Peer {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with("sg-") {
            Ok(Peer::SecurityGroup(text.to_string()))
        } else if text.starts_with("pl-") {
            Ok(Peer::PrefixList(text.to_string()))
        } else if text.contains(':') {
            Ok(Peer::Ipv6(text.to_string()))
        } else {
            text.parse().map(Peer::Cidr)
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Cidr(cidr) => write!(f, "{cidr}"),
            Peer::Ipv6(id) | Peer::SecurityGroup(id) | Peer::PrefixList(id) => f.write_str(id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixList {
    pub id: String,
    /// `com.amazonaws.<region>.s3` for the AWS-managed S3 list.
    pub name: String,
    #[serde(default)]
    pub cidrs: Vec<Ipv4Cidr>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service_name: String,
    pub endpoint_type: EndpointType,
    /// `available`, `pending`, `pendingAcceptance`, `failed`, `rejected`, `deleting`, ...
    pub state: String,
    #[serde(default)]
    pub private_dns_enabled: bool,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub network_interfaces: Vec<EndpointInterface>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub route_table_ids: Vec<String>,
    /// The endpoint policy; absent means the default full-access policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
    /// The endpoint's own DNS names (`vpce-….api.ecr.us-east-1.vpce.amazonaws.com` and its zonal
    /// ones), lowercase: what a private hosted zone's alias record points at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
}

impl VpcEndpoint {
    pub fn is_available(&self) -> bool {
        self.state.eq_ignore_ascii_case("available")
    }

    /// The short service name: `ecr.dkr`, `s3`, `logs`, ...
    pub fn short_service(&self) -> &str {
        short_service_name(&self.service_name)
    }
}

/// `com.amazonaws.us-east-1.ecr.dkr` → `ecr.dkr`.
pub fn short_service_name(service_name: &str) -> &str {
    service_name.splitn(4, '.').nth(3).unwrap_or(service_name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointType {
    Interface,
    Gateway,
    GatewayLoadBalancer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointInterface {
    pub id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    pub private_ip: std::net::Ipv4Addr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// `available`, `pending`, `failed`, `deleting`, `deleted`.
    pub state: String,
    /// `public` or `private`.
    pub connectivity_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    pub id: String,
    /// VPCs the gateway is attached to (state `available`/`attached`).
    #[serde(default)]
    pub attached_vpc_ids: Vec<String>,
}
