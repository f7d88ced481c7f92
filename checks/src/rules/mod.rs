//! One check per file. Each declares its id, name, severity and documentation with
//! `declare_check!`, and owns the evaluation of its hop and the wording and fix of its finding.

pub mod bare_image_name;
pub mod centralized_egress;
pub mod collection_gap;
pub mod container_instance_role;
pub mod custom_dns;
pub mod dns_hostnames;
pub mod dns_server_reachable;
pub mod dns_support;
pub mod endpoint_az_coverage;
pub mod endpoint_cannot_serve;
pub mod endpoint_missing;
pub mod endpoint_policy;
pub mod endpoint_route;
pub mod endpoint_sg_ingress;
pub mod endpoint_sg_open;
pub mod endpoint_state;
pub mod ephemeral_storage;
pub mod execution_role;
pub mod execution_role_trust;
mod fixes;
pub mod hosted_zone;
pub mod hosted_zone_association;
pub mod hosted_zone_misnamed;
pub mod image_digest;
pub mod image_platform;
pub mod image_reference;
pub mod launch_type;
pub mod legacy_platform;
pub mod nacl_request;
pub mod nacl_return;
pub mod nat_gateway;
pub mod nat_instance;
pub mod no_route;
pub mod private_dns;
pub mod public_ip;
pub mod pull_through_cache;
pub mod reason_unexplained;
pub mod registry;
pub mod registry_rate_limit;
pub mod repository_kms_key;
pub mod repository_policy;
pub mod resolver_rule;
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
pub mod transit_gateway;
pub mod vpc_peering;

use crate::catalog::CheckInfo;

pub use registry::all;

/// Looks a check up by id (`PC401`) or name (`s3-prefix-list-egress`), case-insensitively.
/// The checks `--select` / `--ignore` name: each item an id (`PC401`), a name
/// (`s3-prefix-list-egress`, former names too) or an id prefix (`PC4`: every `PC4xx`), separated
/// by commas. An item that names no check is an error: one line with the closest names.
pub fn selection(select: &[String], ignore: &[String]) -> Result<crate::facts::Selection, String> {
    let resolve = |option: &str, items: &[String]| -> Result<Vec<&'static str>, String> {
        let mut ids = Vec::new();
        for item in items.iter().flat_map(|item| item.split(',')).map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let matched: Vec<&'static str> = match lookup(item) {
                Some(check) => vec![check.id],
                None => all()
                    .iter()
                    .filter(|check| {
                        item.len() >= 3
                            && check.id.len() >= item.len()
                            && check.id[..item.len()].eq_ignore_ascii_case(item)
                    })
                    .map(|check| check.id)
                    .collect(),
            };
            if matched.is_empty() {
                let mut closest: Vec<(usize, &str)> = all()
                    .iter()
                    .flat_map(|check| [check.id, check.name])
                    .map(|name| {
                        (
                            strsim::levenshtein(
                                &item.to_ascii_lowercase(),
                                &name.to_ascii_lowercase(),
                            ),
                            name,
                        )
                    })
                    .collect();
                closest.sort();
                let hint: Vec<&str> = closest.iter().take(2).map(|(_, name)| *name).collect();
                return Err(format!(
                    "{option} {}: no check has that id, name or id prefix (closest: {}; `ecr-pathcheck rule` lists them)",
                    crate::text::truncate(item, 64),
                    hint.join(", ")
                ));
            }
            ids.extend(matched);
        }
        Ok(ids)
    };
    for (option, items) in [("--select", select), ("--ignore", ignore)] {
        if items
            .iter()
            .any(|item| item.split(',').all(|part| part.trim().is_empty()))
        {
            return Err(format!(
                "{option} needs check ids, names or id prefixes (an empty value selects nothing); `ecr-pathcheck rule` lists them"
            ));
        }
    }
    let selection = crate::facts::Selection {
        select: resolve("--select", select)?,
        ignore: resolve("--ignore", ignore)?,
    };
    if !all().iter().any(|check| selection.enabled(check.id)) {
        return Err("--select and --ignore leave no check to run".into());
    }
    Ok(selection)
}

/// A former name (`registry::FORMER_NAMES`) finds the check under its new one.
pub fn lookup(key: &str) -> Option<&'static CheckInfo> {
    all()
        .iter()
        .copied()
        .find(|check| check.id.eq_ignore_ascii_case(key) || check.name.eq_ignore_ascii_case(key))
        .or_else(|| {
            registry::FORMER_NAMES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
                .map(|(_, check)| *check)
        })
}
