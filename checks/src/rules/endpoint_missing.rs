use super::fixes::{hcl, label, sh};
use crate::declare_check;
use crate::facts::{PathContext, Site, Verdict};
use crate::flows::FlowKind;
use crate::snapshot::EndpointType;

declare_check! {
    /// ## What it does
    /// Reports a service the task must reach for which the VPC has no VPC endpoint and no other
    /// working path (no NAT gateway or internet gateway route).
    ///
    /// ## Why is this bad
    /// A task in a private subnet reaches AWS services only through VPC endpoints. Pulling a
    /// private ECR image needs three: `ecr.api` (authentication, on Fargate platform 1.4.0 and
    /// later), `ecr.dkr` (the registry) and an S3 gateway endpoint (image layers are S3
    /// objects). `awslogs` needs `logs`; secrets need `secretsmanager` or `ssm`. One missing
    /// endpoint fails the task with `CannotPullContainerError` or `ResourceInitializationError`.
    ///
    /// ## Example
    /// `ecr.dkr` and `s3` endpoints exist but `ecr.api` does not; the task on platform 1.4.0
    /// stops with `unable to pull secrets or registry auth ... api.ecr ... i/o timeout`.
    ///
    /// ## Fix
    /// Create the endpoint in the task's VPC: interface endpoints in the task's subnets with
    /// private DNS and a security group allowing TCP 443 from the task; the S3 gateway endpoint
    /// on the task subnets' route tables. Or route `0.0.0.0/0` through a NAT gateway.
    pub static CHECK = ("PC201", "endpoint-missing", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::MissingEndpoint(service_name) => Some(judge(context, service_name)),
        _ => None,
    }
}

fn judge(context: &PathContext, service_name: &str) -> Verdict {
    let vpc = &context.placement.vpc.id;
    let subnets = context.target_subnets_per_zone();
    let subnet_args: Vec<String> = subnets.iter().map(|subnet| sh(subnet)).collect();
    let subnet_list: Vec<String> = subnets.iter().map(|subnet| hcl(subnet)).collect();
    let (subnet_args, subnet_list) = (subnet_args.join(" "), subnet_list.join("\", \""));
    let subnet = subnets.join(", ");
    let short = crate::snapshot::short_service_name(service_name);
    if let Some(verdict) = super::collection_gap::unread_route_table(context, &CHECK) {
        return verdict;
    }
    if let Some(gap) = context.index.gap_about(&["ec2:DescribeVpcEndpoints"], vpc) {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether {vpc} has a {short} VPC endpoint is unknown: its endpoints could not be read"))
                .resource(vpc.as_str())
                .detail(super::collection_gap::because(gap)),
        );
    }
    let finding = CHECK
        .finding(format!(
            "No {short} VPC endpoint in {vpc}, and no NAT or internet route: {} is unreachable",
            context.flow.host
        ))
        .resource(vpc.as_str());
    if context.flow.kind == FlowKind::S3Layers {
        let tables = context.target_route_tables();
        let table_args: Vec<String> = tables.iter().map(|table| sh(table)).collect();
        let table_list: Vec<String> = tables.iter().map(|table| hcl(table)).collect();
        let (table_args, table_list) = (table_args.join(" "), table_list.join("\", \""));
        let table = if tables.is_empty() {
            "<route table of the task subnet>".to_string()
        } else {
            tables.join(", ")
        };
        return Verdict::Block(
            finding
                .resources(tables.iter().copied())
                .detail(format!(
                    "Image layers are downloaded from S3 ({}). {vpc} has no endpoint for {service_name} and the route tables {table} of {subnet} have no route that reaches S3 otherwise.",
                    context.flow.host
                ))
                .fix(
                    format!("aws ec2 create-vpc-endpoint --vpc-id {} --vpc-endpoint-type Gateway --service-name {} --route-table-ids {table_args}", sh(vpc), sh(service_name)),
                    format!(
                        "resource \"aws_vpc_endpoint\" \"s3_{}\" {{\n  vpc_id            = \"{}\"\n  service_name      = \"{}\"\n  vpc_endpoint_type = \"Gateway\"\n  route_table_ids   = [\"{table_list}\"]\n}}",
                        label(vpc),
                        hcl(vpc),
                        hcl(service_name)
                    ),
                ),
        );
    }
    // Reuse the security group other interface endpoints of the VPC use, when there is one.
    let endpoint_group = context
        .index
        .endpoints_in(vpc)
        .iter()
        .find(|ep| ep.endpoint_type == EndpointType::Interface && !ep.security_group_ids.is_empty())
        .map(|ep| ep.security_group_ids[0].clone())
        .unwrap_or_else(|| "<endpoint security group allowing tcp/443 from the task>".into());
    let ipv6_exit = super::no_route::ipv6_default_route(context);
    let auth_note = super::no_route::ipv4_only_auth_note(context, ipv6_exit);
    let finding = match (&auth_note, context.placement.route_table) {
        (Some(_), Some(table)) => CHECK
            .finding(format!(
                "No {short} VPC endpoint in {vpc}, and route table {} has no IPv4 route to {}: registry auth needs IPv4 even for a dual-stack image",
                table.id, context.flow.host
            ))
            .resource(vpc.as_str())
            .resource(table.id.as_str()),
        _ => finding,
    };
    Verdict::Block(
        finding
            .detail(format!(
                "{}, so the task needs {} ({}). {vpc} has no endpoint for {service_name}, and the route tables of {subnet} have no route to a NAT or internet gateway.{}",
                context.flow.because,
                context.flow.kind.describe(),
                context.flow.host,
                auth_note.map(|note| format!(" {note}")).unwrap_or_default()
            ))
            .fix(
                format!(
                    "aws ec2 create-vpc-endpoint --vpc-id {} --vpc-endpoint-type Interface --service-name {} --subnet-ids {subnet_args} --security-group-ids {} --private-dns-enabled",
                    sh(vpc),
                    sh(service_name),
                    sh(&endpoint_group)
                ),
                format!(
                    "resource \"aws_vpc_endpoint\" \"{}\" {{\n  vpc_id              = \"{}\"\n  service_name        = \"{}\"\n  vpc_endpoint_type   = \"Interface\"\n  subnet_ids          = [\"{subnet_list}\"]\n  security_group_ids  = [\"{}\"]\n  private_dns_enabled = true\n}}",
                    label(short),
                    hcl(vpc),
                    hcl(service_name),
                    hcl(&endpoint_group)
                ),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    fn without(endpoint: &str) -> Snapshot {
        let mut snapshot = scenario("healthy-endpoints");
        snapshot.vpc_endpoints.retain(|ep| ep.id != endpoint);
        snapshot
    }

    fn gap(api: &str, resource: Option<&str>) -> CollectionGap {
        CollectionGap {
            api: api.into(),
            resource: resource.map(str::to_string),
            error_code: "UnauthorizedOperation".into(),
            message: "denied".into(),
        }
    }

    #[test]
    fn every_needed_endpoint_present_is_no_finding() {
        assert!(findings_of(&scenario("healthy-endpoints"), "PC201").is_empty());
        assert!(findings_of(&scenario("nat-path-healthy"), "PC201").is_empty());
    }

    #[test]
    fn a_missing_ecr_api_endpoint_without_nat_is_an_error() {
        let findings = findings_of(&without("vpce-ecrapi"), "PC201");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, ["vpc-0a1"]);
        assert!(
            findings[0]
                .title
                .starts_with("No ecr.api VPC endpoint in vpc-0a1")
        );
    }

    #[test]
    fn a_missing_s3_gateway_endpoint_names_the_route_tables_to_attach() {
        let mut snapshot = without("vpce-s3");
        // Deleting a gateway endpoint deletes its routes.
        snapshot.route_tables[1]
            .routes
            .retain(|route| route.target != "vpce-s3");
        let findings = findings_of(&snapshot, "PC201");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].resources, ["vpc-0a1", "rtb-private"]);
    }

    #[test]
    fn unread_endpoints_or_route_tables_leave_a_missing_endpoint_unknown() {
        let mut snapshot = without("vpce-ecrapi");
        snapshot
            .gaps
            .push(gap("ec2:DescribeVpcEndpoints", Some("vpc-0a1")));
        let findings = findings_of(&snapshot, "PC201");
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].resources, ["vpc-0a1"]);

        let mut snapshot = without("vpce-ecrapi");
        snapshot.route_tables.clear();
        snapshot.gaps.push(gap("ec2:DescribeRouteTables", None));
        let findings = findings_of(&snapshot, "PC201");
        assert!(!findings.is_empty());
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Warning, "{finding:#?}");
            assert!(finding.title.contains("route table could not be read"));
        }
    }
}
