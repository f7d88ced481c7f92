//! The facts every check reads: lookups over the snapshot (the index and its memo), the
//! reachability primitives (routes, security groups, network ACLs), the targets with their
//! placements, and the path context a hop check is asked in.
//!
//! Layers read one way (a test in `checks/tests/layers.rs` keeps it so):
//! `arn, net, policy, text → snapshot → flows, reason → finding, catalog → facts → rules → engine → report`.

pub mod dns;
mod egress;
mod image;
mod index;
mod kinds;
mod path;
pub mod reach;
mod targets;

pub use egress::{Egress, public_block, tgw_route_for};
pub use image::{FlowImage, images};
pub use index::{Index, Question};
pub use kinds::{
    AccountCheck, Advisory, BlockedFlowCheck, Carrier, CarrierCheck, HopCheck, HopStep, Selection,
    Site, Step, TargetCheck, TargetFacts, UncarriedFlowCheck,
};
pub use path::{AclSide, Hop, HopRecord, PathContext, Status, Verdict};
pub use reach::{
    NaclDecision, PeerSpec, nacl_decision, nat64_route, route_for, route_for_ipv6,
    route_for_public, sg_allows,
};
pub use targets::{Ipv6Address, Placement, TargetInput, TargetKind, targets};
