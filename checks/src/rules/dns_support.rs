use super::fixes::{note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};

declare_check! {
    /// ## What it does
    /// Checks that the task's VPC has `enableDnsSupport` turned on.
    ///
    /// ## Why is this bad
    /// With DNS support off, the Amazon-provided resolver does not answer inside the VPC. A task
    /// that relies on it cannot resolve `api.ecr`, `dkr.ecr`, S3 or any other AWS hostname, and
    /// interface endpoints' private DNS never applies. The pull fails before a single packet
    /// reaches AWS, typically with `dial tcp: lookup ... no such host`.
    ///
    /// ## Example
    /// `aws ec2 describe-vpc-attribute --vpc-id vpc-0a1 --attribute enableDnsSupport` returns
    /// `false`.
    ///
    /// ## Fix
    /// Turn the attribute on (`enable_dns_support = true` on the `aws_vpc` resource).
    pub static CHECK = ("PC101", "dns-support-disabled", Error);
}

/// Every path needs name resolution. Without DNS support, a VPC whose DHCP options name other
/// resolvers can still resolve public names, but never an endpoint's private DNS.
pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    let needs_private_dns =
        matches!(site, Site::InterfaceEndpoint(endpoint) if endpoint.private_dns_enabled);
    Some(judge(context, needs_private_dns))
}

fn judge(context: &PathContext, needs_private_dns: bool) -> Verdict {
    let vpc = context.placement.vpc;
    if let Some(gap) = context
        .index
        .gap_about(&["ec2:DescribeVpcAttribute"], &vpc.id)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether VPC {} has DNS support on is unknown: its attributes could not be read", vpc.id))
                .resource(&vpc.id)
                .detail(super::collection_gap::because(gap)),
        );
    }
    if vpc.enable_dns_support {
        return Verdict::Pass(format!("{} has DNS support on", vpc.id));
    }
    if !needs_private_dns && !context.custom_dns_servers().is_empty() {
        return Verdict::Pass(format!(
            "{} has DNS support off, but its DHCP options name resolvers that answer public names",
            vpc.id
        ));
    }
    Verdict::Block(
        CHECK
            .finding(format!("VPC {} has DNS support turned off: the task cannot resolve {}", vpc.id, context.flow.host))
            .resource(&vpc.id)
            .detail(format!(
                "enableDnsSupport is false on {}, so the Amazon-provided resolver does not answer and {} cannot be resolved.",
                vpc.id, context.flow.host
            ))
            .fix(
                format!("aws ec2 modify-vpc-attribute --vpc-id {} --enable-dns-support '{{\"Value\":true}}'", sh(&vpc.id)),
                format!("# on the aws_vpc resource of {}\nenable_dns_support = true", note(&vpc.id)),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, DhcpOptions, Snapshot};

    fn dns_support_off(base: &str) -> Snapshot {
        let mut snapshot = scenario(base);
        snapshot.vpcs[0].enable_dns_support = false;
        snapshot
    }

    #[test]
    fn a_vpc_with_dns_support_on_resolves_every_name() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC101").is_empty());
    }

    #[test]
    fn a_disabled_dns_support_blocks_every_name() {
        let findings = findings_of(&dns_support_off("healthy-endpoints"), "PC101");
        // ecr.api, ecr.dkr, S3 layers and logs: none resolves.
        assert_eq!(findings.len(), 4, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["vpc-0a1"]);
        }
        assert!(
            findings
                .iter()
                .any(|f| f.title.contains("api.ecr.us-east-1.amazonaws.com"))
        );
    }

    #[test]
    fn custom_resolvers_still_answer_public_names_without_dns_support() {
        let mut snapshot = dns_support_off("nat-path-healthy");
        assert!(!findings_of(&snapshot, "PC101").is_empty());
        snapshot.dhcp_options = vec![DhcpOptions {
            id: "dopt-amazon".into(),
            domain_name_servers: vec!["10.20.0.10".into()],
        }];
        assert!(findings_of(&snapshot, "PC101").is_empty());
    }

    #[test]
    fn unread_vpc_attributes_leave_dns_support_unknown() {
        let mut snapshot = dns_support_off("healthy-endpoints");
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeVpcAttribute".into(),
            resource: Some("vpc-0a1".into()),
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC101");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning, "{finding:#?}");
            assert!(finding.title.contains("is unknown") && finding.resources == ["vpc-0a1"]);
        }
    }
}
