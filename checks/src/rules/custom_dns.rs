use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::net::Ipv4Cidr;
use crate::snapshot::VpcEndpoint;

declare_check! {
    /// ## What it does
    /// Checks whether the VPC's DHCP options send DNS queries to resolvers other than the
    /// Amazon-provided one while the task relies on an interface endpoint's private DNS.
    ///
    /// ## Why is this bad
    /// Private DNS for VPC endpoints is answered only by the Amazon-provided resolver (the VPC
    /// base address + 2, or 169.254.169.253). Custom DNS servers must forward the service's
    /// domain to it (for example with Route 53 Resolver rules or a conditional forwarder),
    /// otherwise they return the public addresses and the endpoint is bypassed. The APIs this
    /// tool reads cannot see the forwarders' configuration, so the hop is reported as unknown,
    /// unless the stopped reason shows the task dialled a public address, which proves the
    /// forwarding is missing.
    ///
    /// ## Example
    /// DHCP options with `domain-name-servers = 10.20.0.10, 10.20.0.11` (on-premises AD DNS) and
    /// a stopped reason `dial tcp 54.239.x.x:443: i/o timeout` for `api.ecr`.
    ///
    /// ## Fix
    /// Forward `<region>.amazonaws.com` from the custom servers to the VPC resolver, or use
    /// DHCP options with `AmazonProvidedDNS` (and Route 53 Resolver outbound rules for the
    /// on-premises zones).
    pub static CHECK = ("PC104", "custom-dns-servers", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::InterfaceEndpoint(endpoint) => Some(judge(context, endpoint)),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    let servers = context.custom_dns_servers();
    let vpc = context.placement.vpc;
    if endpoint.private_dns_enabled
        && let Some(options) = vpc.dhcp_options_id.as_deref()
        && context.index.dhcp_options(vpc).is_none()
        && let Some(gap) = context
            .index
            .gap_about(&["ec2:DescribeDhcpOptions"], options)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Which DNS servers VPC {} uses is unknown: its DHCP options {options} could not be read", vpc.id))
                .resources([vpc.id.as_str(), options])
                .detail(super::collection_gap::because(gap)),
        );
    }
    if servers.is_empty() || !endpoint.private_dns_enabled {
        return Verdict::Pass("the VPC uses the Amazon-provided resolver".into());
    }
    let options = vpc.dhcp_options_id.as_deref().unwrap_or_default();
    let resolver = vpc
        .cidr_blocks
        .first()
        .map(|cidr| cidr.nth_address(2).to_string())
        .unwrap_or_else(|| "169.254.169.253".into());
    let region = &context.flow.region;
    let finding = CHECK
        .finding(format!("VPC {} uses custom DNS servers ({}); {} resolves to {} only if they forward to the VPC resolver", vpc.id, servers.join(", "), context.flow.host, endpoint.id))
        .resources([vpc.id.as_str(), options, endpoint.id.as_str()])
        .fix(
            format!(
                "# on the custom DNS servers: forward {}.amazonaws.com to {resolver}; or return the VPC to the Amazon resolver:\naws ec2 create-dhcp-options --dhcp-configurations 'Key=domain-name-servers,Values=AmazonProvidedDNS'\naws ec2 associate-dhcp-options --vpc-id {} --dhcp-options-id <new dopt id>",
                note(region),
                sh(&vpc.id)
            ),
            format!(
                "resource \"aws_vpc_dhcp_options\" \"amazon_dns\" {{\n  domain_name_servers = [\"AmazonProvidedDNS\"]\n}}\n\nresource \"aws_vpc_dhcp_options_association\" \"{}\" {{\n  vpc_id          = \"{}\"\n  dhcp_options_id = aws_vpc_dhcp_options.amazon_dns.id\n}}",
                super::fixes::label(&vpc.id),
                hcl(&vpc.id)
            ),
        );
    match context.dialled.filter(|ip| !Ipv4Cidr::host(*ip).is_non_public()) {
        Some(ip) => Verdict::Block(finding.detail(format!(
            "DHCP options {options} name {}. The stopped reason shows the task dialled {ip}, a public address, for {}: the custom servers did not return {}'s private IPs, so they do not forward {region}.amazonaws.com to the VPC resolver {resolver}.",
            servers.join(", "), context.flow.host, endpoint.id
        ))),
        None => Verdict::Unknown(finding.detail(format!(
            "DHCP options {options} name {}. Interface endpoint private DNS is answered only by the VPC resolver {resolver}; whether those servers forward {region}.amazonaws.com to it cannot be read from the AWS APIs.",
            servers.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario, task};
    use crate::snapshot::{CollectionGap, Snapshot};

    /// The healthy account whose DHCP options name an on-premises resolver.
    fn custom_resolver() -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.dhcp_options[0].domain_name_servers = vec!["10.20.0.10".into()];
        snapshot
    }

    #[test]
    fn the_amazon_resolver_answers_private_dns() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.dhcp_options[0].domain_name_servers = vec!["10.0.0.2".into()];
        assert!(findings_of(&snapshot, "PC104").is_empty());
    }

    #[test]
    fn custom_resolvers_without_evidence_are_unknown() {
        let findings = findings_of(&custom_resolver(), "PC104");
        assert_eq!(findings.len(), 3, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert!(finding.resources.contains(&"dopt-amazon".to_string()));
        }
    }

    #[test]
    fn a_public_address_dialled_for_an_endpoint_proves_custom_dns_does_not_forward() {
        let mut snapshot = custom_resolver();
        let reason = "ResourceInitializationError: unable to pull secrets or registry auth: RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 54.239.28.85:443: i/o timeout";
        snapshot.tasks = vec![task(&snapshot, Some(reason), Vec::new())];
        let findings = findings_of(&snapshot, "PC104");
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{findings:#?}");
        assert_eq!(
            errors[0].resources,
            ["vpc-0a1", "dopt-amazon", "vpce-ecrapi"]
        );
        assert!(errors[0].detail.contains("54.239.28.85"));
    }

    #[test]
    fn unread_dhcp_options_leave_the_resolvers_unknown() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.dhcp_options.clear();
        assert!(findings_of(&snapshot, "PC104").is_empty());
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeDhcpOptions".into(),
            resource: Some("dopt-amazon".into()),
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC104");
        assert_eq!(findings.len(), 3, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning);
            assert_eq!(finding.resources, ["vpc-0a1", "dopt-amazon"]);
        }
    }
}
