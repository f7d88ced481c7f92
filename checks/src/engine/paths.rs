//! Enumerates the paths a flow could take and walks each one hop by hop.

use crate::facts::reach::{route_for, route_for_public};
use crate::facts::{Hop, HopRecord, HopStatus, Index, PathContext, TargetInput, Verdict};
use crate::finding::{Finding, Severity};
use crate::flows::required_flows;
use crate::net::{AddressSet, Ipv4Cidr};
use crate::reason::{Classification, classify};
use crate::report::{FlowReport, FlowVerdict, TargetReport, TargetVerdict};
use crate::rules;
use crate::snapshot::{
    EndpointInterface, EndpointType, LaunchType, RouteState, RouteTargetKind, VpcEndpoint,
};

/// One candidate path after its walk.
struct PathResult {
    description: String,
    /// The interface or gateway endpoint the path goes through: requests carry its id as
    /// `aws:SourceVpce`.
    endpoint: Option<String>,
    /// False for a path whose first piece does not exist (no endpoint, no default route).
    present: bool,
    hops: Vec<(HopRecord, Option<Finding>)>,
    advisories: Vec<Finding>,
}

impl PathResult {
    fn new(description: String, present: bool) -> Self {
        PathResult {
            description,
            endpoint: None,
            present,
            hops: Vec::new(),
            advisories: Vec::new(),
        }
    }

    fn push(&mut self, hop: Hop, verdict: Verdict) {
        let record = match verdict {
            Verdict::Pass(evidence) => (
                HopRecord {
                    hop,
                    status: HopStatus::Pass,
                    evidence,
                    check: None,
                },
                None,
            ),
            Verdict::Block(finding) => (
                HopRecord {
                    hop,
                    status: HopStatus::Block,
                    evidence: finding.title.clone(),
                    check: Some(finding.check),
                },
                Some(finding),
            ),
            Verdict::Unknown(mut finding) => {
                if finding.severity == Severity::Error {
                    finding.severity = Severity::Warning;
                }
                (
                    HopRecord {
                        hop,
                        status: HopStatus::Unknown,
                        evidence: finding.title.clone(),
                        check: Some(finding.check),
                    },
                    Some(finding),
                )
            }
        };
        self.hops.push(record);
    }

    fn advise(&mut self, finding: Option<Finding>) {
        self.advisories.extend(finding);
    }

    fn count(&self, status: HopStatus) -> usize {
        self.hops
            .iter()
            .filter(|(record, _)| record.status == status)
            .count()
    }

    fn verdict(&self) -> FlowVerdict {
        if self.count(HopStatus::Block) > 0 {
            FlowVerdict::Blocked
        } else if self.count(HopStatus::Unknown) > 0 {
            FlowVerdict::Unknown
        } else {
            FlowVerdict::Ok
        }
    }
}

pub fn evaluate_target(index: &Index, target: &TargetInput) -> (TargetReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut flow_reports = Vec::new();
    let classifications: Vec<Classification> = target
        .reasons
        .iter()
        .map(|reason| classify(reason))
        .collect();
    let mut verdict = TargetVerdict::Ok;
    match preconditions(index, target) {
        Err(finding) => {
            verdict = if finding.severity == Severity::Error {
                TargetVerdict::Blocked
            } else {
                TargetVerdict::Unknown
            };
            findings.push(*finding);
        }
        Ok(definition) => {
            findings.extend(rules::legacy_platform::check(target));
            let launch_type = target.launch_type.unwrap_or(LaunchType::Fargate);
            let flows = required_flows(
                definition,
                &index.snapshot.region,
                &index.snapshot.account_id,
                launch_type,
                target.legacy_platform(),
            );
            let role_findings = rules::execution_role::check(index, target, definition, &flows);
            if role_findings
                .iter()
                .any(|finding| finding.severity == Severity::Error)
            {
                verdict = TargetVerdict::Blocked;
            }
            findings.extend(role_findings);
            for placement in &target.placements {
                for flow in &flows {
                    let dialled = classifications
                        .iter()
                        .find(|c| c.flow == Some(flow.kind) && c.ip.is_some())
                        .and_then(|c| c.ip);
                    let context = PathContext {
                        index,
                        target,
                        placement,
                        flow,
                        dialled,
                    };
                    let (report, flow_findings) = evaluate_flow(&context);
                    findings.extend(
                        flow_findings
                            .into_iter()
                            .map(|finding| finding.flow(flow.kind)),
                    );
                    flow_reports.push(report);
                }
            }
            for report in &flow_reports {
                verdict = verdict.combine(report.verdict);
            }
            // Evidence the task carries (its reasons, its containers): findings of the target,
            // not of one hop.
            let evidence: Vec<Finding> = rules::secret_json_key::check(target, definition)
                .into_iter()
                .chain(rules::bare_image_name::check(index, target, definition))
                .chain(rules::registry_rate_limit::check(index, target, definition))
                .chain(rules::ephemeral_storage::check(index, target, definition))
                .collect();
            if evidence
                .iter()
                .any(|finding| finding.severity == Severity::Error)
            {
                verdict = TargetVerdict::Blocked;
            }
            findings.extend(evidence);
        }
    }
    findings.extend(rules::stopped_reason::correlate(
        index,
        target,
        &classifications,
        &flow_reports,
    ));
    for finding in &mut findings {
        finding.target.get_or_insert_with(|| target.id.clone());
    }
    let report = TargetReport {
        target: target.id.clone(),
        kind: target.kind,
        name: target.name.clone(),
        task_definition: target.task_definition_arn.clone(),
        verdict,
        flows: flow_reports,
    };
    (report, findings)
}

/// What must hold before any flow can be walked: a task definition, a launch type whose
/// network we model, and at least one known subnet.
fn preconditions<'a>(
    index: &Index<'a>,
    target: &TargetInput<'a>,
) -> Result<&'a crate::snapshot::TaskDefinition, Box<Finding>> {
    if target.launch_type == Some(LaunchType::External) {
        return Err(Box::new(rules::launch_type::finding(target)));
    }
    let Some(definition) = target.definition else {
        return Err(Box::new(rules::target_incomplete::missing_definition(
            index, target,
        )));
    };
    let walkable_mode =
        definition.network_mode == "awsvpc" || target.launch_type == Some(LaunchType::Ec2);
    if !walkable_mode || target.placements.is_empty() {
        return Err(Box::new(rules::target_incomplete::missing_network(
            target, definition,
        )));
    }
    Ok(definition)
}

fn evaluate_flow(context: &PathContext) -> (FlowReport, Vec<Finding>) {
    let task_region = &context.index.snapshot.region;
    let service = context.flow.endpoint_service(task_region);
    let mut paths = Vec::new();
    let endpoints: Vec<&VpcEndpoint> = match &service {
        Some(service) => context
            .index
            .endpoints_in(&context.placement.vpc.id)
            .iter()
            .copied()
            .filter(|ep| &ep.service_name == service)
            .collect(),
        None => Vec::new(),
    };
    for endpoint in &endpoints {
        match endpoint.endpoint_type {
            EndpointType::Interface => paths.push(walk_interface(context, endpoint)),
            EndpointType::Gateway => paths.push(walk_gateway(context, endpoint)),
            EndpointType::GatewayLoadBalancer => {}
        }
    }
    if let Some(service) = &service
        && endpoints
            .iter()
            .all(|ep| ep.endpoint_type == EndpointType::GatewayLoadBalancer)
    {
        let mut missing = PathResult::new(format!("VPC endpoint {service} (missing)"), false);
        missing.push(
            Hop::Endpoint,
            rules::endpoint_missing::check(context, service),
        );
        paths.push(missing);
    }
    if !shadowed_by_private_dns(context, &endpoints)
        && let Some(internet) = walk_internet(context)
    {
        paths.push(internet);
    }
    if paths.is_empty() {
        // No endpoint can serve the flow and its route stays inside the VPC (or ends at a gateway
        // endpoint of another service): nothing carries it out.
        let mut nowhere = PathResult::new("no path out of the VPC".to_string(), false);
        nowhere.push(Hop::Route, rules::no_route::check(context));
        paths.push(nowhere);
    }
    let chosen = choose(&paths);
    let mut path = paths.swap_remove(chosen);
    // Identity and image hops hold on whichever path carries the flow: walk them once, on it.
    let source_vpce = path.endpoint.clone();
    if let Some(verdict) = rules::role_permissions::check(context, source_vpce.as_deref()) {
        path.push(Hop::Iam, verdict);
    }
    for verdict in rules::repository_policy::check(context, source_vpce.as_deref()) {
        path.push(Hop::Iam, verdict);
    }
    for verdict in rules::secret_kms_key::check(context) {
        path.push(Hop::Iam, verdict);
    }
    let images = rules::image_reference::images(context);
    for verdict in rules::image_reference::check(context, &images)
        .into_iter()
        .chain(rules::image_digest::check(context, &images))
        .chain(rules::image_platform::check(context, &images))
        .chain(rules::repository_kms_key::check(context, &images))
    {
        path.push(Hop::Image, verdict);
    }
    let verdict = path.verdict();
    let (hops, findings): (Vec<HopRecord>, Vec<Option<Finding>>) = path.hops.into_iter().unzip();
    let mut findings: Vec<Finding> = findings.into_iter().flatten().collect();
    findings.extend(path.advisories);
    if verdict == FlowVerdict::Blocked {
        findings.extend(rules::endpoint_cannot_serve::check(context));
    }
    let report = FlowReport {
        flow: context.flow.kind,
        host: context.flow.host.clone(),
        subnet: context.placement.subnet.id.clone(),
        verdict,
        path: path.description,
        hops,
    };
    (report, findings)
}

/// A working path wins; else a path the snapshot cannot decide; else the most plausible broken
/// one: a path whose resources exist, with the fewest blocking hops, endpoints first.
fn choose(paths: &[PathResult]) -> usize {
    let rank = |path: &PathResult| {
        let verdict_rank = match path.verdict() {
            FlowVerdict::Ok => 0,
            FlowVerdict::Unknown => 1,
            FlowVerdict::Blocked => 2,
        };
        (verdict_rank, !path.present, path.count(HopStatus::Block))
    };
    (0..paths.len())
        .min_by_key(|&index| rank(&paths[index]))
        .unwrap_or(0)
}

/// With private DNS on and the Amazon resolver in use, the service's name resolves to the
/// interface endpoint, so no other path is ever taken for it.
fn shadowed_by_private_dns(context: &PathContext, endpoints: &[&VpcEndpoint]) -> bool {
    let vpc = context.placement.vpc;
    vpc.enable_dns_support
        && vpc.enable_dns_hostnames
        && context.custom_dns_servers().is_empty()
        && endpoints
            .iter()
            .any(|ep| ep.endpoint_type == EndpointType::Interface && ep.private_dns_enabled)
}

fn walk_interface(context: &PathContext, endpoint: &VpcEndpoint) -> PathResult {
    let mut path = PathResult::new(
        format!(
            "interface endpoint {} ({})",
            endpoint.id,
            endpoint.short_service()
        ),
        true,
    );
    path.endpoint = Some(endpoint.id.clone());
    path.push(
        Hop::Dns,
        rules::dns_support::check(context, endpoint.private_dns_enabled),
    );
    path.push(Hop::Dns, rules::dns_hostnames::check(context, endpoint));
    path.push(Hop::Dns, rules::private_dns::check(context, endpoint));
    path.push(Hop::Dns, rules::custom_dns::check(context, endpoint));
    path.push(
        Hop::Endpoint,
        rules::endpoint_state::check(context, endpoint),
    );
    let task_az = &context.placement.subnet.availability_zone;
    let mut interfaces: Vec<&EndpointInterface> = endpoint.network_interfaces.iter().collect();
    interfaces.sort_by_key(|eni| (&eni.availability_zone != task_az, eni.id.clone()));
    let mut chosen: Option<Vec<(Hop, Verdict)>> = None;
    for eni in interfaces {
        let hops = interface_hops(context, endpoint, eni);
        let works = hops
            .iter()
            .all(|(_, verdict)| matches!(verdict, Verdict::Pass(_)));
        if works || chosen.is_none() {
            chosen = Some(hops);
        }
        if works {
            break;
        }
    }
    for (hop, verdict) in chosen.into_iter().flatten() {
        path.push(hop, verdict);
    }
    path.push(
        Hop::Policy,
        rules::endpoint_policy::check(context, endpoint),
    );
    path.advise(rules::endpoint_az_coverage::check(context, endpoint));
    path.advise(rules::endpoint_sg_open::check(context, endpoint));
    path
}

fn interface_hops(
    context: &PathContext,
    endpoint: &VpcEndpoint,
    eni: &EndpointInterface,
) -> Vec<(Hop, Verdict)> {
    let eni_address = AddressSet::Block(Ipv4Cidr::host(eni.private_ip));
    let mut hops = vec![
        (Hop::Route, rules::route_beyond::check_local(context, eni)),
        (
            Hop::TaskEgress,
            rules::sg_egress::to_endpoint(context, endpoint, eni),
        ),
    ];
    // Network ACLs filter traffic that crosses a subnet boundary, not traffic inside a subnet.
    if eni.subnet_id != context.placement.subnet.id {
        let task_subnet = context.subnet_id();
        hops.push((
            Hop::TaskNaclOutbound,
            rules::nacl_request::check(context, task_subnet, true, &eni_address),
        ));
        hops.push((
            Hop::TaskNaclReturn,
            rules::nacl_return::check(context, task_subnet, false, &eni_address),
        ));
        let task_address = context.placement.source.clone();
        hops.push((
            Hop::EndpointNaclInbound,
            rules::nacl_request::check(context, &eni.subnet_id, false, &task_address),
        ));
        hops.push((
            Hop::EndpointNaclReturn,
            rules::nacl_return::check(context, &eni.subnet_id, true, &task_address),
        ));
    }
    hops.push((
        Hop::EndpointIngress,
        rules::endpoint_sg_ingress::check(context, endpoint, eni),
    ));
    hops
}

fn walk_gateway(context: &PathContext, endpoint: &VpcEndpoint) -> PathResult {
    let mut path = PathResult::new(
        format!(
            "gateway endpoint {} ({})",
            endpoint.id,
            endpoint.short_service()
        ),
        true,
    );
    path.endpoint = Some(endpoint.id.clone());
    path.push(Hop::Dns, rules::dns_support::check(context, false));
    path.push(
        Hop::Endpoint,
        rules::endpoint_state::check(context, endpoint),
    );
    path.push(
        Hop::Route,
        rules::s3_gateway_route::check(context, endpoint),
    );
    path.push(
        Hop::TaskEgress,
        rules::s3_prefix_list_egress::check(context),
    );
    push_task_nacls(context, &mut path);
    path.push(
        Hop::Policy,
        rules::endpoint_policy::check(context, endpoint),
    );
    path
}

/// A network ACL check: (context, subnet, egress, peer) → verdict.
type NaclCheck = fn(&PathContext, &str, bool, &AddressSet) -> Verdict;

fn push_task_nacls(context: &PathContext, path: &mut PathResult) {
    let destinations = context.public_destinations();
    let subnet = context.subnet_id();
    let checks: [(Hop, bool, NaclCheck); 2] = [
        (Hop::TaskNaclOutbound, true, rules::nacl_request::check),
        (Hop::TaskNaclReturn, false, rules::nacl_return::check),
    ];
    for (hop, egress, check) in checks {
        // Report the first destination that is blocked, else the evidence for the first one.
        let mut reported = None;
        for destination in &destinations {
            let verdict = check(context, subnet, egress, destination);
            let passes = matches!(verdict, Verdict::Pass(_));
            if !passes || reported.is_none() {
                reported = Some(verdict);
            }
            if !passes {
                break;
            }
        }
        if let Some(verdict) = reported {
            path.push(hop, verdict);
        }
    }
}

/// The path through the subnet's route table to a NAT gateway, internet gateway or beyond.
/// `None` when that route leads to a gateway endpoint (walked as its own path) or stays local.
fn walk_internet(context: &PathContext) -> Option<PathResult> {
    let destinations = context.public_destinations();
    let route = context
        .placement
        .route_table
        .and_then(|table| match &destinations[0] {
            AddressSet::Block(block) => route_for(context.index, table, block),
            AddressSet::Public => route_for_public(context.index, table),
        });
    let kind = route.map(|route| route.target_kind());
    if matches!(kind, Some(RouteTargetKind::Local)) {
        return None;
    }
    if let Some(route) = route
        && kind == Some(RouteTargetKind::VpcEndpoint)
        && context
            .index
            .snapshot
            .vpc_endpoints
            .iter()
            .any(|ep| ep.id == route.target && ep.endpoint_type == EndpointType::Gateway)
    {
        return None;
    }
    let description = match route {
        Some(route) => format!("route {} → {}", route.destination, route.target),
        None => "internet (no route)".to_string(),
    };
    let mut path = PathResult::new(description, route.is_some());
    path.push(Hop::Dns, rules::dns_support::check(context, false));
    match route {
        None => path.push(Hop::Route, rules::no_route::check(context)),
        Some(route) if route.state == RouteState::Blackhole => {
            path.push(Hop::Route, rules::route_target::blackhole(context, route))
        }
        Some(route) => {
            path.push(
                Hop::Route,
                Verdict::Pass(format!(
                    "{} routes {} to {}",
                    context
                        .placement
                        .route_table
                        .map(|t| t.id.as_str())
                        .unwrap_or("?"),
                    route.destination,
                    route.target
                )),
            );
            match route.target_kind() {
                RouteTargetKind::InternetGateway => {
                    path.push(
                        Hop::Gateway,
                        rules::route_target::internet_gateway(context, route),
                    );
                    path.push(Hop::Gateway, rules::public_ip::check(context, route));
                }
                RouteTargetKind::NatGateway => {
                    path.push(Hop::Gateway, rules::nat_gateway::check(context, route))
                }
                _ => path.push(Hop::Gateway, rules::route_beyond::check(context, route)),
            }
        }
    }
    path.push(
        Hop::TaskEgress,
        rules::sg_egress::to_public(context, &destinations),
    );
    push_task_nacls(context, &mut path);
    Some(path)
}
