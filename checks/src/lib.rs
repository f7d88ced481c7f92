//! The ecr-pathcheck engine: the snapshot model and the checks that reason over it.
//!
//! Nothing here talks to AWS. `collect → snapshot → engine → render`: this crate is the middle
//! two, pure and synchronous, so it builds and tests in seconds.

pub mod arn;
pub mod catalog;
pub mod engine;
pub mod facts;
pub mod finding;
pub mod flows;
pub mod net;
pub mod plan;
pub mod policy;
pub mod reason;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod text;

pub use engine::diagnose;
pub use finding::{Finding, Fix, Severity};
pub use report::Report;
pub use snapshot::Snapshot;
