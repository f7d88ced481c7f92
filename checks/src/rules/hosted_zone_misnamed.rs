use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::dns::{NearMiss, near_misses};
use crate::facts::{PathContext, Verdict};

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
    let region = &context.index.snapshot.region;
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
            .fix(
                format!(
                    "aws route53 create-hosted-zone --name {} --vpc {} --caller-reference {}\n# then copy the records of {} into it, associate the other VPCs, and delete it",
                    sh(&meant),
                    sh(&format!("VPCRegion={region},VPCId={vpc}")),
                    sh(&format!("{meant}-fix")),
                    note(&zone.id)
                ),
                format!(
                    "resource \"aws_route53_zone\" \"{}\" {{\n  name = \"{}\"\n  vpc {{\n    vpc_id = \"{}\"\n  }}\n}}\n# and point the records of zone {} at it",
                    label(&meant),
                    hcl(&meant),
                    hcl(vpc),
                    hcl(&zone.id)
                ),
            ),
    ))
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
