use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::dns::Answer;
use crate::facts::{PathContext, Site, Verdict};
use crate::snapshot::{DnsRecord, HostedZone, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// When a private hosted zone associated with the task's VPC covers a name a flow dials
    /// (`api.ecr.<region>.amazonaws.com`, `<account>.dkr.ecr.<region>.amazonaws.com`,
    /// `logs.<region>.amazonaws.com`, ...), checks that the zone has a record answering it, and
    /// names the interface endpoint that record points at (an alias to the endpoint's DNS name,
    /// as landing zones with shared endpoints in a hub VPC use).
    ///
    /// ## Why is this bad
    /// The most specific private zone associated with a VPC answers alone for every name it
    /// covers: a name without a record there is NXDOMAIN, never a fallback to public DNS (Amazon
    /// Route 53 Developer Guide, "Working with private hosted zones"). The registry host is
    /// `<account>.dkr.ecr.<region>.amazonaws.com`, so a `dkr.ecr` zone holding only its apex
    /// record fails every pull with `dial tcp: lookup ... no such host`.
    ///
    /// ## Example
    /// Zone `dkr.ecr.us-east-1.amazonaws.com`, associated with the spoke, with an alias
    /// `dkr.ecr.us-east-1.amazonaws.com` to the hub's `ecr.dkr` endpoint and no
    /// `*.dkr.ecr.us-east-1.amazonaws.com` record.
    ///
    /// ## Fix
    /// Add the record (for the registry, the wildcard `*.dkr.ecr.<region>.amazonaws.com`) as an
    /// alias to the interface endpoint's regional DNS name.
    pub static CHECK = ("PC106", "hosted-zone-record-missing", Error);
}

/// At an interface endpoint a zone's record points at: the evidence. At a zone whose answer is
/// no endpoint: NXDOMAIN (no record), or unknown (addresses the snapshot does not name).
pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::InterfaceEndpoint(endpoint) => answered_by(context, endpoint),
        Site::PrivateZone(zone, None) => Some(no_record(context, zone)),
        Site::PrivateZone(zone, Some(record)) => Some(Verdict::Unknown(
            CHECK
                .finding(format!(
                    "Private hosted zone {} answers {} with {}, which is no endpoint in the snapshot",
                    zone.name,
                    context.flow.host,
                    answer_text(record)
                ))
                .resources([zone.id.as_str()])
                .detail(format!(
                    "Record {} ({}) of zone {} ({}) is what {} resolves to in {}; where it leads is not in the snapshot, so this hop is unknown.",
                    record.name, record.record_type, zone.name, zone.id, context.flow.host, context.placement.vpc.id
                )),
        )),
        _ => None,
    }
}

fn answered_by(context: &PathContext, endpoint: &VpcEndpoint) -> Option<Verdict> {
    let answer = context.dns_answer();
    let Answer::Zone {
        zone,
        record: Some(record),
    } = answer
    else {
        return None;
    };
    (answer.endpoint(context.index).map(|e| e.id.as_str()) == Some(endpoint.id.as_str())).then(
        || {
            Verdict::Pass(format!(
                "private hosted zone {} ({}) answers {} with {} → {}",
                zone.name, zone.id, context.flow.host, record.name, endpoint.id
            ))
        },
    )
}

fn answer_text(record: &DnsRecord) -> String {
    match &record.alias_target {
        Some(target) => format!("an alias to {target}"),
        None => record.values.join(", "),
    }
}

/// The record a zone needs for `host`: the registry's wildcard, else the name itself.
fn record_name(zone: &HostedZone, host: &str) -> String {
    let zone_name = zone.name.trim_end_matches('.');
    match host.strip_suffix(zone_name) {
        Some(head) if head.ends_with('.') && zone_name.starts_with("dkr.ecr.") => {
            format!("*.{zone_name}")
        }
        _ => host.to_string(),
    }
}

fn no_record(context: &PathContext, zone: &HostedZone) -> Verdict {
    let host = &context.flow.host;
    let vpc = &context.placement.vpc.id;
    if let Some(gap) = context
        .index
        .gap_about(&["route53:ListResourceRecordSets"], &zone.id)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!(
                    "Whether private hosted zone {} answers {host} is unknown: its records could not be read",
                    zone.name
                ))
                .resources([zone.id.as_str()])
                .detail(super::collection_gap::because(gap)),
        );
    }
    let record = record_name(zone, host);
    let endpoint_service = context
        .flow
        .endpoint_service(&context.index.snapshot.region);
    let target = endpoint_service.as_deref().and_then(|service| {
        context
            .index
            .snapshot
            .vpc_endpoints
            .iter()
            .find(|endpoint| endpoint.service_name == *service && !endpoint.dns_names.is_empty())
    });
    let (alias_name, alias_zone) = match target {
        Some(endpoint) => (
            endpoint.dns_names[0].clone(),
            "<the endpoint's hosted zone id>".to_string(),
        ),
        None => (
            "<interface endpoint DNS name>".to_string(),
            "<the endpoint's hosted zone id>".to_string(),
        ),
    };
    let change = format!(
        r#"{{"Changes":[{{"Action":"CREATE","ResourceRecordSet":{{"Name":"{record}","Type":"A","AliasTarget":{{"HostedZoneId":"{alias_zone}","DNSName":"{alias_name}","EvaluateTargetHealth":false}}}}}}]}}"#
    );
    Verdict::Block(
        CHECK
            .finding(format!(
                "Private hosted zone {} has no record for {host}: the name does not resolve in {vpc}",
                zone.name
            ))
            .resources([zone.id.as_str(), vpc.as_str()])
            .detail(format!(
                "Zone {} ({}) is associated with {vpc} and covers {host}, so it answers alone: with no A, AAAA or CNAME record matching the name (nor a wildcard), the answer is NXDOMAIN, not public DNS. It needs {record} as an alias to the {} interface endpoint.",
                zone.name,
                zone.id,
                endpoint_service.as_deref().unwrap_or("service's")
            ))
            .fix(
                format!(
                    "aws route53 change-resource-record-sets --hosted-zone-id {} --change-batch {}",
                    sh(&zone.id),
                    sh(&change)
                ),
                format!(
                    "resource \"aws_route53_record\" \"{}\" {{\n  zone_id = \"{}\"\n  name    = \"{}\"\n  type    = \"A\"\n  alias {{\n    name                   = \"{}\"\n    zone_id                = \"{}\"  # {}\n    evaluate_target_health = false\n  }}\n}}",
                    label(&record),
                    hcl(&zone.id),
                    hcl(&record),
                    hcl(&alias_name),
                    hcl(&alias_zone),
                    note("aws_vpc_endpoint.<name>.dns_entry[0].hosted_zone_id")
                ),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn a_zone_with_its_records_answers_with_the_hub_endpoints() {
        assert!(findings_of(&scenario("hub-spoke-healthy"), "PC106").is_empty());
    }

    #[test]
    fn a_dkr_zone_without_its_wildcard_leaves_the_registry_unresolved() {
        let findings = findings_of(&scenario("hub-wildcard-record-missing"), "PC106");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["Z0HUBDKR000000000000", "vpc-0a1"]);
            assert!(finding.detail.contains("*.dkr.ecr.us-east-1.amazonaws.com"));
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains("change-resource-record-sets"));
            assert!(fix.terraform.contains("aws_route53_record"));
        }
    }

    #[test]
    fn unread_records_are_unknown() {
        let mut snapshot = scenario("hub-wildcard-record-missing");
        snapshot.gaps.push(crate::snapshot::CollectionGap {
            api: "route53:ListResourceRecordSets".into(),
            resource: Some("Z0HUBDKR000000000000".into()),
            error_code: "AccessDenied".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC106");
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    }
}
