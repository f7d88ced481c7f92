use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::dns::{NearMiss, near_misses};
use crate::facts::{PathContext, Verdict};

declare_check! {
    /// ## What it does
    /// When no path carries a flow, looks for a private hosted zone that covers the flow's host
    /// but is not associated with the task's VPC (it answers in the hub, or another spoke, only).
    ///
    /// ## Why is this bad
    /// A private hosted zone answers only in the VPCs associated with it (Amazon Route 53
    /// Developer Guide, "Associating more VPCs with a private hosted zone"). In a spoke left out,
    /// the name resolves publicly and the task times out dialling a public address.
    ///
    /// ## Example
    /// The `logs.us-east-1.amazonaws.com` zone of a landing zone associated with the hub VPC
    /// only, after a new spoke was added.
    ///
    /// ## Fix
    /// Associate the zone with the VPC (for a zone in another account: authorize the
    /// association there first).
    pub static CHECK = ("PC108", "hosted-zone-not-associated", Error);
}

pub fn check(context: &PathContext) -> Option<Verdict> {
    let vpc = &context.placement.vpc.id;
    let host = &context.flow.host;
    let (zone, _) = near_misses(context.index, context.placement.vpc, host)
        .into_iter()
        .find(|(_, miss)| *miss == NearMiss::NotAssociated)?;
    let region = &context.index.snapshot.region;
    let associated = if zone.vpc_ids.is_empty() {
        "no VPC".to_string()
    } else {
        zone.vpc_ids.join(", ")
    };
    Some(Verdict::Block(
        CHECK
            .finding(format!(
                "Private hosted zone {} ({}) covers {host} but is not associated with {vpc}",
                zone.name, zone.id
            ))
            .resources([zone.id.as_str(), vpc.as_str()])
            .detail(format!(
                "Zone {} ({}) is associated with {associated}; in {vpc} it does not answer, so {host} resolves through public DNS and no path carries the flow.",
                zone.name, zone.id
            ))
            .fix(
                format!(
                    "aws route53 associate-vpc-with-hosted-zone --hosted-zone-id {} --vpc {}",
                    sh(&zone.id),
                    sh(&format!("VPCRegion={region},VPCId={vpc}"))
                ),
                format!(
                    "resource \"aws_route53_zone_association\" \"{}_{}\" {{\n  zone_id = \"{}\"\n  vpc_id  = \"{}\"\n}}",
                    label(&zone.id),
                    label(vpc),
                    hcl(&zone.id),
                    hcl(vpc)
                ),
            ),
    ))
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn zones_associated_with_the_spoke_raise_nothing() {
        assert!(findings_of(&scenario("hub-spoke-healthy"), "PC108").is_empty());
    }

    #[test]
    fn a_zone_associated_with_the_hub_only_is_named_with_the_association_to_add() {
        let findings = findings_of(&scenario("hub-zone-not-associated"), "PC108");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["Z0HUBLOGS00000000000", "vpc-0a1"]);
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains(
                "associate-vpc-with-hosted-zone --hosted-zone-id Z0HUBLOGS00000000000 --vpc"
            ));
            assert!(
                fix.aws_cli.contains("VPCRegion=us-east-1,VPCId=vpc-0a1"),
                "{}",
                fix.aws_cli
            );
        }
    }
}
