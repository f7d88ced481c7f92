//! The snapshot: everything the engine knows about one account and region, as plain data.
//!
//! The collector writes it, `diagnose --snapshot` reads it back. Field names follow the AWS
//! APIs where they exist so a snapshot reads like the console. Ids are validated on load so
//! the engine never has to doubt them.

pub mod anonymize;
mod ecs;
mod iam_ecr;
mod landing_zone;
mod load;
mod network;
pub mod redact;
mod strict;
pub mod validate;

pub use ecs::*;
pub use iam_ecr::*;
pub use landing_zone::*;
pub use load::{
    LoadError, Loaded, MAX_SNAPSHOT_BYTES, from_json, from_json_versioned, load_file,
    load_file_versioned,
};
pub use network::*;

use serde::{Deserialize, Serialize};

/// Bumped whenever a field changes meaning or a required field is added. Version 2 adds the
/// evidence a task carries: containers' resolved `image_digest` and `exit_code`, images'
/// `size_bytes`, task definitions' `ephemeral_storage_gib`. Version 3 adds images'
/// `config_platform`, read from a single-architecture image's config blob (see
/// `docs/snapshot.md`). Version 4 adds IPv6: subnets' `ipv6_cidr_blocks`, `ipv6_native` and
/// `enable_dns64` (and a subnet's `cidr_block` becomes optional, for IPv6-only subnets), network
/// ACL entries' `ipv6_cidr`, task interfaces' `ipv6_address`; and the owner account of subnets
/// and VPCs (`owner_id`), which tells a subnet shared through AWS RAM from the caller's own.
pub const SCHEMA_VERSION: u32 = 4;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema_version: u32,
    pub account_id: String,
    pub region: String,
    /// RFC 3339 time of collection, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub dhcp_options: Vec<DhcpOptions>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub prefix_lists: Vec<PrefixList>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub nat_gateways: Vec<NatGateway>,
    #[serde(default)]
    pub internet_gateways: Vec<InternetGateway>,
    /// Route 53 hosted zones associated with the targets' VPCs, or covering names they dial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosted_zones: Vec<HostedZone>,
    /// Route 53 Resolver rules associated with the targets' VPCs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolver_rules: Vec<ResolverRule>,
    /// Transit gateway attachments of the targets' VPCs and of the VPCs their routes reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_gateway_attachments: Vec<TransitGatewayAttachment>,
    /// The transit gateway route tables those attachments are associated with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_gateway_route_tables: Vec<TransitGatewayRouteTable>,
    /// VPC peering connections the targets' routes point at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpc_peering_connections: Vec<VpcPeeringConnection>,
    /// Instances the targets' routes point at (NAT instances, appliances).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ec2_instances: Vec<Ec2Instance>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub task_definitions: Vec<TaskDefinition>,
    /// The container instances EC2 targets run (or may run) on.
    #[serde(default)]
    pub container_instances: Vec<ContainerInstance>,
    #[serde(default)]
    pub iam_roles: Vec<IamRole>,
    #[serde(default)]
    pub ecr_repositories: Vec<EcrRepository>,
    #[serde(default)]
    pub log_groups: Vec<LogGroup>,
    /// The KMS keys the repositories name, as far as they could be described.
    #[serde(default)]
    pub kms_keys: Vec<KmsKey>,
    /// The keys of the secrets and parameters the tasks read, as far as they could be described.
    #[serde(default)]
    pub secret_keys: Vec<SecretKey>,
    /// Pull-through cache rules and the registry policy; absent when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecr_registry: Option<EcrRegistry>,
    /// Replication rules of the other regions' registries (of this account) that images come from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecr_replication: Vec<RegistryReplication>,
    /// Other accounts whose registry was read with a role of that account (`--registry-role`):
    /// their "repository not found" is a fact, as the snapshot's own account's is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecr_read_as_owner: Vec<String>,
    /// Calls that were refused or unavailable while collecting: what the engine cannot see.
    #[serde(default)]
    pub gaps: Vec<CollectionGap>,
}

impl Snapshot {
    /// Whether ECR's "not found" for this account's registry proves absence: it was read with
    /// that account's own credentials (the snapshot's account, or a `--registry-role`).
    pub fn registry_read_as_owner(&self, account: &str) -> bool {
        account == self.account_id || self.ecr_read_as_owner.iter().any(|owner| owner == account)
    }

    pub fn new(account_id: impl Into<String>, region: impl Into<String>) -> Self {
        Snapshot {
            schema_version: SCHEMA_VERSION,
            account_id: account_id.into(),
            region: region.into(),
            ..Default::default()
        }
    }

    /// Every IPv6 block written in its canonical form (RFC 5952: lowercase, zeros compressed),
    /// so one block has one spelling (`0::/0` is `::/0`) and duplicates are seen; a text that is
    /// not a block stays as it is, for the validation to refuse.
    fn canonical_ipv6(&mut self) {
        fn canonical(text: &mut String) {
            if let Ok(block) = text.parse::<ipnet::Ipv6Net>() {
                *text = block.to_string();
            }
        }
        for subnet in &mut self.subnets {
            subnet
                .ipv6_cidr_blocks
                .iter_mut()
                .flatten()
                .for_each(canonical);
        }
        for acl in &mut self.network_acls {
            acl.entries
                .iter_mut()
                .filter_map(|entry| entry.ipv6_cidr.as_mut())
                .for_each(canonical);
        }
        for table in &mut self.route_tables {
            for route in &mut table.routes {
                if let RouteDestination::Ipv6(block) = &mut route.destination {
                    canonical(block);
                }
            }
        }
        for group in &mut self.security_groups {
            for rule in group.ingress.iter_mut().chain(group.egress.iter_mut()) {
                if let Peer::Ipv6(block) = &mut rule.peer {
                    canonical(block);
                }
            }
        }
    }

    /// Sorts every list by id so that two collections of the same account serialise identically.
    pub fn normalize(&mut self) {
        self.canonical_ipv6();
        self.vpcs.sort_by(|a, b| a.id.cmp(&b.id));
        self.dhcp_options.sort_by(|a, b| a.id.cmp(&b.id));
        self.subnets.sort_by(|a, b| a.id.cmp(&b.id));
        self.route_tables.sort_by(|a, b| a.id.cmp(&b.id));
        self.network_acls.sort_by(|a, b| a.id.cmp(&b.id));
        self.security_groups.sort_by(|a, b| a.id.cmp(&b.id));
        self.prefix_lists.sort_by(|a, b| a.id.cmp(&b.id));
        self.vpc_endpoints.sort_by(|a, b| a.id.cmp(&b.id));
        self.nat_gateways.sort_by(|a, b| a.id.cmp(&b.id));
        self.internet_gateways.sort_by(|a, b| a.id.cmp(&b.id));
        self.hosted_zones.sort_by(|a, b| a.id.cmp(&b.id));
        self.resolver_rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.transit_gateway_attachments
            .sort_by(|a, b| a.id.cmp(&b.id));
        self.transit_gateway_route_tables
            .sort_by(|a, b| a.id.cmp(&b.id));
        self.vpc_peering_connections.sort_by(|a, b| a.id.cmp(&b.id));
        self.ec2_instances.sort_by(|a, b| a.id.cmp(&b.id));
        self.tasks.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.services.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.task_definitions.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.container_instances.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.iam_roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.ecr_repositories.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.log_groups.sort_by(|a, b| a.name.cmp(&b.name));
        self.kms_keys.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.secret_keys.sort_by(|a, b| a.resource.cmp(&b.resource));
        self.ecr_replication.sort_by(|a, b| a.region.cmp(&b.region));
        self.gaps.sort();
        self.gaps.dedup();
    }
}

/// The gap `error_code` of a value a Terraform plan knows only after apply (`ecr-pathcheck plan`).
pub const KNOWN_AFTER_APPLY: &str = "KnownAfterApply";

/// An API call the collector could not make, and what it would have told us.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionGap {
    /// `service:Action`, e.g. `ec2:DescribeNetworkAcls`; also the IAM permission that is missing.
    pub api: String,
    /// The resource the call was about, when it was about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The error code AWS returned (`UnauthorizedOperation`, `AccessDenied`, ...).
    pub error_code: String,
    pub message: String,
}
