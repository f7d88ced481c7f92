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
    if endpoint.private_dns_enabled
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
    if vpc.enable_dns_hostnames || !endpoint.private_dns_enabled {
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
            .finding(format!("VPC {} has DNS hostnames off, so {}'s private DNS does not apply", vpc.id, endpoint.id))
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
