//! The kinds of check, one signature each. The walker runs them from the tables in
//! `rules/registry.rs`; a check that does not apply where it is asked answers `None` (or nothing).

use super::{FlowImage, Index, PathContext, TargetInput, Verdict};
use crate::catalog::CheckInfo;
use crate::finding::Finding;
use crate::flows::Flow;
use crate::reason::Classification;
use crate::snapshot::{
    DnsRecord, EndpointInterface, HostedZone, Route, RouteState, RouteTargetKind, TaskDefinition,
    VpcEndpoint,
};

/// What the walker stands on when it asks a hop check.
#[derive(Debug, Clone, Copy)]
pub enum Site<'s> {
    /// An interface endpoint of the flow's service: its DNS, its state, its policy.
    InterfaceEndpoint(&'s VpcEndpoint),
    /// One network interface of that endpoint: the route to it, the security groups and the
    /// network ACLs between the task and it.
    EndpointInterface(&'s VpcEndpoint, &'s EndpointInterface),
    /// A gateway endpoint of the flow's service (S3).
    GatewayEndpoint(&'s VpcEndpoint),
    /// The subnet's route towards the flow's public destinations; `None` when there is none.
    Internet(Option<&'s Route>),
    /// The subnet's IPv6 route towards a dual-stack host's public IPv6 addresses (`::/0` to an
    /// egress-only or internet gateway); `None` when there is none.
    Internet6(Option<&'s Route>),
    /// A flow to an IPv4-only host from an IPv6-only subnet: the task has no IPv4 address.
    NoIpv4,
    /// No endpoint of the service exists (the name is the service, `com.amazonaws.REGION.ecr.dkr`).
    MissingEndpoint(&'s str),
    /// No endpoint can serve the flow and no route leaves the VPC.
    Nowhere,
    /// A private hosted zone answers the flow's host, but not with an endpoint the snapshot
    /// holds: no record (NXDOMAIN), or addresses of something else.
    PrivateZone(&'s HostedZone, Option<&'s DnsRecord>),
}

impl<'s> Site<'s> {
    /// The endpoint the site belongs to, if any.
    pub fn endpoint(self) -> Option<&'s VpcEndpoint> {
        match self {
            Site::InterfaceEndpoint(endpoint)
            | Site::EndpointInterface(endpoint, _)
            | Site::GatewayEndpoint(endpoint) => Some(endpoint),
            _ => None,
        }
    }

    /// True on the paths that leave through the subnet's route table (gateway endpoint or
    /// internet), whose destinations are public addresses or the S3 prefix list.
    pub fn is_routed(self) -> bool {
        matches!(self, Site::GatewayEndpoint(_) | Site::Internet(_))
    }

    /// The internet path's route when it exists, is not a blackhole and leads to `kind`.
    pub fn usable_route(self, kind: RouteTargetKind) -> Option<&'s Route> {
        match self {
            Site::Internet(Some(route)) | Site::Internet6(Some(route))
                if route.state != RouteState::Blackhole && route.target_kind() == kind =>
            {
                Some(route)
            }
            _ => None,
        }
    }
}

/// The path chosen to carry a flow, on which the identity and image hops are walked once.
pub struct Carrier<'c, 'a> {
    /// The interface or gateway endpoint the requests come through (their `aws:SourceVpce`).
    pub source_vpce: Option<&'c str>,
    /// The private ECR images this flow pulls (empty for other flows).
    pub images: &'c [FlowImage<'a>],
}

/// Everything a target check may look at: the target, its task definition when one was found,
/// the flows it needs and what its stopped reasons say.
pub struct TargetFacts<'t, 'a> {
    pub index: &'t Index<'a>,
    pub target: &'t TargetInput<'a>,
    pub definition: Option<&'a TaskDefinition>,
    pub flows: &'t [Flow],
    pub classifications: &'t [Classification],
}

/// A hop of a path: a verdict where the check applies, `None` elsewhere.
pub type HopCheck = fn(&PathContext, Site) -> Option<Verdict>;
/// A hop of the carrying path (identity, image): one verdict per resource it judges.
pub type CarrierCheck = fn(&PathContext, &Carrier) -> Vec<Verdict>;
/// Advice about a path that does not decide its verdict (a warning, an info).
pub type Advisory = fn(&PathContext, Site) -> Option<Finding>;
/// Advice about a flow that is blocked, whichever path was chosen.
pub type BlockedFlowCheck = fn(&PathContext) -> Option<Finding>;
/// A hop judged only when the chosen path does not carry the flow: what was probably meant to
/// carry it instead (a private hosted zone misnamed or not associated).
pub type UncarriedFlowCheck = fn(&PathContext) -> Option<Verdict>;
/// A check of the whole target, before or after its flows are walked. An error blocks it.
pub type TargetCheck = fn(&TargetFacts) -> Vec<Finding>;
/// A check of the account as a whole (what could not be read).
pub type AccountCheck = fn(&Index) -> Vec<Finding>;

/// One line of a table: the check, and its entry point of that kind.
pub struct Step<F> {
    pub check: &'static CheckInfo,
    pub run: F,
}

/// One line of a path table: the hop it answers for, the check, its entry point.
pub struct HopStep {
    pub hop: super::Hop,
    pub check: &'static CheckInfo,
    pub run: HopCheck,
}

/// Which checks run: `--select` keeps only the listed ones, `--ignore` drops the listed ones.
/// A check that does not run leaves its hop out of the path (as if it passed) and its findings
/// out of the report.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Ids of the checks to keep; empty keeps every check.
    pub select: Vec<&'static str>,
    /// Ids of the checks to drop.
    pub ignore: Vec<&'static str>,
}

impl Selection {
    /// Whether some check is left out.
    pub fn is_partial(&self) -> bool {
        !self.select.is_empty() || !self.ignore.is_empty()
    }

    pub fn enabled(&self, check: &str) -> bool {
        (self.select.is_empty() || self.select.contains(&check)) && !self.ignore.contains(&check)
    }
}
