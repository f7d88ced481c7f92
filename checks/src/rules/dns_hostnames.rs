use super::fixes::{note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::snapshot::VpcEndpoint;

declare_check! {
    /// ## What it does
    /// Checks that a VPC with an interface endpoint using private DNS has `enableDnsHostnames`
    /// turned on.
    ///
    /// ## Why is this bad
    /// Private DNS for interface endpoints needs both `enableDnsSupport` and
    /// `enableDnsHostnames`. Without hostnames, the private hosted zone behind the endpoint is not
    /// used: `api.ecr.<region>.amazonaws.com` resolves to public addresses, which a private
    /// subnet cannot reach, and the task times out dialling a public IP.
    ///
    /// ## Example
    /// An `ecr.dkr` endpoint with private DNS on in a VPC created by a template that left
    /// `enable_dns_hostnames` at its default (`false`).
    ///
    /// ## Fix
    /// Turn on `enableDnsHostnames` (`enable_dns_hostnames = true` on the `aws_vpc` resource).
    pub static CHECK = ("PC102", "dns-hostnames-disabled", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::InterfaceEndpoint(endpoint) => Some(judge(context, endpoint)),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    let vpc = context.placement.vpc;
    // Private hosted zones need the VPC's DNS hostnames too (Route 53 Developer Guide,
    // "Considerations when working with a private hosted zone").
    let zone = match context.dns_answer() {
        crate::facts::dns::Answer::Zone { zone, .. } => Some(zone),
        _ => None,
    };
    let needs_hostnames = endpoint.private_dns_enabled || zone.is_some();
    if needs_hostnames
        && let Some(gap) = context
            .index
            .gap_about(&["ec2:DescribeVpcAttribute"], &vpc.id)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether VPC {} has DNS hostnames on is unknown: its attributes could not be read", vpc.id))
                .resources([vpc.id.as_str(), endpoint.id.as_str()])
                .detail(super::collection_gap::because(gap)),
        );
    }
    if vpc.enable_dns_hostnames || !needs_hostnames {
        return Verdict::Pass(format!(
            "{} has DNS hostnames {}",
            vpc.id,
            if vpc.enable_dns_hostnames {
                "on"
            } else {
                "off (endpoint has no private DNS)"
            }
        ));
    }
    Verdict::Block(
        CHECK
            .finding(match zone {
                Some(zone) => format!("VPC {} has DNS hostnames off, so private hosted zone {} does not answer there", vpc.id, zone.name),
                None => format!("VPC {} has DNS hostnames off, so {}'s private DNS does not apply", vpc.id, endpoint.id),
            })
            .resources([vpc.id.as_str(), endpoint.id.as_str()])
            .detail(format!(
                "Endpoint {} ({}) has private DNS on, but enableDnsHostnames is false on {}: {} resolves to public addresses instead of the endpoint's ENIs.",
                endpoint.id, endpoint.service_name, vpc.id, context.flow.host
            ))
            .fix(
                format!("aws ec2 modify-vpc-attribute --vpc-id {} --enable-dns-hostnames '{{\"Value\":true}}'", sh(&vpc.id)),
                format!("# on the aws_vpc resource of {}\nenable_dns_hostnames = true", note(&vpc.id)),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    fn hostnames_off() -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.vpcs[0].enable_dns_hostnames = false;
        snapshot
    }

    #[test]
    fn dns_hostnames_on_let_private_dns_apply() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC102").is_empty());
    }

    #[test]
    fn disabled_dns_hostnames_bypass_each_private_dns_endpoint() {
        let findings = findings_of(&hostnames_off(), "PC102");
        let mut endpoints: Vec<&str> = findings.iter().map(|f| f.resources[1].as_str()).collect();
        endpoints.sort();
        // The S3 gateway endpoint has no private DNS: only the interface endpoints are named.
        assert_eq!(endpoints, ["vpce-ecrapi", "vpce-ecrdkr", "vpce-logs"]);
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "vpc-0a1");
        }
    }

    #[test]
    fn unread_vpc_attributes_leave_dns_hostnames_unknown() {
        let mut snapshot = hostnames_off();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeVpcAttribute".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC102");
        assert_eq!(findings.len(), 3, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert!(finding.title.contains("is unknown"), "{}", finding.title);
        }
    }
}
