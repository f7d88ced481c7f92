use super::fixes::{note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::snapshot::{EndpointType, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// Checks that each VPC endpoint on the task's path is in the `available` state and, for
    /// interface endpoints, has at least one network interface.
    ///
    /// ## Why is this bad
    /// An endpoint that is `pending`, `pendingAcceptance`, `failed`, `rejected` or `deleting`
    /// carries no traffic, yet its private DNS zone may already (or still) capture the service's
    /// name. The task then resolves the endpoint and cannot connect.
    ///
    /// ## Example
    /// An `ecr.dkr` endpoint left in `failed` after its subnet ran out of free addresses.
    ///
    /// ## Fix
    /// Look at the endpoint's state message; recreate a failed endpoint, wait for a pending one,
    /// accept a `pendingAcceptance` one on the service side.
    pub static CHECK = ("PC202", "endpoint-not-available", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::InterfaceEndpoint(endpoint) | Site::GatewayEndpoint(endpoint) => {
            Some(judge(context, endpoint))
        }
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    let no_interfaces =
        endpoint.endpoint_type == EndpointType::Interface && endpoint.network_interfaces.is_empty();
    if endpoint.is_available() && !no_interfaces {
        return Verdict::Pass(format!("{} is available", endpoint.id));
    }
    if no_interfaces
        && endpoint.is_available()
        && let Some(gap) = context
            .index
            .gap_about(&["ec2:DescribeNetworkInterfaces"], &endpoint.id)
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!(
                    "The network interfaces of endpoint {} ({}) could not be read",
                    endpoint.id,
                    endpoint.short_service()
                ))
                .resource(&endpoint.id)
                .detail(super::collection_gap::because(gap)),
        );
    }
    let problem = if no_interfaces && endpoint.is_available() {
        "has no network interfaces".to_string()
    } else {
        format!("is in state `{}`", endpoint.state)
    };
    Verdict::Block(
        CHECK
            .finding(format!("Endpoint {} ({}) {problem} and carries no traffic", endpoint.id, endpoint.short_service()))
            .resource(&endpoint.id)
            .detail(format!(
                "{} for {} goes through {}, which {problem}. Only an `available` endpoint with network interfaces forwards traffic.",
                context.flow.kind.describe(),
                context.target.name,
                endpoint.id
            ))
            .fix(
                format!(
                    "aws ec2 describe-vpc-endpoints --vpc-endpoint-ids {} --query 'VpcEndpoints[].[State,LastError]'\n# then, if it failed: aws ec2 delete-vpc-endpoints --vpc-endpoint-ids {} and create it again",
                    sh(&endpoint.id),
                    note(&sh(&endpoint.id))
                ),
                format!("# taint and re-create the aws_vpc_endpoint of {}\nterraform apply -replace=<address of the aws_vpc_endpoint for {}>", note(&endpoint.id), note(&sh(&endpoint.id))),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    /// The healthy account with the ecr.dkr endpoint changed by `change`.
    fn ecr_dkr(change: impl FnOnce(&mut crate::snapshot::VpcEndpoint)) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        let endpoint = snapshot
            .vpc_endpoints
            .iter_mut()
            .find(|ep| ep.id == "vpce-ecrdkr")
            .unwrap();
        change(endpoint);
        snapshot
    }

    #[test]
    fn available_endpoints_with_interfaces_carry_traffic() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC202").is_empty());
    }

    #[test]
    fn a_failed_endpoint_carries_no_traffic() {
        let findings = findings_of(&ecr_dkr(|ep| ep.state = "failed".into()), "PC202");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, ["vpce-ecrdkr"]);
        assert!(
            findings[0].title.contains("state `failed`"),
            "{}",
            findings[0].title
        );
    }

    #[test]
    fn an_available_endpoint_without_interfaces_carries_no_traffic() {
        let findings = findings_of(&ecr_dkr(|ep| ep.network_interfaces.clear()), "PC202");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0]
                .title
                .contains("vpce-ecrdkr (ecr.dkr) has no network interfaces")
        );
    }

    #[test]
    fn unread_interfaces_leave_the_endpoint_unknown() {
        let mut snapshot = ecr_dkr(|ep| ep.network_interfaces.clear());
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeNetworkInterfaces".into(),
            resource: Some("vpce-ecrdkr".into()),
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        });
        let findings = findings_of(&snapshot, "PC202");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, ["vpce-ecrdkr"]);
    }
}
