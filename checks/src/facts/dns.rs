//! How the VPC's resolver answers a name, in the order the Route 53 Resolver applies: Resolver
//! rules associated with the VPC, then private hosted zones associated with it, then the VPC's
//! own interface endpoints with private DNS and public DNS (which the walker's endpoint and
//! internet paths model).
//!
//! Sources: Amazon Route 53 Developer Guide, "Forwarding outbound DNS queries to your network"
//! (the most specific rule wins; a SYSTEM rule overrides a FORWARD rule of a parent domain) and
//! "Working with private hosted zones" (the most specific zone associated with the VPC answers
//! alone: a name it covers without a record is NXDOMAIN, never a fallback to public DNS; the VPC
//! needs `enableDnsSupport` and `enableDnsHostnames`).

use super::Index;
use crate::snapshot::{
    CollectionGap, DnsRecord, EndpointType, HostedZone, ResolverRule, ResolverRuleType, Vpc,
    VpcEndpoint, domain_covers,
};

/// What answers a name in a VPC.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    /// A FORWARD rule associated with the VPC sends the query to other servers.
    Forwarded(&'a ResolverRule),
    /// A private hosted zone associated with the VPC covers the name; `record` is the one that
    /// answers it, `None` when the zone has none (NXDOMAIN).
    Zone {
        zone: &'a HostedZone,
        record: Option<&'a DnsRecord>,
    },
    /// Neither: the VPC's own endpoints (private DNS) or public DNS.
    Resolver,
    /// The VPC's Resolver rules or private hosted zones could not be read, and either could
    /// decide the name: how it resolves is unknown.
    Unread(&'a CollectionGap),
}

impl<'a> Answer<'a> {
    /// The interface endpoint a zone's record points at: an alias to one of its DNS names, a
    /// CNAME to one, or A records that are its interfaces' addresses.
    pub fn endpoint(&self, index: &Index<'a>) -> Option<&'a VpcEndpoint> {
        let Answer::Zone {
            record: Some(record),
            ..
        } = self
        else {
            return None;
        };
        let names: Vec<&str> = record
            .alias_target
            .iter()
            .map(String::as_str)
            .chain(
                (record.record_type == "CNAME")
                    .then_some(record.values.iter().map(String::as_str))
                    .into_iter()
                    .flatten(),
            )
            .map(|name| name.trim_end_matches('.'))
            .collect();
        index.snapshot.vpc_endpoints.iter().find(|endpoint| {
            endpoint.dns_names.iter().any(|dns| {
                names
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(dns) || zonal_of(name, dns))
            }) || (record.record_type == "A"
                && !record.values.is_empty()
                && record.values.iter().all(|value| {
                    endpoint
                        .network_interfaces
                        .iter()
                        .any(|eni| eni.private_ip.to_string() == *value)
                }))
        })
    }
}

/// A zonal DNS name of an endpoint (`vpce-x-y-us-east-1a.api.ecr…`) matches its regional one
/// (`vpce-x-y.api.ecr…`) for the purpose of naming the endpoint.
fn zonal_of(name: &str, regional: &str) -> bool {
    let (Some((head, tail)), Some((regional_head, regional_tail))) =
        (name.split_once('.'), regional.split_once('.'))
    else {
        return false;
    };
    tail.eq_ignore_ascii_case(regional_tail) && head.starts_with(regional_head)
}

/// How the VPC's resolver answers `name` (a host a flow dials). `service` is the endpoint
/// service that serves the name, if any (`com.amazonaws.us-east-1.ecr.api`).
pub fn resolve<'a>(index: &Index<'a>, vpc: &Vpc, name: &str, service: Option<&str>) -> Answer<'a> {
    let snapshot = index.snapshot;
    let unread = |apis: &[&str]| index.gap_about(apis, &vpc.id);
    // A rule that could not be read may be any VPC's (the collector reads each associated rule
    // once): it counts for every VPC, as an unread policy counts for every role.
    if let Some(gap) = unread(&["route53resolver:ListResolverRuleAssociations"])
        .or_else(|| index.gap("route53resolver:GetResolverRule"))
    {
        return Answer::Unread(gap);
    }
    // A VPC's own endpoint with private DNS owns its service's name: Route 53 refuses to
    // associate a private zone of the same name with the VPC, so unread zones cannot change it.
    let owned = service.is_some_and(|service| {
        index.endpoints_in(&vpc.id).iter().any(|endpoint| {
            endpoint.service_name == service
                && endpoint.endpoint_type == EndpointType::Interface
                && endpoint.private_dns_enabled
        })
    });
    if !owned && let Some(gap) = unread(&["route53:ListHostedZonesByVPC", "route53:GetHostedZone"])
    {
        return Answer::Unread(gap);
    }
    let rule = snapshot
        .resolver_rules
        .iter()
        .filter(|rule| rule.vpc_ids.contains(&vpc.id) && domain_covers(&rule.domain_name, name))
        .max_by_key(|rule| specificity(&rule.domain_name));
    if let Some(rule) = rule
        && rule.rule_type == ResolverRuleType::Forward
    {
        return Answer::Forwarded(rule);
    }
    let zone = snapshot
        .hosted_zones
        .iter()
        .filter(|zone| zone.private && zone.vpc_ids.contains(&vpc.id) && zone.covers(name))
        .max_by_key(|zone| specificity(&zone.name));
    match zone {
        Some(zone) => Answer::Zone {
            zone,
            record: record_for(zone, name),
        },
        None => Answer::Resolver,
    }
}

/// The record of `zone` that answers `name`: its own name first, then the most specific
/// wildcard. A/AAAA/CNAME only.
pub fn record_for<'a>(zone: &'a HostedZone, name: &str) -> Option<&'a DnsRecord> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let usable =
        |record: &&DnsRecord| matches!(record.record_type.as_str(), "A" | "AAAA" | "CNAME");
    zone.records
        .iter()
        .filter(usable)
        .find(|record| record.name == name)
        .or_else(|| {
            zone.records
                .iter()
                .filter(usable)
                .filter(|record| record.answers(&name))
                .max_by_key(|record| record.name.len())
        })
}

/// Labels in a domain: `.` has none, `amazonaws.com` two.
fn specificity(domain: &str) -> usize {
    domain
        .trim_end_matches('.')
        .split('.')
        .filter(|label| !label.is_empty())
        .count()
}

/// Private zones that were probably meant to answer `name` in `vpc` but do not: zones
/// associated with the VPC whose name has the same labels as the name's service domain in
/// another order or misspelt (`ecr.api.us-east-1.amazonaws.com` for `api.ecr…`), and zones that
/// cover the name but are not associated with the VPC. Each with why, in words.
pub fn near_misses<'a>(
    index: &Index<'a>,
    vpc: &Vpc,
    name: &str,
) -> Vec<(&'a HostedZone, NearMiss)> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    index
        .snapshot
        .hosted_zones
        .iter()
        .filter(|zone| zone.private)
        .filter_map(|zone| {
            if zone.covers(&name) {
                return (!zone.vpc_ids.contains(&vpc.id))
                    .then_some((zone, NearMiss::NotAssociated));
            }
            (zone.vpc_ids.contains(&vpc.id) && looks_meant_for(&zone.name, &name))
                .then_some((zone, NearMiss::Misnamed))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NearMiss {
    /// It covers the name, but is not associated with the VPC.
    NotAssociated,
    /// It is associated, but its name is not the name's domain nor a parent of it.
    Misnamed,
}

/// Whether `zone` reads like a misspelling of `name` or of one of its parent domains of three
/// labels or more: the same labels in another order, or at most two edits away. A zone of
/// another region is that region's, not a misspelling.
fn looks_meant_for(zone: &str, name: &str) -> bool {
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let region_of = |domain: &str| {
        domain
            .split('.')
            .find(|label| crate::arn::is_region(label))
            .map(str::to_string)
    };
    if let (Some(ours), Some(theirs)) = (region_of(name), region_of(&zone))
        && ours != theirs
    {
        return false;
    }
    (0..labels.len().saturating_sub(2)).any(|start| {
        let candidate = labels[start..].join(".");
        let mut ours: Vec<&str> = candidate.split('.').collect();
        let mut theirs: Vec<&str> = zone.split('.').collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        candidate != zone && (ours == theirs || strsim::levenshtein(&candidate, &zone) <= 2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_with_swapped_labels_or_a_typo_looks_meant_for_the_name() {
        let host = "api.ecr.us-east-1.amazonaws.com";
        assert!(looks_meant_for("ecr.api.us-east-1.amazonaws.com", host));
        assert!(looks_meant_for("api.ecr.us-east-1.amazonaws.co", host));
        assert!(!looks_meant_for("api.ecr.us-east-2.amazonaws.com", host));
        assert!(!looks_meant_for("logs.us-east-1.amazonaws.com", host));
        assert!(!looks_meant_for(host, host));
        assert!(looks_meant_for(
            "dkr.ecr.us-east-1.amazonaws.co",
            "111122223333.dkr.ecr.us-east-1.amazonaws.com"
        ));
        assert!(!looks_meant_for("example.com", host));
    }

    #[test]
    fn zonal_endpoint_names_match_their_regional_name() {
        assert!(zonal_of(
            "vpce-0abc-xyz-us-east-1a.api.ecr.us-east-1.vpce.amazonaws.com",
            "vpce-0abc-xyz.api.ecr.us-east-1.vpce.amazonaws.com"
        ));
        assert!(!zonal_of(
            "vpce-0abc-xyz.dkr.ecr.us-east-1.vpce.amazonaws.com",
            "vpce-0abc-xyz.api.ecr.us-east-1.vpce.amazonaws.com"
        ));
    }
}
