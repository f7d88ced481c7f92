//! Where each check runs: the walker's steps as tables, one per kind of check and per path.
//! Adding a check is its file, its `pub mod` line and one line here. The order of a path's
//! table is the order traffic meets its hops, and the order of the hops in the report.
//!
//! Every check runs behind one guard (`Selection::enabled` in the walker), which gives
//! `--select` and `--ignore` to all of them.

use super::*;
use crate::catalog::CheckInfo;
use crate::facts::{
    AccountCheck, BlockedFlowCheck, CarrierCheck, Hop, HopCheck, HopStep, Step, TargetCheck,
    TargetFacts, UncarriedFlowCheck,
};
use crate::finding::Finding;
use crate::report::FlowReport;

/// A check that reads the finished flow reports of a target (the stopped reason against them).
/// Its signature names the report, so it is declared above the facts.
pub type Correlator = fn(&TargetFacts, &[FlowReport]) -> Vec<Finding>;

const fn hop(hop: Hop, check: &'static CheckInfo, run: HopCheck) -> HopStep {
    HopStep { hop, check, run }
}

/// One entry of the interface endpoint path: a hop of the endpoint, or the hops of one of its
/// network interfaces (the walker takes the interface in the task's zone, else the first one
/// that works).
pub enum InterfaceStep {
    Endpoint(HopStep),
    EachInterface(&'static [HopStep]),
}

/// The path through an interface endpoint of the flow's service (`Site::InterfaceEndpoint`,
/// and `Site::EndpointInterface` for the interface hops): in the task's VPC, or in another one
/// when a private hosted zone answers with it.
#[rustfmt::skip]
pub static INTERFACE_ENDPOINT_PATH: &[InterfaceStep] = &[
    InterfaceStep::Endpoint(hop(Hop::Dns, &dns_support::CHECK, dns_support::check)),
    InterfaceStep::Endpoint(hop(Hop::Dns, &dns_server_reachable::CHECK, dns_server_reachable::check)),
    InterfaceStep::Endpoint(hop(Hop::Dns, &resolver_rule::CHECK, resolver_rule::check)),
    InterfaceStep::Endpoint(hop(Hop::Dns, &hosted_zone::CHECK, hosted_zone::check)),
    InterfaceStep::Endpoint(hop(Hop::Dns, &dns_hostnames::CHECK, dns_hostnames::check)),
    InterfaceStep::Endpoint(hop(Hop::Dns, &private_dns::CHECK, private_dns::check)),
    InterfaceStep::Endpoint(hop(Hop::Dns, &custom_dns::CHECK, custom_dns::check)),
    InterfaceStep::Endpoint(hop(Hop::Endpoint, &endpoint_state::CHECK, endpoint_state::check)),
    InterfaceStep::EachInterface(ENDPOINT_INTERFACE_HOPS),
    InterfaceStep::Endpoint(hop(Hop::Policy, &endpoint_policy::CHECK, endpoint_policy::check)),
];

/// The hops between the task and one network interface of an interface endpoint; the route,
/// transit gateway and peering hops of an endpoint in another VPC.
#[rustfmt::skip]
static ENDPOINT_INTERFACE_HOPS: &[HopStep] = &[
    hop(Hop::Route, &route_beyond::CHECK, route_beyond::to_endpoint_interface),
    hop(Hop::Route, &endpoint_route::CHECK, endpoint_route::check),
    hop(Hop::Route, &transit_gateway::CHECK, transit_gateway::check),
    hop(Hop::Route, &vpc_peering::CHECK, vpc_peering::check),
    hop(Hop::TaskEgress, &sg_egress::CHECK, sg_egress::check),
    hop(Hop::TaskNaclOutbound, &nacl_request::CHECK, nacl_request::task_subnet),
    hop(Hop::TaskNaclReturn, &nacl_return::CHECK, nacl_return::task_subnet),
    hop(Hop::EndpointNaclInbound, &nacl_request::CHECK, nacl_request::endpoint_subnet),
    hop(Hop::EndpointNaclReturn, &nacl_return::CHECK, nacl_return::endpoint_subnet),
    hop(Hop::EndpointIngress, &endpoint_sg_ingress::CHECK, endpoint_sg_ingress::check),
];

/// Advice about an interface endpoint that does not decide the path's verdict.
#[rustfmt::skip]
pub static INTERFACE_ENDPOINT_ADVISORIES: &[Step<crate::facts::Advisory>] = &[
    Step { check: &endpoint_az_coverage::CHECK, run: endpoint_az_coverage::check },
    Step { check: &endpoint_sg_open::CHECK, run: endpoint_sg_open::check },
];

/// The path through a gateway endpoint of the flow's service (`Site::GatewayEndpoint`).
#[rustfmt::skip]
pub static GATEWAY_ENDPOINT_PATH: &[HopStep] = &[
    hop(Hop::Dns, &dns_support::CHECK, dns_support::check),
    hop(Hop::Dns, &dns_server_reachable::CHECK, dns_server_reachable::check),
    hop(Hop::Endpoint, &endpoint_state::CHECK, endpoint_state::check),
    hop(Hop::Route, &s3_gateway_route::CHECK, s3_gateway_route::check),
    hop(Hop::TaskEgress, &s3_prefix_list_egress::CHECK, s3_prefix_list_egress::check),
    hop(Hop::TaskNaclOutbound, &nacl_request::CHECK, nacl_request::task_subnet),
    hop(Hop::TaskNaclReturn, &nacl_return::CHECK, nacl_return::task_subnet),
    hop(Hop::Policy, &endpoint_policy::CHECK, endpoint_policy::check),
];

/// The path through the subnet's route to a NAT gateway or instance, an internet gateway or
/// beyond (`Site::Internet`): through a transit gateway, the centralized egress VPC's routes and
/// NAT gateway.
#[rustfmt::skip]
pub static INTERNET_PATH: &[HopStep] = &[
    hop(Hop::Dns, &dns_support::CHECK, dns_support::check),
    hop(Hop::Dns, &dns_server_reachable::CHECK, dns_server_reachable::check),
    hop(Hop::Route, &no_route::CHECK, no_route::check),
    hop(Hop::Route, &route_target::CHECK, route_target::route),
    hop(Hop::Gateway, &route_target::CHECK, route_target::internet_gateway),
    hop(Hop::Gateway, &public_ip::CHECK, public_ip::check),
    hop(Hop::Gateway, &nat_gateway::CHECK, nat_gateway::check),
    hop(Hop::Gateway, &nat_instance::CHECK, nat_instance::check),
    hop(Hop::Gateway, &route_beyond::CHECK, route_beyond::check),
    hop(Hop::Route, &transit_gateway::CHECK, transit_gateway::internet),
    hop(Hop::Route, &centralized_egress::CHECK, centralized_egress::check),
    hop(Hop::Gateway, &nat_gateway::CHECK, nat_gateway::through_transit_gateway),
    hop(Hop::TaskEgress, &sg_egress::CHECK, sg_egress::check),
    hop(Hop::TaskNaclOutbound, &nacl_request::CHECK, nacl_request::task_subnet),
    hop(Hop::TaskNaclReturn, &nacl_return::CHECK, nacl_return::task_subnet),
];

/// The IPv6 path of a flow to a dual-stack host (`Site::Internet6`): the subnet's IPv6 route to
/// an egress-only or internet gateway, the task's groups and ACL for IPv6. The same checks as
/// the IPv4 path, in IPv6 terms.
#[rustfmt::skip]
pub static INTERNET6_PATH: &[HopStep] = &[
    hop(Hop::Dns, &dns_support::CHECK, dns_support::check),
    hop(Hop::Route, &no_route::CHECK, no_route::check),
    hop(Hop::Route, &route_target::CHECK, route_target::route),
    hop(Hop::Gateway, &route_target::CHECK, route_target::internet_gateway),
    hop(Hop::Gateway, &route_beyond::CHECK, route_beyond::check),
    hop(Hop::TaskEgress, &sg_egress::CHECK, sg_egress::check),
    hop(Hop::TaskNaclOutbound, &nacl_request::CHECK, nacl_request::task_subnet),
    hop(Hop::TaskNaclReturn, &nacl_return::CHECK, nacl_return::task_subnet),
];

/// A path decided by its route alone: a flow to an IPv4-only host from an IPv6-only subnet
/// (`Site::NoIpv4`), or the IPv6 path of a task not known to have an IPv6 address
/// (`Site::Internet6`), whose other hops would judge rules it may never use.
#[rustfmt::skip]
pub static ROUTE_ONLY_PATH: &[HopStep] = &[
    hop(Hop::Route, &no_route::CHECK, no_route::check),
];

/// The path of a service with no endpoint (`Site::MissingEndpoint`).
#[rustfmt::skip]
pub static MISSING_ENDPOINT_PATH: &[HopStep] = &[
    hop(Hop::Endpoint, &endpoint_missing::CHECK, endpoint_missing::check),
];

/// A private hosted zone answers the flow's host with no endpoint the snapshot holds
/// (`Site::PrivateZone`).
#[rustfmt::skip]
pub static PRIVATE_ZONE_PATH: &[HopStep] = &[
    hop(Hop::Dns, &dns_support::CHECK, dns_support::check),
    hop(Hop::Dns, &hosted_zone::CHECK, hosted_zone::check),
];

/// No endpoint serves the flow and no route leaves the VPC (`Site::Nowhere`).
#[rustfmt::skip]
pub static NOWHERE_PATH: &[HopStep] = &[
    hop(Hop::Route, &no_route::CHECK, no_route::check),
];

/// Hops judged when the chosen path does not carry the flow: the private hosted zone that was
/// probably meant to (misnamed, or not associated with the VPC).
#[rustfmt::skip]
pub static UNCARRIED_FLOW_HOPS: &[Step<UncarriedFlowCheck>] = &[
    Step { check: &hosted_zone_misnamed::CHECK, run: hosted_zone_misnamed::check },
    Step { check: &hosted_zone_association::CHECK, run: hosted_zone_association::check },
];

/// The identity and image hops, walked once on the path that carries the flow.
#[rustfmt::skip]
pub static CARRIER_HOPS: &[(Hop, Step<CarrierCheck>)] = &[
    (Hop::Iam, Step { check: &role_permissions::CHECK, run: role_permissions::check }),
    (Hop::Iam, Step { check: &repository_policy::CHECK, run: repository_policy::check }),
    (Hop::Iam, Step { check: &secret_kms_key::CHECK, run: secret_kms_key::check }),
    (Hop::Image, Step { check: &image_reference::CHECK, run: image_reference::check }),
    (Hop::Image, Step { check: &image_digest::CHECK, run: image_digest::check }),
    (Hop::Image, Step { check: &image_platform::CHECK, run: image_platform::check }),
    (Hop::Image, Step { check: &repository_kms_key::CHECK, run: repository_kms_key::check }),
];

/// Advice about a flow that stays blocked on whichever path was chosen.
#[rustfmt::skip]
pub static BLOCKED_FLOW_CHECKS: &[Step<BlockedFlowCheck>] = &[
    Step { check: &endpoint_cannot_serve::CHECK, run: endpoint_cannot_serve::check },
];

/// Checks of the target before its flows are walked (its platform, its roles).
#[rustfmt::skip]
pub static TARGET_CHECKS: &[Step<TargetCheck>] = &[
    Step { check: &legacy_platform::CHECK, run: legacy_platform::check },
    Step { check: &execution_role::CHECK, run: execution_role::check },
];

/// Evidence the task carries (its reasons, its containers): findings of the target, not of a hop.
#[rustfmt::skip]
pub static TARGET_EVIDENCE: &[Step<TargetCheck>] = &[
    Step { check: &secret_json_key::CHECK, run: secret_json_key::check },
    Step { check: &bare_image_name::CHECK, run: bare_image_name::check },
    Step { check: &registry_rate_limit::CHECK, run: registry_rate_limit::check },
    Step { check: &ephemeral_storage::CHECK, run: ephemeral_storage::check },
];

/// Checks that read the target's finished flow reports.
#[rustfmt::skip]
pub static CORRELATORS: &[Step<Correlator>] = &[
    Step { check: &stopped_reason::CHECK, run: stopped_reason::correlate },
];

/// Checks of the account as a whole.
#[rustfmt::skip]
pub static ACCOUNT_CHECKS: &[Step<AccountCheck>] = &[
    Step { check: &collection_gap::CHECK, run: collection_gap::account_findings },
];

/// Checks whose findings come from another check or from the walker's preconditions, so no
/// table above runs them by name. They obey `--select`/`--ignore` through the report's filter.
#[rustfmt::skip]
pub static REPORTED_BY_OTHERS: &[&CheckInfo] = &[
    &execution_role_trust::CHECK,
    &container_instance_role::CHECK,
    &pull_through_cache::CHECK,
    &reason_unexplained::CHECK,
    &launch_type::CHECK,
    &target_incomplete::CHECK,
];

/// Names a check had before it was renamed: `rule`, `--select` and `--ignore` still take them.
pub static FORMER_NAMES: &[(&str, &CheckInfo)] = &[
    // It judges whichever role signs the requests: the execution role, or on EC2 without one,
    // the container instance role.
    ("execution-role-denies", &role_permissions::CHECK),
];

/// Every check, in id order, each once: what the tables above run, and what others report.
pub fn all() -> &'static [&'static CheckInfo] {
    static ALL: std::sync::OnceLock<Vec<&'static CheckInfo>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut checks: Vec<&'static CheckInfo> = INTERFACE_ENDPOINT_PATH
            .iter()
            .flat_map(|step| match step {
                InterfaceStep::Endpoint(step) => std::slice::from_ref(step),
                InterfaceStep::EachInterface(steps) => steps,
            })
            .chain(GATEWAY_ENDPOINT_PATH)
            .chain(INTERNET_PATH)
            .chain(INTERNET6_PATH)
            .chain(ROUTE_ONLY_PATH)
            .chain(MISSING_ENDPOINT_PATH)
            .chain(PRIVATE_ZONE_PATH)
            .chain(NOWHERE_PATH)
            .map(|step| step.check)
            .chain(UNCARRIED_FLOW_HOPS.iter().map(|step| step.check))
            .chain(INTERFACE_ENDPOINT_ADVISORIES.iter().map(|step| step.check))
            .chain(CARRIER_HOPS.iter().map(|(_, step)| step.check))
            .chain(BLOCKED_FLOW_CHECKS.iter().map(|step| step.check))
            .chain(TARGET_CHECKS.iter().map(|step| step.check))
            .chain(TARGET_EVIDENCE.iter().map(|step| step.check))
            .chain(CORRELATORS.iter().map(|step| step.check))
            .chain(ACCOUNT_CHECKS.iter().map(|step| step.check))
            .chain(REPORTED_BY_OTHERS.iter().copied())
            .collect();
        // The same check from several tables once; two checks that share an id both stay, so
        // the catalog's meta-test sees them.
        checks.sort_by_key(|check| (check.id, *check as *const CheckInfo as usize));
        checks.dedup_by(|a, b| std::ptr::eq(*a, *b));
        checks
    })
}
