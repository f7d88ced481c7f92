//! One check per file. Each declares its id, name, severity and documentation with
//! `declare_check!`, and owns the evaluation of its hop and the wording and fix of its finding.

pub mod bare_image_name;
pub mod collection_gap;
pub mod container_instance_role;
pub mod custom_dns;
pub mod dns_hostnames;
pub mod dns_support;
pub mod endpoint_az_coverage;
pub mod endpoint_cannot_serve;
pub mod endpoint_missing;
pub mod endpoint_policy;
pub mod endpoint_sg_ingress;
pub mod endpoint_sg_open;
pub mod endpoint_state;
pub mod ephemeral_storage;
pub mod execution_role;
pub mod execution_role_trust;
mod fixes;
pub mod image_digest;
pub mod image_platform;
pub mod image_reference;
pub mod launch_type;
pub mod legacy_platform;
pub mod nacl_request;
pub mod nacl_return;
pub mod nat_gateway;
pub mod no_route;
pub mod private_dns;
pub mod public_ip;
pub mod pull_through_cache;
pub mod reason_unexplained;
pub mod registry_rate_limit;
pub mod repository_kms_key;
pub mod repository_policy;
pub mod role_permissions;
pub mod route_beyond;
pub mod route_target;
pub mod s3_gateway_route;
pub mod s3_prefix_list_egress;
pub mod secret_json_key;
pub mod secret_kms_key;
pub mod sg_egress;
pub mod stopped_reason;
pub mod target_incomplete;
#[cfg(test)]
mod test_support;

use crate::catalog::CheckInfo;

/// Every check, in id order. A meta-test keeps this list, the docs and the fixtures in step.
pub static ALL: &[&CheckInfo] = &[
    &dns_support::CHECK,
    &dns_hostnames::CHECK,
    &private_dns::CHECK,
    &custom_dns::CHECK,
    &endpoint_missing::CHECK,
    &endpoint_state::CHECK,
    &endpoint_az_coverage::CHECK,
    &endpoint_policy::CHECK,
    &endpoint_cannot_serve::CHECK,
    &s3_gateway_route::CHECK,
    &no_route::CHECK,
    &route_target::CHECK,
    &nat_gateway::CHECK,
    &public_ip::CHECK,
    &route_beyond::CHECK,
    &s3_prefix_list_egress::CHECK,
    &sg_egress::CHECK,
    &endpoint_sg_ingress::CHECK,
    &endpoint_sg_open::CHECK,
    &nacl_request::CHECK,
    &nacl_return::CHECK,
    &execution_role::CHECK,
    &execution_role_trust::CHECK,
    &role_permissions::CHECK,
    &repository_policy::CHECK,
    &secret_kms_key::CHECK,
    &container_instance_role::CHECK,
    &secret_json_key::CHECK,
    &image_reference::CHECK,
    &image_platform::CHECK,
    &pull_through_cache::CHECK,
    &repository_kms_key::CHECK,
    &image_digest::CHECK,
    &bare_image_name::CHECK,
    &registry_rate_limit::CHECK,
    &ephemeral_storage::CHECK,
    &stopped_reason::CHECK,
    &reason_unexplained::CHECK,
    &collection_gap::CHECK,
    &launch_type::CHECK,
    &legacy_platform::CHECK,
    &target_incomplete::CHECK,
];

/// Looks a check up by id (`PC401`) or name (`s3-prefix-list-egress`), case-insensitively.
pub fn lookup(key: &str) -> Option<&'static CheckInfo> {
    ALL.iter()
        .copied()
        .find(|check| check.id.eq_ignore_ascii_case(key) || check.name.eq_ignore_ascii_case(key))
}
