use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::snapshot::{RouteDestination, RouteState, VpcEndpoint};

declare_check! {
    /// ## What it does
    /// Checks that the route table of the task's subnet is associated with the S3 gateway
    /// endpoint, i.e. holds the route whose destination is the S3 prefix list and whose target
    /// is the endpoint.
    ///
    /// ## Why is this bad
    /// A gateway endpoint has no ENI and no DNS name: it works only by adding a prefix-list route
    /// to the route tables it is associated with. A subnet whose table is not among them (a new
    /// subnet, a table replaced by a module, the main table when the subnet lost its explicit
    /// association) sends S3 traffic to its default route, or nowhere, and layer downloads time
    /// out on a public S3 address.
    ///
    /// ## Example
    /// `vpce-0s3` is associated with `rtb-private-a` only; tasks also run in a subnet using
    /// `rtb-private-b`.
    ///
    /// ## Fix
    /// Associate the subnet's route table with the endpoint.
    pub static CHECK = ("PC301", "s3-gateway-route-missing", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::GatewayEndpoint(endpoint) => Some(judge(context, endpoint)),
        _ => None,
    }
}

fn judge(context: &PathContext, endpoint: &VpcEndpoint) -> Verdict {
    let subnet = context.subnet_id();
    let Some(table) = context.placement.route_table else {
        return Verdict::Unknown(
            CHECK.finding(format!("The route table of {subnet} is not in the snapshot")).resource(subnet).detail("Neither an explicit association nor a main route table was collected for the subnet."),
        );
    };
    let route = table.routes.iter().find(|route| {
        route.target == endpoint.id && matches!(route.destination, RouteDestination::PrefixList(_))
    });
    match route {
        Some(route) if route.state == RouteState::Active => {
            return Verdict::Pass(format!(
                "{} routes {} to {}",
                table.id, route.destination, endpoint.id
            ));
        }
        None if endpoint.route_table_ids.contains(&table.id) => {
            return Verdict::Pass(format!("{} is associated with {}", table.id, endpoint.id));
        }
        _ => {}
    }
    let associated = if endpoint.route_table_ids.is_empty() {
        "no route table".to_string()
    } else {
        endpoint.route_table_ids.join(", ")
    };
    Verdict::Block(
        CHECK
            .finding(format!("Route table {} of {subnet} is not associated with S3 gateway endpoint {}", table.id, endpoint.id))
            .resources([table.id.as_str(), endpoint.id.as_str(), subnet])
            .detail(format!(
                "{} is associated with {associated}. {} has no route to the S3 prefix list through it, so layer downloads from {} never reach the endpoint.",
                endpoint.id, table.id, context.flow.host
            ))
            .fix(
                format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-route-table-ids {}", sh(&endpoint.id), sh(&table.id)),
                format!(
                    "resource \"aws_vpc_endpoint_route_table_association\" \"{}_{}\" {{\n  vpc_endpoint_id = \"{}\"\n  route_table_id  = \"{}\"\n}}",
                    label(&endpoint.id),
                    label(&table.id),
                    hcl(&endpoint.id),
                    hcl(&table.id)
                ),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, RouteTable};

    #[test]
    fn a_route_table_associated_with_the_s3_endpoint_passes() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC301").is_empty());
    }

    #[test]
    fn a_subnet_whose_table_the_s3_endpoint_does_not_know_is_blocked() {
        let mut snapshot = scenario("healthy-endpoints");
        let private = snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == "rtb-private")
            .unwrap();
        private
            .subnet_ids
            .retain(|subnet| subnet != "subnet-private-b");
        let local = private
            .routes
            .iter()
            .filter(|r| r.target == "local")
            .cloned()
            .collect();
        snapshot.route_tables.push(RouteTable {
            id: "rtb-private-b".into(),
            vpc_id: "vpc-0a1".into(),
            main: false,
            subnet_ids: vec!["subnet-private-b".into()],
            routes: local,
        });
        let findings = findings_of(&snapshot, "PC301");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(
            findings[0].resources,
            ["rtb-private-b", "vpce-s3", "subnet-private-b"]
        );
    }

    #[test]
    fn a_route_table_that_could_not_be_read_is_unknown() {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.route_tables.clear();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeRouteTables".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC301");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        assert!(findings.iter().any(|f| f.resources == ["subnet-private-a"]));
    }
}
