use super::fixes::{hcl, label, note, sh};
use crate::declare_check;
use crate::facts::{
    Ipv6Address, NaclDecision, PathContext, PeerSpec, Site, Verdict, nacl_decision, nat64_route,
    route_for_ipv6, sg_allows,
};
use crate::net::{AddressSet, Direction, PortRange, Protocol};
use crate::snapshot::{EndpointType, RouteState, RouteTargetKind};

declare_check! {
    /// ## What it does
    /// Reports a flow that no VPC endpoint serves and for which the task subnet's route table
    /// has no route out of the VPC (no default route to a NAT gateway or internet gateway). For
    /// ECR's dual-stack registry host (`ACCOUNT.dkr-ecr.REGION.on.aws`), it also judges the IPv6
    /// route: `::/0` (or a block covering the public IPv6 range) to an egress-only internet
    /// gateway or an internet gateway. From an IPv6-only subnet, it reports every flow to an
    /// IPv4-only host (registry auth at `api.ecr.REGION.amazonaws.com`, layers, logs) that no
    /// NAT64 route carries.
    ///
    /// ## Why is this bad
    /// Without an endpoint, the service's name resolves to public addresses; without a route to
    /// them the connection times out (`dial tcp <public ip>:443: i/o timeout`, or
    /// `context canceled`). Over IPv6, the route table needs an IPv6 route to an egress-only or
    /// internet gateway
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>).
    /// An interface in an IPv6-only subnet has no IPv4 address, so it reaches an IPv4-only name
    /// only through DNS64 and a NAT gateway's NAT64
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html>); ECR
    /// answers IPv6 only on its dual-stack hosts, and registry auth is not one of them
    /// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html>).
    ///
    /// ## Example
    /// An isolated subnet with only the `local` route, running a task whose image is on Docker
    /// Hub; or an IPv6-only subnet routing `::/0` to an egress-only internet gateway, whose task
    /// pulls `ACCOUNT.dkr-ecr.REGION.on.aws/web:1`: the image host answers over IPv6, but the
    /// token comes from `api.ecr.REGION.amazonaws.com`, which has IPv4 addresses only.
    ///
    /// ## Fix
    /// Add the missing VPC endpoint (for AWS services in the task's region), or route
    /// `0.0.0.0/0` through a NAT gateway; over IPv6, route `::/0` to an egress-only internet
    /// gateway; from an IPv6-only subnet, turn DNS64 on and route `64:ff9b::/96` to a NAT
    /// gateway, or run the task in a dual-stack subnet.
    pub static CHECK = ("PC302", "no-internet-route", Error);
}

pub fn check(context: &PathContext, site: Site) -> Option<Verdict> {
    match site {
        Site::Internet(None) | Site::Nowhere => Some(judge(context)),
        Site::Internet6(route) => judge_ipv6(context, route.is_some()),
        Site::NoIpv4 => Some(judge_no_ipv4(context)),
        _ => None,
    }
}

fn judge(context: &PathContext) -> Verdict {
    let subnet = context.subnet_id();
    let vpc = &context.placement.vpc.id;
    if let Some(verdict) = super::collection_gap::unread_route_table(context, &CHECK) {
        return verdict;
    }
    let table = context
        .placement
        .route_table
        .map(|table| table.id.as_str())
        .unwrap_or("<route table>");
    let ipv6_exit = ipv6_default_route(context);
    let auth_note = ipv4_only_auth_note(context, ipv6_exit);
    let nat = context
        .index
        .snapshot
        .nat_gateways
        .iter()
        .find(|nat| {
            &nat.vpc_id == vpc && nat.state == "available" && nat.connectivity_type == "public"
        })
        .map(|nat| nat.id.as_str());
    let nat_id = nat.unwrap_or("<nat gateway id>");
    let title = match &auth_note {
        Some(_) => format!(
            "Route table {table} of {subnet} has no IPv4 route to {}: registry auth needs IPv4 even for a dual-stack image",
            context.flow.host
        ),
        None => format!(
            "Route table {table} of {subnet} has no route to the internet for {}",
            context.flow.host
        ),
    };
    Verdict::Block(
        CHECK
            .finding(title)
            .resources([table, subnet])
            .resources(nat)
            .detail(format!(
                "{}, so the task needs {} ({}). {table} has no default route to a NAT or internet gateway{}.{}",
                context.flow.because,
                context.flow.kind.describe(),
                context.flow.host,
                match nat {
                    Some(nat) => format!("; {nat} is available in {vpc}"),
                    None => format!(" and {vpc} has no available public NAT gateway"),
                },
                auth_note.map(|note| format!(" {note}")).unwrap_or_default()
            ))
            .fix(
                // The placeholder stays unquoted, for the engineer to replace.
                format!("aws ec2 create-route --route-table-id {} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {}", sh(table), nat.map(sh).unwrap_or_else(|| nat_id.to_string())),
                format!(
                    "resource \"aws_route\" \"{}_default\" {{\n  route_table_id         = \"{}\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  nat_gateway_id         = \"{}\"\n}}",
                    label(table),
                    hcl(table),
                    hcl(nat_id)
                ),
            ),
    )
}

/// The IPv6 path of a dual-stack host: whether the task has an IPv6 address is a fact to know
/// first; then a missing IPv6 route blocks. A route that exists is judged by PC303 and PC306.
fn judge_ipv6(context: &PathContext, has_route: bool) -> Option<Verdict> {
    let subnet = context.subnet_id();
    if let Some(verdict) = super::collection_gap::unread_route_table(context, &CHECK) {
        return Some(verdict);
    }
    let table = context
        .placement
        .route_table
        .map(|table| table.id.as_str())
        .unwrap_or("<route table>");
    let host = &context.flow.host;
    if context.placement.ipv6 == Ipv6Address::Unknown {
        let gateway = ipv6_default_route(context).unwrap_or("its IPv6 route");
        let why = if context.placement.subnet.ipv6_cidr_blocks.is_none() {
            format!(
                "the snapshot does not record {subnet}'s IPv6 blocks (it was collected with schema 3 or earlier, or the subnet's IPv6 fields were not read)"
            )
        } else {
            format!(
                "{subnet} has an IPv6 block, but no task of the target was seen there: ECS gives a task an IPv6 address only with its dualStackIPv6 account setting on, which is not read"
            )
        };
        return Some(Verdict::Unknown(
            CHECK
                .finding(format!("Whether {host} is reachable over IPv6 through {gateway} is unknown: whether the task has an IPv6 address is not recorded"))
                .resources([table, subnet])
                .detail(format!(
                    "{}. {table} routes IPv6 to {gateway}, and ECR's dual-stack registry host {host} has IPv6 addresses; but {why}.",
                    context.flow.because
                )),
        ));
    }
    if has_route {
        return None;
    }
    // An egress-only internet gateway another table of the VPC already routes to.
    let vpc = &context.placement.vpc.id;
    let known = context
        .index
        .snapshot
        .route_tables
        .iter()
        .filter(|t| &t.vpc_id == vpc)
        .flat_map(|t| &t.routes)
        .find(|route| route.target_kind() == RouteTargetKind::EgressOnlyInternetGateway)
        .map(|route| route.target.as_str());
    let placeholder = "<egress-only internet gateway id>";
    let gateway = known.unwrap_or(placeholder);
    let create = match known {
        Some(_) => String::new(),
        None => format!(
            "aws ec2 create-egress-only-internet-gateway --vpc-id {} && ",
            sh(vpc)
        ),
    };
    Some(Verdict::Block(
        CHECK
            .finding(format!("Route table {table} of {subnet} has no IPv6 route to the internet for {host}"))
            .resources([table, subnet])
            .resources(known)
            .detail(format!(
                "{}, so the task needs {} ({host}), which no VPC endpoint serves: ECR carries no PrivateLink traffic on its dual-stack hosts. {subnet} is {} and {table} has no IPv6 route (::/0) to an egress-only or internet gateway.",
                context.flow.because,
                context.flow.kind.describe(),
                if context.placement.has_ipv4() { "dual-stack" } else { "IPv6-only" },
            ))
            .fix(
                format!(
                    "{create}aws ec2 create-route --route-table-id {} --destination-ipv6-cidr-block ::/0 --egress-only-internet-gateway-id {}",
                    sh(table),
                    known.map(sh).unwrap_or_else(|| placeholder.to_string())
                ),
                format!(
                    "resource \"aws_route\" \"{}_ipv6_default\" {{\n  route_table_id              = \"{}\"\n  destination_ipv6_cidr_block = \"::/0\"\n  egress_only_gateway_id      = \"{}\"\n}}",
                    label(table),
                    hcl(table),
                    hcl(gateway)
                ),
            ),
    ))
}

/// A flow to an IPv4-only host from an IPv6-only subnet: blocked unless DNS64 and a NAT64
/// route carry it, or an endpoint of the service might answer over IPv6.
fn judge_no_ipv4(context: &PathContext) -> Verdict {
    let subnet = context.subnet_id();
    let vpc = &context.placement.vpc.id;
    let host = &context.flow.host;
    if let Some(verdict) = super::collection_gap::unread_route_table(context, &CHECK) {
        return verdict;
    }
    let table = context.placement.route_table;
    let table_id = table.map(|t| t.id.as_str()).unwrap_or("<route table>");
    let service = context
        .flow
        .endpoint_service(&context.index.snapshot.region);
    let endpoint =
        service.as_ref().and_then(|service| {
            context.index.endpoints_in(vpc).iter().find(|ep| {
                &ep.service_name == service && ep.endpoint_type == EndpointType::Interface
            })
        });
    if let Some(endpoint) = endpoint {
        return Verdict::Unknown(
            CHECK
                .finding(format!("Whether {} answers {host} over IPv6 for IPv6-only {subnet} is unknown", endpoint.id))
                .resources([endpoint.id.as_str(), subnet])
                .detail(format!(
                    "{}. {subnet} is IPv6-only, so the task has no IPv4 address; {} serves {host} in {vpc}, but its IPv6 addresses (its IP address type) are not recorded.",
                    context.flow.because, endpoint.id
                )),
        );
    }
    if let Some(route) = table.and_then(nat64_route)
        && context.placement.subnet.enable_dns64
    {
        return Verdict::Unknown(
            CHECK
                .finding(format!("{host} is reached from IPv6-only {subnet} through NAT64 ({} → {}): that path is not walked", route.destination, route.target))
                .resources([table_id, subnet, route.target.as_str()])
                .detail(format!(
                    "{}. {host} has IPv4 addresses only; {subnet} has DNS64 on and {table_id} routes {} to {}, which translates to IPv4. The NAT gateway's own route out is not judged on this path.",
                    context.flow.because, route.destination, route.target
                )),
        );
    }
    let nat = context
        .index
        .snapshot
        .nat_gateways
        .iter()
        .find(|nat| {
            &nat.vpc_id == vpc && nat.state == "available" && nat.connectivity_type == "public"
        })
        .map(|nat| nat.id.as_str());
    let nat_id = nat.unwrap_or("<nat gateway id>");
    let dns64 = if context.placement.subnet.enable_dns64 {
        "DNS64 is on, but no route sends 64:ff9b::/96 to a NAT gateway"
    } else {
        "DNS64 is off and no route sends 64:ff9b::/96 to a NAT gateway"
    };
    let registry = auth_for_dual_stack_image(context).map(|(image_host, open)| {
        if open {
            format!("the image host {image_host} itself would have been reachable over IPv6")
        } else {
            format!(
                "the image host {image_host} is dual-stack, but its own IPv6 path is blocked too"
            )
        }
    });
    let title = match &registry {
        Some(image) => format!(
            "Route table {table_id} of IPv6-only {subnet} has no IPv4 path to {host}: registry auth needs IPv4; {image}"
        ),
        None => format!(
            "Route table {table_id} of IPv6-only {subnet} has no IPv4 path to {host}, which has IPv4 addresses only"
        ),
    };
    let auth = registry
        .map(|image| format!(" Registry auth needs IPv4; {image}: the image is on ECR's dual-stack host, but the agent gets its registry token from {host} (ecr:GetAuthorizationToken), which has IPv4 addresses only."))
        .unwrap_or_default();
    Verdict::Block(
        CHECK
            .finding(title)
            .resources([table_id, subnet])
            .resources(nat)
            .detail(format!(
                "{}, so the task needs {} ({host}). {subnet} is IPv6-only: the task has no IPv4 address, and {dns64} in {table_id}.{auth} Turn DNS64 on for {subnet} and route 64:ff9b::/96 to a public NAT gateway (NAT64), or run the task in a dual-stack subnet.",
                context.flow.because,
                context.flow.kind.describe(),
            ))
            .fix(
                format!(
                    "aws ec2 modify-subnet-attribute --subnet-id {} --enable-dns64 && aws ec2 create-route --route-table-id {} --destination-ipv6-cidr-block 64:ff9b::/96 --nat-gateway-id {}",
                    sh(subnet),
                    sh(table_id),
                    nat.map(sh).unwrap_or_else(|| nat_id.to_string())
                ),
                format!(
                    "# in the aws_subnet for {}: enable_dns64 = true\nresource \"aws_route\" \"{}_nat64\" {{\n  route_table_id              = \"{}\"\n  destination_ipv6_cidr_block = \"64:ff9b::/96\"\n  nat_gateway_id              = \"{}\"\n}}",
                    note(subnet),
                    label(table_id),
                    hcl(table_id),
                    hcl(nat_id)
                ),
            ),
    )
}

/// For the ECR auth flow of a task with a dual-stack image in the flow's region: the image's
/// host, and whether its IPv6 path is open from this placement (an IPv6 address, an IPv6 route
/// to an egress-only or attached internet gateway, TCP 443 out in the task's groups and ACL,
/// replies in).
fn auth_for_dual_stack_image(context: &PathContext) -> Option<(String, bool)> {
    if context.flow.kind != crate::flows::FlowKind::EcrAuth {
        return None;
    }
    let definition = context.target.definition?;
    let image = *crate::flows::dual_stack_images(definition, &context.flow.region).first()?;
    let host = crate::flows::ImageRef::registry_host(image);
    Some((host, ipv6_path_open(context)))
}

/// Whether the placement's IPv6 path to public IPv6 addresses lets HTTPS through, judged from
/// the facts alone.
fn ipv6_path_open(context: &PathContext) -> bool {
    let peer = AddressSet::PublicIpv6;
    let Some(table) = context.placement.route_table else {
        return false;
    };
    let route_ok = route_for_ipv6(table, &peer).is_some_and(|route| {
        route.state != RouteState::Blackhole
            && match route.target_kind() {
                RouteTargetKind::EgressOnlyInternetGateway => true,
                RouteTargetKind::InternetGateway => context
                    .index
                    .internet_gateway(&route.target)
                    .is_some_and(|gw| gw.attached_vpc_ids.contains(&context.placement.vpc.id)),
                _ => false,
            }
    });
    let (groups, missing) = context.task_groups();
    let egress_ok = missing.is_empty()
        && !groups.is_empty()
        && sg_allows(
            context.index,
            &groups,
            Direction::Egress,
            &PeerSpec {
                addresses: vec![peer.clone()],
                ..PeerSpec::default()
            },
            Protocol::Tcp,
            &PortRange::HTTPS,
        )
        .is_some();
    let acl_ok = context
        .index
        .nacl_for(context.subnet_id())
        .is_some_and(|acl| {
            matches!(
                nacl_decision(
                    acl,
                    Direction::Egress,
                    &peer,
                    Protocol::Tcp,
                    PortRange::HTTPS
                ),
                NaclDecision::Allowed(_)
            ) && matches!(
                nacl_decision(
                    acl,
                    Direction::Ingress,
                    &peer,
                    Protocol::Tcp,
                    PortRange::LINUX_EPHEMERAL
                ),
                NaclDecision::Allowed(_)
            )
        });
    context.placement.ipv6 == Ipv6Address::Yes && route_ok && egress_ok && acl_ok
}

/// The IPv6 default route (`::/0`) of the placement's route table to an egress-only or internet
/// gateway, when it has one: the gateway's id.
pub(crate) fn ipv6_default_route<'a>(context: &PathContext<'a, '_>) -> Option<&'a str> {
    context
        .placement
        .route_table?
        .routes
        .iter()
        .find_map(|route| {
            let crate::snapshot::RouteDestination::Ipv6(cidr) = &route.destination else {
                return None;
            };
            (cidr == "::/0"
                && route.state != crate::snapshot::RouteState::Blackhole
                && (route.target.starts_with("eigw-") || route.target.starts_with("igw-")))
            .then_some(route.target.as_str())
        })
}

/// For the ECR auth flow of a task with a dual-stack image: why an IPv6 path does not help.
/// Registry auth (`ecr:GetAuthorizationToken`) goes to `api.ecr.REGION.amazonaws.com`, which has
/// IPv4 addresses only, whatever host the image names
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html>: IPv6 requests need
/// the dual-stack hosts, which the agent does not use for auth).
pub(crate) fn ipv4_only_auth_note(
    context: &PathContext,
    ipv6_exit: Option<&str>,
) -> Option<String> {
    let (image_host, open) = auth_for_dual_stack_image(context)?;
    let definition = context.target.definition?;
    let image = *crate::flows::dual_stack_images(definition, &context.flow.region).first()?;
    let ipv6 = match ipv6_exit {
        Some(gateway) if open => format!(
            " The IPv6 route ::/0 → {gateway} does not carry it, though the image host {image_host} itself would have been reachable over IPv6."
        ),
        Some(gateway) => format!(" The IPv6 route ::/0 → {gateway} does not carry it."),
        None => String::new(),
    };
    Some(format!(
        "Registry auth needs IPv4 even for a dual-stack image: {image} is pulled from ECR's dual-stack host (ECR's own registry, IPv4 and IPv6), but the agent gets its token from {}, which has IPv4 addresses only.{ipv6} Give the subnet an IPv4 path to it: the ecr.api interface endpoint, or a NAT gateway route.",
        context.flow.host
    ))
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::test_support::{findings_of, scenario};
    use crate::snapshot::{CollectionGap, Snapshot};

    /// The NAT path running a ghcr.io image (no VPC endpoint serves it); with `default_route`
    /// false, the private subnets' table keeps only its local route.
    fn ghcr(default_route: bool) -> Snapshot {
        let mut snapshot = scenario("nat-path-healthy");
        snapshot.task_definitions[0].containers[0].image = "ghcr.io/example/web:1.4.2".into();
        if !default_route {
            let private = snapshot
                .route_tables
                .iter_mut()
                .find(|t| t.id == "rtb-private")
                .unwrap();
            private.routes.retain(|route| route.target == "local");
        }
        snapshot
    }

    #[test]
    fn a_default_route_through_the_nat_gateway_reaches_an_external_registry() {
        assert!(findings_of(&ghcr(true), "PC302").is_empty());
        assert!(findings_of(&scenario("healthy-endpoints"), "PC302").is_empty());
    }

    #[test]
    fn a_subnet_with_only_the_local_route_cannot_reach_an_external_registry() {
        let findings = findings_of(&ghcr(false), "PC302");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        for (finding, subnet) in findings
            .iter()
            .zip(["subnet-private-a", "subnet-private-b"])
        {
            assert_eq!(finding.severity, Severity::Error);
            // The VPC's available NAT gateway is what the fix routes to.
            assert_eq!(finding.resources, ["rtb-private", subnet, "nat-0a1"]);
            assert!(
                finding
                    .title
                    .contains("no route to the internet for ghcr.io")
            );
        }
    }

    #[test]
    fn an_unread_route_table_is_unknown_not_missing() {
        let mut snapshot = ghcr(true);
        snapshot.route_tables.clear();
        snapshot.gaps.push(CollectionGap {
            api: "ec2:DescribeRouteTables".into(),
            resource: None,
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        });
        let findings = findings_of(&snapshot, "PC302");
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        assert!(findings.iter().any(|f| f.resources == ["subnet-private-a"]));
    }

    fn table<'s>(snapshot: &'s mut Snapshot, id: &str) -> &'s mut crate::snapshot::RouteTable {
        snapshot
            .route_tables
            .iter_mut()
            .find(|t| t.id == id)
            .unwrap()
    }

    #[test]
    fn registry_auth_from_an_ipv6_only_subnet_names_the_table_and_the_reachable_image_host() {
        let findings = findings_of(&scenario("ipv6-only-dual-stack-image"), "PC302");
        let auth: Vec<_> = findings
            .iter()
            .filter(|f| f.title.contains("api.ecr.us-east-1.amazonaws.com"))
            .collect();
        assert_eq!(auth.len(), 2, "{findings:#?}");
        for finding in auth {
            assert_eq!(finding.severity, Severity::Error);
            assert_eq!(finding.resources[0], "rtb-private");
            assert!(finding.title.contains("registry auth needs IPv4; the image host 111122223333.dkr-ecr.us-east-1.on.aws itself would have been reachable over IPv6"), "{}", finding.title);
            let fix = finding.fix.as_ref().unwrap();
            assert!(fix.aws_cli.contains("--enable-dns64"));
            assert!(
                fix.aws_cli
                    .contains("--destination-ipv6-cidr-block 64:ff9b::/96")
            );
            assert!(
                fix.terraform
                    .contains("destination_ipv6_cidr_block = \"64:ff9b::/96\"")
            );
        }
        // The registry flow itself passes over IPv6: no PC302 about it.
        assert!(
            findings
                .iter()
                .all(|f| !f.title.contains("dkr-ecr.us-east-1.on.aws is"))
        );
    }

    #[test]
    fn an_image_host_whose_ipv6_path_is_blocked_too_is_not_called_reachable() {
        let mut snapshot = scenario("ipv6-only-dual-stack-image");
        let app = snapshot
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-app")
            .unwrap();
        app.egress
            .retain(|rule| rule.rule_id.as_deref() != Some("sgr-app-https6"));
        let findings = findings_of(&snapshot, "PC302");
        assert!(findings.iter().any(|f| {
            f.title
                .contains("is dual-stack, but its own IPv6 path is blocked too")
        }));
        assert!(
            findings
                .iter()
                .all(|f| !f.title.contains("would have been reachable"))
        );
    }

    #[test]
    fn dns64_with_a_nat64_route_leaves_ipv4_only_hosts_unknown_not_blocked() {
        let mut snapshot = scenario("ipv6-only-dual-stack-image");
        for subnet in &mut snapshot.subnets {
            subnet.enable_dns64 = true;
        }
        table(&mut snapshot, "rtb-private")
            .routes
            .push(crate::snapshot::Route {
                destination: "64:ff9b::/96".parse().unwrap(),
                target: "nat-0a1".into(),
                state: Default::default(),
            });
        let findings = findings_of(&snapshot, "PC302");
        assert!(!findings.is_empty());
        assert!(
            findings.iter().all(|f| f.severity == Severity::Warning),
            "{findings:#?}"
        );
        assert!(
            findings
                .iter()
                .all(|f| f.title.contains("through NAT64 (64:ff9b::/96 → nat-0a1)"))
        );
    }

    #[test]
    fn a_dual_stack_task_without_an_ipv6_route_is_told_to_route_ipv6_to_an_egress_only_gateway() {
        let findings = findings_of(&scenario("dual-stack-no-ipv6-route"), "PC302");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        for finding in &findings {
            assert_eq!(finding.severity, Severity::Error);
            let fix = finding.fix.as_ref().unwrap();
            // No other table routes to an egress-only gateway: the fix creates one.
            assert!(fix.aws_cli.starts_with("aws ec2 create-egress-only-internet-gateway --vpc-id vpc-0a1 && aws ec2 create-route --route-table-id rtb-private --destination-ipv6-cidr-block ::/0"));
            assert!(fix.terraform.contains("egress_only_gateway_id"));
        }
        assert!(findings_of(&scenario("dual-stack-healthy"), "PC302").is_empty());
    }

    #[test]
    fn ipv6_facts_not_recorded_leave_the_ipv6_path_unknown() {
        let mut snapshot = scenario("dual-stack-no-ipv6-route");
        table(&mut snapshot, "rtb-private")
            .routes
            .push(crate::snapshot::Route {
                destination: "::/0".parse().unwrap(),
                target: "eigw-0a1".into(),
                state: Default::default(),
            });
        snapshot.tasks.clear();
        // The subnets' IPv6 blocks are known, but no task shows an IPv6 address.
        let findings = findings_of(&snapshot, "PC302");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings.iter().all(|f| f.severity == Severity::Warning
            && f.detail.contains("dualStackIPv6 account setting")));
        // A schema 3 snapshot records no IPv6 blocks at all.
        for subnet in &mut snapshot.subnets {
            subnet.ipv6_cidr_blocks = None;
        }
        let findings = findings_of(&snapshot, "PC302");
        assert!(
            findings
                .iter()
                .all(|f| f.severity == Severity::Warning && f.detail.contains("does not record"))
        );
    }
}
