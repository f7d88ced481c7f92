use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::dns::{NearMiss, near_misses};
use crate::facts::{PathContext, Verdict};
use crate::snapshot::HostedZone;

declare_check! {
    /// ## What it does
    /// When no path carries a flow, looks for a private hosted zone associated with the task's
    /// VPC that was evidently meant to answer the flow's host but is misnamed: the same labels
    /// in another order (`ecr.api.us-east-1.amazonaws.com` for `api.ecr.us-east-1.amazonaws.com`)
    /// or a typo of at most two characters.
    ///
    /// ## Why is this bad
    /// A private zone answers only the names under its own domain. A misnamed one answers
    /// nothing the task dials, so the name resolves publicly and the task, with no route to the
    /// internet, times out dialling a public address. The zone is never mentioned by the error.
    ///
    /// ## Example
    /// A zone `ecr.api.us-east-1.amazonaws.com` with an alias to the hub's `ecr.api` endpoint,
    /// associated with the spoke.
    ///
    /// ## Fix
    /// Create the zone under the service's real name, with the same alias record, associate it
    /// with the VPCs, and delete the misnamed one.
    pub static CHECK = ("PC107", "hosted-zone-misnamed", Error);
}

pub fn check(context: &PathContext) -> Option<Verdict> {
    let vpc = &context.placement.vpc.id;
    let host = &context.flow.host;
    let (zone, _) = near_misses(context.index, context.placement.vpc, host)
        .into_iter()
        .find(|(_, miss)| *miss == NearMiss::Misnamed)?;
    let meant = meant_name(&zone.name, host);
    Some(Verdict::Block(
        CHECK
            .finding(format!(
                "Private hosted zone {} looks meant for {meant} but is misnamed: it answers nothing {host} needs",
                zone.name
            ))
            .resources([zone.id.as_str(), vpc.as_str()])
            .detail(format!(
                "Zone {} ({}) is associated with {vpc}, but {host} is not under it, so the name resolves through public DNS and no path carries the flow. A zone for {meant} with the same records would answer it.",
                zone.name, zone.id
            ))
            .fix(cli_fix(context, zone, &meant), terraform_fix(context, zone, &meant)),
    ))
}

/// `name` of the misnamed `zone` under the `meant` domain instead: its apex becomes `meant`, a
/// wildcard or a child keeps its leading labels.
fn renamed(name: &str, zone: &str, meant: &str) -> String {
    match name.strip_suffix(zone) {
        Some("") => meant.to_string(),
        Some(head) if head.ends_with('.') => format!("{head}{meant}"),
        _ => name.to_string(),
    }
}

/// The interface endpoint whose DNS name an alias record targets, if the snapshot holds it.
fn alias_endpoint<'a>(context: &'a PathContext, target: &str) -> Option<&'a str> {
    context
        .index
        .snapshot
        .vpc_endpoints
        .iter()
        .find(|endpoint| endpoint.dns_names.iter().any(|name| name == target))
        .map(|endpoint| endpoint.id.as_str())
}

/// The new zone with every VPC of the misnamed one, and its records renamed; an alias record
/// reads its target's hosted zone id from the endpoint (`DnsEntries[].HostedZoneId`).
fn cli_fix(context: &PathContext, zone: &HostedZone, meant: &str) -> String {
    let region = &context.index.snapshot.region;
    let vpc = &context.placement.vpc.id;
    let mut vpcs: Vec<&str> = vec![vpc.as_str()];
    vpcs.extend(
        zone.vpc_ids
            .iter()
            .map(String::as_str)
            .filter(|id| id != vpc),
    );
    let mut lines = vec![format!(
        "ZONE_ID=$(aws route53 create-hosted-zone --name {} --vpc {} --caller-reference {} --query HostedZone.Id --output text)",
        sh(meant),
        sh(&format!("VPCRegion={region},VPCId={}", vpcs[0])),
        sh(&format!("{meant}-fix"))
    )];
    for other in &vpcs[1..] {
        lines.push(format!(
            "aws route53 associate-vpc-with-hosted-zone --hosted-zone-id \"$ZONE_ID\" --vpc {}",
            sh(&format!("VPCRegion={region},VPCId={other}"))
        ));
    }
    for (at, record) in zone.records.iter().enumerate() {
        let name = renamed(&record.name, &zone.name, meant);
        let set = match &record.alias_target {
            Some(target) => {
                let Some(endpoint) = alias_endpoint(context, target) else {
                    lines.push(format!(
                        "# {} {}: alias to {}, whose hosted zone id the snapshot does not hold; create it in the console or with its AliasTarget",
                        note(&name),
                        note(&record.record_type),
                        note(target)
                    ));
                    continue;
                };
                lines.push(format!(
                    "TARGET_ZONE_{at}=$(aws ec2 describe-vpc-endpoints --vpc-endpoint-ids {} --query {} --output text)",
                    sh(endpoint),
                    sh(&format!("VpcEndpoints[0].DnsEntries[?DnsName=='{target}'].HostedZoneId | [0]"))
                ));
                format!(
                    "{{\"Name\":\"{name}\",\"Type\":\"{}\",\"AliasTarget\":{{\"HostedZoneId\":\"$TARGET_ZONE_{at}\",\"DNSName\":\"{target}\",\"EvaluateTargetHealth\":false}}}}",
                    record.record_type
                )
            }
            None => {
                let values: Vec<String> = record
                    .values
                    .iter()
                    .map(|value| format!("{{\"Value\":\"{value}\"}}"))
                    .collect();
                format!(
                    "{{\"Name\":\"{name}\",\"Type\":\"{}\",\"TTL\":300,\"ResourceRecords\":[{}]}}",
                    record.record_type,
                    values.join(",")
                )
            }
        };
        // Names, targets and values are DNS names and addresses (checked on load): no quote or
        // shell character can be in them; the only expansion is the target's zone id.
        lines.push(format!(
            "aws route53 change-resource-record-sets --hosted-zone-id \"$ZONE_ID\" --change-batch \"{{\\\"Changes\\\":[{{\\\"Action\\\":\\\"UPSERT\\\",\\\"ResourceRecordSet\\\":{}}}]}}\"",
            set.replace('"', "\\\"")
        ));
    }
    lines.push(format!(
        "# then delete {} once nothing else uses it (its records first)",
        note(&zone.id)
    ));
    lines.join("\n")
}

fn terraform_fix(context: &PathContext, zone: &HostedZone, meant: &str) -> String {
    let vpc = &context.placement.vpc.id;
    let zone_label = label(meant);
    let mut vpcs: Vec<&str> = vec![vpc.as_str()];
    vpcs.extend(
        zone.vpc_ids
            .iter()
            .map(String::as_str)
            .filter(|id| id != vpc),
    );
    let mut out = format!(
        "resource \"aws_route53_zone\" \"{zone_label}\" {{\n  name = \"{}\"\n",
        hcl(meant)
    );
    for id in &vpcs {
        out.push_str(&format!("  vpc {{\n    vpc_id = \"{}\"\n  }}\n", hcl(id)));
    }
    out.push_str("}\n");
    for (at, record) in zone.records.iter().enumerate() {
        let name = renamed(&record.name, &zone.name, meant);
        let record_label = format!(
            "{}_{}",
            label(&name),
            record.record_type.to_ascii_lowercase()
        );
        out.push_str(&format!(
            "\nresource \"aws_route53_record\" \"{record_label}\" {{\n  zone_id = aws_route53_zone.{zone_label}.zone_id\n  name    = \"{}\"\n  type    = \"{}\"\n",
            hcl(&name),
            hcl(&record.record_type)
        ));
        match record.alias_target.as_deref().and_then(|target| Some((target, alias_endpoint(context, target)?))) {
            Some((target, endpoint)) => out.push_str(&format!(
                "  alias {{\n    name                   = \"{target}\"\n    zone_id                = one([for entry in data.aws_vpc_endpoint.{data}.dns_entry : entry.hosted_zone_id if entry.dns_name == \"{target}\"])\n    evaluate_target_health = false\n  }}\n}}\n\ndata \"aws_vpc_endpoint\" \"{data}\" {{\n  id = \"{endpoint}\"\n}}\n",
                target = hcl(target),
                data = format!("alias_target_{at}"),
                endpoint = hcl(endpoint)
            )),
            None => {
                let values: Vec<String> = record.values.iter().map(|value| format!("\"{}\"", hcl(value))).collect();
                out.push_str(&format!("  ttl     = 300\n  records = [{}]\n}}\n", values.join(", ")));
            }
        }
    }
    out.push_str(&format!(
        "# then remove zone {} (its records first)",
        hcl(&zone.id)
    ));
    out
}

/// The parent domain of `host` the zone was meant to be: the one with the zone's label count.
fn meant_name(zone: &str, host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    let count = zone
        .trim_end_matches('.')
        .split('.')
        .count()
        .min(labels.len());
    labels[labels.len() - count..].join(".")
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn healthy_zones_are_not_misnamed() {
        assert!(findings_of(&scenario("hub-spoke-healthy"), "PC107").is_empty());
    }

    #[test]
    fn a_zone_with_its_labels_swapped_is_named_with_the_name_it_meant() {
        let findings = findings_of(&scenario("hub-zone-misnamed"), "PC107");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["Z0HUBAPI000000000000", "vpc-0a1"]);
            assert!(
                finding
                    .title
                    .contains("meant for api.ecr.us-east-1.amazonaws.com"),
                "{}",
                finding.title
            );
        }
    }

    #[test]
    fn the_fix_recreates_the_zone_with_its_vpcs_and_renamed_records() {
        let findings = findings_of(&scenario("hub-zone-misnamed"), "PC107");
        let fix = findings[0].fix.as_ref().unwrap();
        assert!(
            !fix.aws_cli.contains('<'),
            "no placeholder: {}",
            fix.aws_cli
        );
        assert!(
            fix.aws_cli
                .contains("--vpc 'VPCRegion=us-east-1,VPCId=vpc-0hub'")
        );
        assert!(
            fix.aws_cli
                .contains("\\\"Name\\\":\\\"api.ecr.us-east-1.amazonaws.com\\\"")
        );
        assert!(fix.aws_cli.contains("--vpc-endpoint-ids vpce-hubecrapi"));
        assert!(
            fix.terraform
                .contains("data \"aws_vpc_endpoint\" \"alias_target_0\"")
        );
        assert!(fix.terraform.contains("vpc_id = \"vpc-0hub\""));
    }

    #[test]
    fn records_move_under_the_meant_name() {
        let zone = "ecr.api.us-east-1.amazonaws.com";
        let meant = "api.ecr.us-east-1.amazonaws.com";
        assert_eq!(super::renamed(zone, zone, meant), meant);
        assert_eq!(
            super::renamed("*.ecr.api.us-east-1.amazonaws.com", zone, meant),
            "*.api.ecr.us-east-1.amazonaws.com"
        );
        assert_eq!(
            super::renamed("xecr.api.us-east-1.amazonaws.com", zone, meant),
            "xecr.api.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn the_name_meant_has_the_zones_label_count() {
        assert_eq!(
            super::meant_name(
                "ecr.api.us-east-1.amazonaws.com",
                "api.ecr.us-east-1.amazonaws.com"
            ),
            "api.ecr.us-east-1.amazonaws.com"
        );
        assert_eq!(
            super::meant_name(
                "dkr.ecr.us-east-1.amazonaws.co",
                "1.dkr.ecr.us-east-1.amazonaws.com"
            ),
            "dkr.ecr.us-east-1.amazonaws.com"
        );
    }
}
