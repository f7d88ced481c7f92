//! Route 53 private hosted zones that may answer a name the targets' flows dial.
//!
//! Reads (Amazon Route 53 API Reference), in three rounds:
//! 1. `ListHostedZonesByVPC` for each VPC given (the private zones associated with it, in the
//!    VPC's region), and `ListHostedZonesByName` for each name a zone covering a dialled host
//!    could have (the host and its parents down to three labels: `api.ecr.REGION.amazonaws.com`,
//!    `ecr.REGION.amazonaws.com`, `REGION.amazonaws.com`). The second finds a zone that exists
//!    but is not associated with the VPC, a common mistake; its `vpc_ids` then lack the VPC.
//! 2. `GetHostedZone` for each private zone kept (its VPC associations): those covering a
//!    dialled host, and those associated with the VPCs under `amazonaws.com` (a zone named
//!    `ecr.api.REGION.amazonaws.com` answers nothing, and says why).
//! 3. `ListResourceRecordSets` for the zones that cover a dialled host: its A, AAAA and CNAME
//!    records (alias or not).
//!
//! Every failure is a gap naming the action and the zone (or the VPC); a zone whose association
//! read failed keeps the VPCs `ListHostedZonesByVPC` found it in.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_route53::Client;
use aws_sdk_route53::types::{ResourceRecordSet, RrType, VpcRegion};
use ecr_pathcheck_checks::snapshot::{DnsRecord, HostedZone, domain_covers};
use futures::future::try_join_all;

use super::normalize_name;
use crate::collect::call::{Calls, Outcome};

/// Pages of one zone's records read at most (Route 53 answers up to 300 per page); a larger zone
/// is a gap about it.
const RECORD_PAGES: usize = 20;

/// Route 53 answers this for a zone deleted between the listing and the read.
const NO_SUCH_ZONE: &[&str] = &["NoSuchHostedZone"];

/// What one of the listings said about a zone.
#[derive(Debug, Default)]
struct Found {
    name: String,
    private: bool,
    /// The VPCs whose `ListHostedZonesByVPC` listed it.
    listed_in: BTreeSet<String>,
}

/// The private hosted zones that may answer `hosts` in `vpc_ids` (of `region`), with their VPC
/// associations and, for those covering a host, their records.
pub async fn hosted_zones(
    client: &Client,
    calls: &Calls,
    region: &str,
    vpc_ids: &BTreeSet<String>,
    hosts: &BTreeSet<String>,
) -> anyhow::Result<Vec<HostedZone>> {
    if vpc_ids.is_empty() || hosts.is_empty() {
        return Ok(Vec::new());
    }
    let names = zone_names(hosts);
    let (by_vpc, by_name) = tokio::try_join!(
        try_join_all(
            vpc_ids
                .iter()
                .map(|vpc| zones_of_vpc(client, calls, region, vpc))
        ),
        try_join_all(names.iter().map(|name| zones_named(client, calls, name))),
    )?;
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for (vpc, zones) in vpc_ids.iter().zip(by_vpc) {
        for (id, name) in zones {
            let entry = found.entry(id).or_default();
            entry.name = name;
            entry.private = true;
            entry.listed_in.insert(vpc.clone());
        }
    }
    for (id, name, private) in by_name.into_iter().flatten() {
        let entry = found.entry(id).or_default();
        entry.name = name;
        entry.private |= private;
    }
    // Public zones answer nothing inside a VPC; other private zones of the VPC matter only when
    // they cover a dialled host, or are named like an AWS service's (a misnamed zone).
    found.retain(|_, zone| {
        zone.private
            && (hosts.iter().any(|host| domain_covers(&zone.name, host))
                || domain_covers("amazonaws.com", &zone.name))
    });
    let zones = found.into_iter().map(|(id, zone)| async move {
        let covering = hosts.iter().any(|host| domain_covers(&zone.name, host));
        let (associations, records) = tokio::join!(associations(client, calls, &id), async {
            if covering {
                records(client, calls, &id).await
            } else {
                Ok(Some(Vec::new()))
            }
        });
        let (Some(associations), Some(records)) = (associations?, records?) else {
            // Deleted since it was listed.
            return Ok::<_, anyhow::Error>(None);
        };
        let mut vpc_ids: BTreeSet<String> = zone.listed_in;
        vpc_ids.extend(associations.unwrap_or_default());
        Ok(Some(HostedZone {
            id,
            name: zone.name,
            private: true,
            vpc_ids: vpc_ids.into_iter().collect(),
            records,
        }))
    });
    // The association read and the records read run side by side: one round each zone.
    Ok(try_join_all(zones).await?.into_iter().flatten().collect())
}

/// The names a zone covering one of `hosts` may have: each host and its parents of three labels
/// or more (`111122223333.dkr.ecr.us-east-1.amazonaws.com`, `dkr.ecr.us-east-1.amazonaws.com`,
/// `ecr.us-east-1.amazonaws.com`, `us-east-1.amazonaws.com`).
pub fn zone_names(hosts: &BTreeSet<String>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for host in hosts {
        let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
        for start in 0..labels.len().saturating_sub(2) {
            names.insert(labels[start..].join(".").to_ascii_lowercase());
        }
    }
    names
}

/// A zone id as the snapshot holds it: `Z…`, without the `/hostedzone/` prefix.
fn zone_id(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// `ListHostedZonesByVPC`: the private zones associated with `vpc`, as (id, name); empty on a gap.
async fn zones_of_vpc(
    client: &Client,
    calls: &Calls,
    region: &str,
    vpc: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let pages = async {
        let mut zones = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = client
                .list_hosted_zones_by_vpc()
                .vpc_id(vpc)
                .vpc_region(VpcRegion::from(region))
                .set_next_token(token.take())
                .send()
                .await?;
            zones.extend(page.hosted_zone_summaries().iter().filter_map(|summary| {
                Some((
                    zone_id(summary.hosted_zone_id()),
                    normalize_name(summary.name())?,
                ))
            }));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(zones),
            }
        }
    };
    Ok(calls
        .run("route53:ListHostedZonesByVPC", Some(vpc), &[], pages)
        .await?
        .found()
        .unwrap_or_default())
}

/// `ListHostedZonesByName` from `name`: the zones of exactly that name (several private zones may
/// share one), as (id, name, private). Route 53 lists the account's zones in order from `name`,
/// so the pages end at the first zone of another name.
async fn zones_named(
    client: &Client,
    calls: &Calls,
    name: &str,
) -> anyhow::Result<Vec<(String, String, bool)>> {
    let pages = async {
        let mut zones = Vec::new();
        let mut next: Option<(String, String)> = None;
        loop {
            let mut request = client.list_hosted_zones_by_name().max_items(100);
            request = match next.take() {
                Some((dns_name, zone)) => request.dns_name(dns_name).hosted_zone_id(zone),
                None => request.dns_name(name),
            };
            let page = request.send().await?;
            let mut other_name = false;
            for zone in page.hosted_zones() {
                match normalize_name(zone.name()) {
                    Some(found) if found == name => zones.push((
                        zone_id(zone.id()),
                        found,
                        zone.config().is_some_and(|config| config.private_zone()),
                    )),
                    _ => other_name = true,
                }
            }
            match (
                page.is_truncated(),
                page.next_dns_name(),
                page.next_hosted_zone_id(),
            ) {
                (true, Some(dns_name), Some(zone))
                    if !other_name && normalize_name(dns_name).as_deref() == Some(name) =>
                {
                    next = Some((dns_name.to_string(), zone.to_string()));
                }
                _ => return Ok(zones),
            }
        }
    };
    Ok(calls
        .run("route53:ListHostedZonesByName", Some(name), &[], pages)
        .await?
        .found()
        .unwrap_or_default())
}

/// `GetHostedZone`: the zone's VPCs. `Ok(None)` when the zone no longer exists, `Ok(Some(None))`
/// on a gap.
async fn associations(
    client: &Client,
    calls: &Calls,
    id: &str,
) -> anyhow::Result<Option<Option<Vec<String>>>> {
    let request = client.get_hosted_zone().id(id).send();
    Ok(
        match calls
            .run("route53:GetHostedZone", Some(id), NO_SUCH_ZONE, request)
            .await?
        {
            Outcome::Found(output) => Some(Some(
                output
                    .vpcs()
                    .iter()
                    .filter_map(|vpc| vpc.vpc_id().map(str::to_string))
                    .collect(),
            )),
            Outcome::Absent(_) => None,
            Outcome::Gap => Some(None),
        },
    )
}

/// `ListResourceRecordSets`: the zone's A, AAAA and CNAME records. `Ok(None)` when the zone no
/// longer exists; empty on a gap (the gap names the zone).
async fn records(
    client: &Client,
    calls: &Calls,
    id: &str,
) -> anyhow::Result<Option<Vec<DnsRecord>>> {
    let pages = async {
        let mut sets: Vec<ResourceRecordSet> = Vec::new();
        let mut start: Option<(String, RrType, Option<String>)> = None;
        for _ in 0..RECORD_PAGES {
            let mut request = client.list_resource_record_sets().hosted_zone_id(id);
            if let Some((name, kind, identifier)) = start.take() {
                request = request
                    .start_record_name(name)
                    .start_record_type(kind)
                    .set_start_record_identifier(identifier);
            }
            let page = request.send().await?;
            sets.extend(page.resource_record_sets().iter().cloned());
            match (
                page.is_truncated(),
                page.next_record_name(),
                page.next_record_type(),
            ) {
                (true, Some(name), Some(kind)) => {
                    start = Some((
                        name.to_string(),
                        kind.clone(),
                        page.next_record_identifier().map(str::to_string),
                    ));
                }
                _ => return Ok((sets, false)),
            }
        }
        Ok((sets, true))
    };
    let outcome = calls
        .run(
            "route53:ListResourceRecordSets",
            Some(id),
            NO_SUCH_ZONE,
            pages,
        )
        .await?;
    Ok(match outcome {
        Outcome::Found((sets, cut)) => {
            if cut {
                calls.record_gap(
                    "route53:ListResourceRecordSets",
                    Some(id),
                    "LimitExceeded",
                    &format!(
                        "the zone holds more than {RECORD_PAGES} pages of records; the collector read those pages only"
                    ),
                );
            }
            Some(sets.iter().filter_map(convert_record).collect())
        }
        Outcome::Absent(_) => None,
        Outcome::Gap => Some(Vec::new()),
    })
}

/// One record as the snapshot holds it: A, AAAA and CNAME only, its name normalized, an alias
/// target's DNS name lowercased without the trailing dot; `None` for any other type, or a name or
/// value that no dialled host could be answered by.
fn convert_record(set: &ResourceRecordSet) -> Option<DnsRecord> {
    let record_type = match set.r#type() {
        RrType::A => "A",
        RrType::Aaaa => "AAAA",
        RrType::Cname => "CNAME",
        _ => return None,
    };
    let values = set
        .resource_records()
        .iter()
        .map(|record| {
            let value = record.value().trim();
            if record_type == "CNAME" {
                normalize_name(value)
            } else {
                value
                    .parse::<std::net::IpAddr>()
                    .ok()
                    .map(|ip| ip.to_string())
            }
        })
        .collect::<Option<Vec<String>>>()?;
    let alias_target = match set.alias_target() {
        Some(alias) => Some(normalize_name(alias.dns_name())?),
        None => None,
    };
    Some(DnsRecord {
        name: normalize_name(set.name())?,
        record_type: record_type.to_string(),
        alias_target,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_are_each_host_and_its_parents_of_three_labels() {
        let hosts = BTreeSet::from([
            "api.ecr.us-east-1.amazonaws.com".to_string(),
            "111122223333.dkr.ecr.us-east-1.amazonaws.com".to_string(),
            "registry-1.docker.io".to_string(),
        ]);
        let names: Vec<String> = zone_names(&hosts).into_iter().collect();
        assert_eq!(
            names,
            [
                "111122223333.dkr.ecr.us-east-1.amazonaws.com",
                "api.ecr.us-east-1.amazonaws.com",
                "dkr.ecr.us-east-1.amazonaws.com",
                "ecr.us-east-1.amazonaws.com",
                "registry-1.docker.io",
                "us-east-1.amazonaws.com",
            ]
        );
    }
}
