use super::fixes::{label, note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::snapshot::VpcEndpoint;

declare_check! {
    /// ## What it does
    /// Checks that the interface endpoints a task relies on (`ecr.api`, `ecr.dkr`, `logs`,
    /// `secretsmanager`, `ssm`, `kms`) have private DNS enabled.
    ///
    /// ## Why is this bad
    /// The ECS agent and Fargate dial the services' default public hostnames. Only private DNS
    /// makes those names resolve to the endpoint's private IPs. An endpoint without it is never
    /// used: the task resolves the public address and, in a private subnet, times out.
    /// `ecr.dkr` must have it; `ecr.api` needs it for the default SDK hostname.
    ///
    /// ## Example
    /// `aws ec2 describe-vpc-endpoints` shows `"PrivateDnsEnabled": false` on the `ecr.dkr`
    /// endpoint, and the stopped reason shows `dial tcp 52.x.x.x:443: i/o timeout`.
    ///
    /// ## Fix
    /// Enable private DNS on the endpoint (`private_dns_enabled = true`).
    pub static CHECK = ("PC103", "endpoint-private-dns-disabled", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        // A private hosted zone answering the name decides it (PC106), whatever the endpoint's
        // own private DNS says: shared endpoints in a hub have it off.
        Site::InterfaceEndpoint(_)
            if matches!(context.dns_answer(), crate::facts::dns::Answer::Zone { .. }) =>
        {
            None
        }
        Site::InterfaceEndpoint(endpoint) => Some(judge(context, endpoint)),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    if endpoint.private_dns_enabled {
        return Verdict::Pass(format!(
            "{} has private DNS on: {} resolves to its ENIs",
            endpoint.id, context.flow.host
        ));
    }
    Verdict::Block(
        CHECK
            .finding(format!("Endpoint {} ({}) has private DNS off: {} resolves to public addresses", endpoint.id, endpoint.short_service(), context.flow.host))
            .resource(&endpoint.id)
            .detail(format!(
                "The task dials {} by its public name. Without private DNS on {}, that name resolves to the service's public IPs, and the endpoint is bypassed.",
                context.flow.host, endpoint.id
            ))
            .fix(
                format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --private-dns-enabled", sh(&endpoint.id)),
                format!("# on the aws_vpc_endpoint resource of {} ({})\nprivate_dns_enabled = true", note(&endpoint.id), label(&endpoint.service_name)),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn endpoints_with_private_dns_on_are_used() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC103").is_empty());
    }

    #[test]
    fn an_ecr_dkr_endpoint_with_private_dns_off_is_bypassed() {
        let mut snapshot = scenario("healthy-endpoints");
        let dkr = snapshot
            .vpc_endpoints
            .iter_mut()
            .find(|ep| ep.id == "vpce-ecrdkr")
            .unwrap();
        dkr.private_dns_enabled = false;
        let findings = findings_of(&snapshot, "PC103");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources, ["vpce-ecrdkr"]);
            assert!(
                finding.title.contains("(ecr.dkr) has private DNS off"),
                "{}",
                finding.title
            );
        }
    }
}
