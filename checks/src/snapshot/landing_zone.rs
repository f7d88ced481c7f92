//! What a landing-zone network adds to a VPC: Route 53 private hosted zones and Resolver rules
//! (how the VPC's resolver answers a name), transit gateways and VPC peering (routes beyond the
//! VPC, to a hub's shared endpoints), and instances a route may point at (NAT instances).
//!
//! Sources: Route 53 API Reference (`ListHostedZonesByVPC`, `GetHostedZone`,
//! `ListResourceRecordSets`), Route 53 Resolver API Reference (`ListResolverRules`,
//! `ListResolverRuleAssociations`), Amazon EC2 API Reference
//! (`DescribeTransitGatewayAttachments`, `DescribeTransitGatewayRouteTables`,
//! `SearchTransitGatewayRoutes`, `DescribeVpcPeeringConnections`, `DescribeInstances`).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::RouteState;
use crate::net::Ipv4Cidr;

/// A Route 53 hosted zone that answers in a VPC the targets use, or that covers a name their
/// flows dial (a zone of that name found elsewhere in the account, not associated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostedZone {
    /// The zone id without its `/hostedzone/` prefix: `Z0123456789ABCDEFGHIJ`.
    pub id: String,
    /// The zone's domain, lowercase, without the trailing dot: `api.ecr.us-east-1.amazonaws.com`.
    pub name: String,
    pub private: bool,
    /// The VPCs the zone is associated with (`GetHostedZone`); a private zone answers only there.
    #[serde(default)]
    pub vpc_ids: Vec<String>,
    /// Its A, AAAA and CNAME records (`ListResourceRecordSets`), read for the zones that cover a
    /// name a flow dials.
    #[serde(default)]
    pub records: Vec<DnsRecord>,
}

impl HostedZone {
    /// Whether the zone's domain is `name` or a parent of it.
    pub fn covers(&self, name: &str) -> bool {
        domain_covers(&self.name, name)
    }
}

/// Whether `domain` is `name` or one of its parent domains (`amazonaws.com` covers
/// `api.ecr.us-east-1.amazonaws.com`; `.` and the empty domain cover everything).
pub fn domain_covers(domain: &str, name: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    domain.is_empty()
        || name == domain
        || name
            .strip_suffix(&domain)
            .is_some_and(|head| head.ends_with('.'))
}

/// One record of a hosted zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// Lowercase, without the trailing dot; a wildcard is `*.dkr.ecr.us-east-1.amazonaws.com`.
    pub name: String,
    /// `A`, `AAAA` or `CNAME`.
    #[serde(rename = "type")]
    pub record_type: String,
    /// An alias record's target DNS name (an interface endpoint's DNS name), lowercase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<String>,
    /// The record's values: addresses for A/AAAA, a name for CNAME.
    #[serde(default)]
    pub values: Vec<String>,
}

impl DnsRecord {
    /// Whether the record answers `name`: its own name, or a wildcard one label deep or more
    /// (`*.dkr.ecr.REGION.amazonaws.com` answers `111122223333.dkr.ecr.REGION.amazonaws.com`).
    pub fn answers(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match self.name.strip_prefix("*.") {
            Some(parent) => name
                .strip_suffix(parent)
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            None => self.name == name,
        }
    }
}

/// A Route 53 Resolver rule associated with a VPC the targets use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolverRule {
    /// `rslvr-rr-…`.
    pub id: String,
    /// The domain it applies to, lowercase, without the trailing dot; `.` for every name.
    pub domain_name: String,
    pub rule_type: ResolverRuleType,
    /// Where a FORWARD rule sends queries (`10.1.0.2`, `10.1.0.2:53`).
    #[serde(default)]
    pub target_ips: Vec<String>,
    /// The VPCs the rule is associated with.
    #[serde(default)]
    pub vpc_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ResolverRuleType {
    /// Queries for the domain go to `target_ips`.
    Forward,
    /// The Resolver answers itself (private zones, endpoints, public DNS): it overrides a
    /// FORWARD rule for a parent domain.
    System,
    Recursive,
}

/// A transit gateway attachment of a VPC the targets use, or of a VPC their routes lead to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGatewayAttachment {
    /// `tgw-attach-…`.
    pub id: String,
    pub transit_gateway_id: String,
    /// `vpc`, `peering`, `vpn`, `direct-connect-gateway`, `connect`.
    pub resource_type: String,
    /// The VPC id for a `vpc` attachment.
    pub resource_id: String,
    /// `available`, `pending`, `deleting`, …
    pub state: String,
    /// The transit gateway route table the attachment is associated with: it decides where
    /// traffic entering the transit gateway from this attachment goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_route_table_id: Option<String>,
    /// The VPC attachment's subnets, one per Availability Zone it serves.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
}

/// A transit gateway route table with its routes (static, propagated, blackhole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGatewayRouteTable {
    /// `tgw-rtb-…`.
    pub id: String,
    pub transit_gateway_id: String,
    #[serde(default)]
    pub routes: Vec<TransitGatewayRoute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGatewayRoute {
    pub destination: Ipv4Cidr,
    /// The attachments traffic goes to; empty for a blackhole route.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    #[serde(default)]
    pub state: RouteState,
    /// `static` or `propagated`.
    pub route_type: String,
}

/// A VPC peering connection a route of the targets' VPCs points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    /// `pcx-…`.
    pub id: String,
    pub requester_vpc_id: String,
    pub accepter_vpc_id: String,
    /// `active`, `pending-acceptance`, `rejected`, `expired`, `deleted`, …
    pub status: String,
}

/// An EC2 instance a route points at (directly, or through its network interface): a NAT
/// instance or an appliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2Instance {
    /// `i-…`.
    pub id: String,
    pub subnet_id: String,
    /// `running`, `stopped`, …
    pub state: String,
    /// EC2's source/destination check: on, the instance drops traffic not addressed to itself,
    /// so it cannot forward (NAT) anything.
    pub source_dest_check: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
    /// Its network interfaces (`eni-…`), which a route may name instead of the instance.
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_cover_their_domain_and_below_only() {
        assert!(domain_covers(
            "api.ecr.us-east-1.amazonaws.com",
            "api.ecr.us-east-1.amazonaws.com."
        ));
        assert!(domain_covers(
            "amazonaws.com",
            "API.ecr.us-east-1.amazonaws.com"
        ));
        assert!(domain_covers(".", "anything.example"));
        assert!(!domain_covers(
            "ecr.api.us-east-1.amazonaws.com",
            "api.ecr.us-east-1.amazonaws.com"
        ));
        assert!(!domain_covers(
            "zonaws.com",
            "api.ecr.us-east-1.amazonaws.com"
        ));
    }

    #[test]
    fn wildcards_answer_one_label_or_more_below() {
        let record = |name: &str| DnsRecord {
            name: name.into(),
            record_type: "A".into(),
            alias_target: None,
            values: vec![],
        };
        let wildcard = record("*.dkr.ecr.us-east-1.amazonaws.com");
        assert!(wildcard.answers("111122223333.dkr.ecr.us-east-1.amazonaws.com"));
        assert!(!wildcard.answers("dkr.ecr.us-east-1.amazonaws.com"));
        assert!(
            record("dkr.ecr.us-east-1.amazonaws.com").answers("dkr.ecr.us-east-1.amazonaws.com.")
        );
        assert!(
            !record("dkr.ecr.us-east-1.amazonaws.com")
                .answers("111122223333.dkr.ecr.us-east-1.amazonaws.com")
        );
    }
}
