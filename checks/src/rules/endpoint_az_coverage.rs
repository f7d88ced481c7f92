use super::fixes::{hcl, note, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site};
use crate::finding::Finding;
use crate::snapshot::VpcEndpoint;

declare_check! {
    /// ## What it does
    /// Warns when an interface endpoint the task uses has no network interface in the task's
    /// Availability Zone.
    ///
    /// ## Why is this bad
    /// Private DNS returns the IPs of all the endpoint's interfaces, so the task still connects
    /// across zones when security groups and network ACLs allow it. But every pull then pays
    /// cross-AZ data transfer, and an outage of the other zone takes the task's zone down with
    /// it.
    ///
    /// ## Example
    /// Tasks run in `us-east-1a` and `us-east-1b`; the `ecr.dkr` endpoint was created only in
    /// `us-east-1a`.
    ///
    /// ## Fix
    /// Add a subnet of the task's zone to the endpoint.
    pub static CHECK = ("PC203", "endpoint-az-coverage", Warning);
}

pub fn check(context: &PathContext, site: Site) -> Option<Finding> {
    match site {
        Site::InterfaceEndpoint(endpoint) => judge(context, endpoint),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Option<Finding> {
    let zone = &context.placement.subnet.availability_zone;
    if endpoint.network_interfaces.is_empty()
        || endpoint
            .network_interfaces
            .iter()
            .any(|eni| &eni.availability_zone == zone)
    {
        return None;
    }
    let subnet = context.subnet_id();
    let zones: Vec<&str> = endpoint
        .network_interfaces
        .iter()
        .map(|eni| eni.availability_zone.as_str())
        .collect();
    Some(
        CHECK
            .finding(format!("Endpoint {} ({}) has no interface in {zone}, where {subnet} is: traffic crosses zones", endpoint.id, endpoint.short_service()))
            .resources([endpoint.id.as_str(), subnet])
            .detail(format!("{} has interfaces only in {}. Tasks in {subnet} ({zone}) reach it across zones.", endpoint.id, zones.join(", ")))
            .fix(
                format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-subnet-ids {}", sh(&endpoint.id), sh(subnet)),
                format!("# on the aws_vpc_endpoint resource of {}: add \"{}\" to subnet_ids", note(&endpoint.id), hcl(subnet)),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};

    #[test]
    fn an_endpoint_in_every_task_zone_is_no_finding() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC203").is_empty());
    }

    #[test]
    fn an_endpoint_missing_a_task_zone_is_a_warning_for_that_zone() {
        let mut snapshot = scenario("healthy-endpoints");
        let endpoint = snapshot
            .vpc_endpoints
            .iter_mut()
            .find(|ep| ep.id == "vpce-ecrapi")
            .unwrap();
        endpoint
            .network_interfaces
            .retain(|eni| eni.availability_zone == "us-east-1a");
        let findings = findings_of(&snapshot, "PC203");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, ["vpce-ecrapi", "subnet-private-b"]);
        assert!(findings[0].title.contains("no interface in us-east-1b"));
    }
}
