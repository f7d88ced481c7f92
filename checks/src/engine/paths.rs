//! Enumerates the paths a flow could take and walks each one hop by hop.

use crate::facts::dns::Answer;
use crate::facts::reach::{route_for, route_for_ipv6, route_for_public};
use crate::facts::{
    Carrier, Hop, HopRecord, HopStep, Index, Ipv6Address, PathContext, Selection, Site, Status,
    TargetFacts, TargetInput, Verdict, images,
};
use crate::finding::{Finding, Severity};
use crate::flows::required_flows;
use crate::net::AddressSet;
use crate::reason::{Classification, classify};
use crate::report::{FlowReport, FlowVerdict, TargetReport, TargetVerdict};
use crate::rules;
use crate::rules::registry::{self, InterfaceStep};
use crate::snapshot::{EndpointType, LaunchType, RouteTargetKind, VpcEndpoint};

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
                    status: Status::Ok,
                    evidence,
                    check: None,
                },
                None,
            ),
            Verdict::Block(finding) => (
                HopRecord {
                    hop,
                    status: Status::Blocked,
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
                        status: Status::Unknown,
                        evidence: finding.title.clone(),
                        check: Some(finding.check),
                    },
                    Some(finding),
                )
            }
        };
        self.hops.push(record);
    }

    /// Runs a table of hop checks at one site, each behind the selection's guard.
    fn walk(&mut self, walker: &Walker, site: Site, steps: &[HopStep]) {
        for step in steps {
            if let Some(verdict) = walker.run(step, site) {
                self.push(step.hop, verdict);
            }
        }
    }

    fn count(&self, status: Status) -> usize {
        self.hops
            .iter()
            .filter(|(record, _)| record.status == status)
            .count()
    }

    fn verdict(&self) -> FlowVerdict {
        if self.count(Status::Blocked) > 0 {
            FlowVerdict::Blocked
        } else if self.count(Status::Unknown) > 0 {
            FlowVerdict::Unknown
        } else {
            FlowVerdict::Ok
        }
    }
}

/// One flow of one target in one subnet, with the checks the user selected.
struct Walker<'w, 'a, 'b> {
    context: &'w PathContext<'a, 'b>,
    selection: &'w Selection,
}

impl Walker<'_, '_, '_> {
    fn run(&self, step: &HopStep, site: Site) -> Option<Verdict> {
        if !self.selection.enabled(step.check.id) {
            return None;
        }
        (step.run)(self.context, site)
    }
}

pub fn evaluate_target(
    index: &Index,
    target: &TargetInput,
    selection: &Selection,
) -> (TargetReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut flow_reports = Vec::new();
    let classifications: Vec<Classification> = target
        .reasons
        .iter()
        .map(|reason| classify(reason))
        .collect();
    let mut verdict = TargetVerdict::Ok;
    let mut flows = Vec::new();
    let definition = match preconditions(index, target) {
        Err(finding) => {
            verdict = if finding.severity == Severity::Error {
                TargetVerdict::Blocked
            } else {
                TargetVerdict::Unknown
            };
            findings.push(*finding);
            None
        }
        Ok(definition) => {
            let launch_type = target.launch_type.unwrap_or(LaunchType::Fargate);
            flows = required_flows(
                definition,
                &index.snapshot.region,
                &index.snapshot.account_id,
                launch_type,
                target.legacy_platform(),
            );
            Some(definition)
        }
    };
    let facts = TargetFacts {
        index,
        target,
        definition,
        flows: &flows,
        classifications: &classifications,
    };
    let target_checks = |steps: &[crate::facts::Step<crate::facts::TargetCheck>]| -> Vec<Finding> {
        steps
            .iter()
            .filter(|step| selection.enabled(step.check.id))
            .flat_map(|step| (step.run)(&facts))
            .collect()
    };
    let blocks = |findings: &[Finding]| {
        findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    };
    if definition.is_some() {
        let before = target_checks(registry::TARGET_CHECKS);
        if blocks(&before) {
            verdict = TargetVerdict::Blocked;
        }
        findings.extend(before);
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
                let (report, flow_findings) = evaluate_flow(&Walker {
                    context: &context,
                    selection,
                });
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
        let evidence = target_checks(registry::TARGET_EVIDENCE);
        if blocks(&evidence) {
            verdict = TargetVerdict::Blocked;
        }
        findings.extend(evidence);
    }
    for step in registry::CORRELATORS {
        if selection.enabled(step.check.id) {
            findings.extend((step.run)(&facts, &flow_reports));
        }
    }
    findings.retain(|finding| selection.enabled(finding.check));
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

fn evaluate_flow(walker: &Walker) -> (FlowReport, Vec<Finding>) {
    let context = walker.context;
    if !context.placement.has_ipv4() && !context.flow.reachable_over_ipv6() {
        // An IPv6-only subnet: no IPv4 path exists for an IPv4-only host, whatever its DNS
        // answer, endpoints or routes.
        let mut path = PathResult::new(
            format!("IPv4 (none: {} is IPv6-only)", context.subnet_id()),
            false,
        );
        path.walk(walker, Site::NoIpv4, registry::ROUTE_ONLY_PATH);
        return finish_flow(walker, path);
    }
    let mut paths = match context.dns_answer() {
        // A private hosted zone associated with the VPC answers alone for the names it covers.
        answer @ Answer::Zone { zone, record } => match answer.endpoint(context.index) {
            Some(endpoint) if endpoint.endpoint_type == EndpointType::Interface => {
                vec![walk_interface(walker, endpoint)]
            }
            _ => {
                let mut path = PathResult::new(format!("private hosted zone {}", zone.name), true);
                path.walk(
                    walker,
                    Site::PrivateZone(zone, record),
                    registry::PRIVATE_ZONE_PATH,
                );
                vec![path]
            }
        },
        Answer::Unread(gap) => {
            let mut path =
                PathResult::new(format!("{} (resolution unknown)", context.flow.host), true);
            path.push(
                Hop::Dns,
                Verdict::Unknown(rules::collection_gap::unread_dns(context, gap)),
            );
            vec![path]
        }
        answer => resolver_paths(walker, matches!(answer, Answer::Forwarded(_))),
    };
    let chosen = choose(&paths);
    let mut path = paths.swap_remove(chosen);
    if path.verdict() != FlowVerdict::Ok {
        path = uncarried(walker, path);
    }
    finish_flow(walker, path)
}

/// A flow no path carries: when a private hosted zone was evidently meant to answer its host
/// (misnamed, not associated), that zone is the path the user built and the one to report; the
/// public path the name fell back to is a consequence, and its findings would send the user the
/// wrong way (opening the task's group to the internet).
fn uncarried(walker: &Walker, mut path: PathResult) -> PathResult {
    for step in registry::UNCARRIED_FLOW_HOPS {
        if !walker.selection.enabled(step.check.id) {
            continue;
        }
        match (step.run)(walker.context) {
            Some(verdict @ Verdict::Block(_)) => {
                let mut meant = PathResult::new(
                    format!("private hosted zone meant for {}", walker.context.flow.host),
                    true,
                );
                meant.push(Hop::Dns, verdict);
                return meant;
            }
            Some(verdict) => path.push(Hop::Dns, verdict),
            None => {}
        }
    }
    path
}

/// The paths when the VPC resolver answers as it does without zones: the VPC's own endpoints of
/// the flow's service, and the subnet's route out (unless the endpoints' private DNS shadows it,
/// which a Resolver FORWARD rule for the name prevents).
fn resolver_paths(walker: &Walker, forwarded: bool) -> Vec<PathResult> {
    let context = walker.context;
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
            EndpointType::Interface => paths.push(walk_interface(walker, endpoint)),
            EndpointType::Gateway => paths.push(walk_gateway(walker, endpoint)),
            EndpointType::GatewayLoadBalancer => {}
        }
    }
    if let Some(service) = &service
        && endpoints
            .iter()
            .all(|ep| ep.endpoint_type == EndpointType::GatewayLoadBalancer)
    {
        let mut missing = PathResult::new(format!("VPC endpoint {service} (missing)"), false);
        missing.walk(
            walker,
            Site::MissingEndpoint(service),
            registry::MISSING_ENDPOINT_PATH,
        );
        paths.push(missing);
    }
    // A task with an IPv6 address dials a dual-stack host over IPv6 first: between two paths
    // that fare alike, the IPv6 one is reported.
    let (ipv6_before, ipv6_after) = match walk_internet6(walker) {
        path if context.placement.ipv6 == Ipv6Address::Yes => (path, None),
        path => (None, path),
    };
    paths.extend(ipv6_before);
    if (forwarded || !shadowed_by_private_dns(context, &endpoints))
        && context.placement.has_ipv4()
        && let Some(internet) = walk_internet(walker)
    {
        paths.push(internet);
    }
    paths.extend(ipv6_after);
    if paths.is_empty() {
        // No endpoint can serve the flow and its route stays inside the VPC (or ends at a gateway
        // endpoint of another service): nothing carries it out.
        let mut nowhere = PathResult::new("no path out of the VPC".to_string(), false);
        nowhere.walk(walker, Site::Nowhere, registry::NOWHERE_PATH);
        paths.push(nowhere);
    }
    paths
}

/// The identity and image hops on the path that carries the flow, and the flow's report.
fn finish_flow(walker: &Walker, mut path: PathResult) -> (FlowReport, Vec<Finding>) {
    let context = walker.context;
    // Identity and image hops hold on whichever path carries the flow: walk them once, on it.
    let flow_images = images(context);
    let carrier = Carrier {
        source_vpce: path.endpoint.as_deref(),
        images: &flow_images,
    };
    let mut carried = Vec::new();
    for (hop, step) in registry::CARRIER_HOPS {
        if walker.selection.enabled(step.check.id) {
            carried.extend((step.run)(context, &carrier).into_iter().map(|v| (*hop, v)));
        }
    }
    for (hop, verdict) in carried {
        path.push(hop, verdict);
    }
    let verdict = path.verdict();
    let (hops, findings): (Vec<HopRecord>, Vec<Option<Finding>>) = path.hops.into_iter().unzip();
    let mut findings: Vec<Finding> = findings.into_iter().flatten().collect();
    findings.extend(path.advisories);
    if verdict == FlowVerdict::Blocked {
        for step in registry::BLOCKED_FLOW_CHECKS {
            if walker.selection.enabled(step.check.id) {
                findings.extend((step.run)(context));
            }
        }
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
        (verdict_rank, !path.present, path.count(Status::Blocked))
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

fn walk_interface(walker: &Walker, endpoint: &VpcEndpoint) -> PathResult {
    let context = walker.context;
    let mut path = PathResult::new(
        format!(
            "interface endpoint {} ({})",
            endpoint.id,
            endpoint.short_service()
        ),
        true,
    );
    path.endpoint = Some(endpoint.id.clone());
    let site = Site::InterfaceEndpoint(endpoint);
    for step in registry::INTERFACE_ENDPOINT_PATH {
        match step {
            InterfaceStep::Endpoint(step) => path.walk(walker, site, std::slice::from_ref(step)),
            InterfaceStep::EachInterface(steps) => {
                for (hop, verdict) in chosen_interface_hops(walker, endpoint, steps) {
                    path.push(hop, verdict);
                }
            }
        }
    }
    for step in registry::INTERFACE_ENDPOINT_ADVISORIES {
        if walker.selection.enabled(step.check.id) {
            path.advisories.extend((step.run)(context, site));
        }
    }
    path
}

/// The hops to the endpoint's interface in the task's zone when it works, else to the first
/// interface that works, else to the first one tried.
fn chosen_interface_hops(
    walker: &Walker,
    endpoint: &VpcEndpoint,
    steps: &[HopStep],
) -> Vec<(Hop, Verdict)> {
    let task_az = &walker.context.placement.subnet.availability_zone;
    let mut interfaces: Vec<_> = endpoint.network_interfaces.iter().collect();
    interfaces.sort_by_key(|eni| (&eni.availability_zone != task_az, eni.id.clone()));
    let mut chosen: Option<Vec<(Hop, Verdict)>> = None;
    for eni in interfaces {
        let site = Site::EndpointInterface(endpoint, eni);
        let hops: Vec<(Hop, Verdict)> = steps
            .iter()
            .filter_map(|step| walker.run(step, site).map(|verdict| (step.hop, verdict)))
            .collect();
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
    chosen.unwrap_or_default()
}

fn walk_gateway(walker: &Walker, endpoint: &VpcEndpoint) -> PathResult {
    let mut path = PathResult::new(
        format!(
            "gateway endpoint {} ({})",
            endpoint.id,
            endpoint.short_service()
        ),
        true,
    );
    path.endpoint = Some(endpoint.id.clone());
    path.walk(
        walker,
        Site::GatewayEndpoint(endpoint),
        registry::GATEWAY_ENDPOINT_PATH,
    );
    path
}

/// The path through the subnet's route table to a NAT gateway, internet gateway or beyond.
/// `None` when that route leads to a gateway endpoint (walked as its own path) or stays local.
fn walk_internet(walker: &Walker) -> Option<PathResult> {
    let context = walker.context;
    let destinations = context.public_destinations();
    let route = context
        .placement
        .route_table
        .and_then(|table| match &destinations[0] {
            AddressSet::Block(block) => route_for(context.index, table, block),
            AddressSet::Public | AddressSet::PublicIpv6 => route_for_public(context.index, table),
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
    path.walk(walker, Site::Internet(route), registry::INTERNET_PATH);
    Some(path)
}

/// The IPv6 path of a flow to a dual-stack host: the subnet's IPv6 route to its public IPv6
/// addresses. Walked when the task has an IPv6 address, or may have one (not recorded) and the
/// table routes IPv6 out; never for a task without one, nor for an IPv4-only host.
fn walk_internet6(walker: &Walker) -> Option<PathResult> {
    let context = walker.context;
    if !context.flow.reachable_over_ipv6() {
        return None;
    }
    let route = context
        .placement
        .route_table
        .and_then(|table| route_for_ipv6(table, &AddressSet::PublicIpv6));
    match context.placement.ipv6 {
        Ipv6Address::No => return None,
        Ipv6Address::Unknown if route.is_none() => return None,
        Ipv6Address::Yes | Ipv6Address::Unknown => {}
    }
    let description = match route {
        Some(route) => format!("IPv6 route {} → {}", route.destination, route.target),
        None => "IPv6 internet (no route)".to_string(),
    };
    let mut path = PathResult::new(description, route.is_some());
    let steps = match context.placement.ipv6 {
        // Unknown: its route hop says so, and the IPv6 rules (a schema 3 file kept none) are
        // not judged for a task that may never use them.
        Ipv6Address::Unknown => registry::ROUTE_ONLY_PATH,
        _ => registry::INTERNET6_PATH,
    };
    path.walk(walker, Site::Internet6(route), steps);
    Some(path)
}
